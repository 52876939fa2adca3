from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "portal.outbox"
    label = "outbox"
    verbose_name = _("Background work")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its job kinds in ``<app>/jobs.py`` (the core in ``portal/jobs.py``);
        # importing them registers their handlers. The engine imports no app.
        autodiscover_modules("jobs")
