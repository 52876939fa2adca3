from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its notification kinds, event notices and reminder schedules in
        # ``<app>/notices.py``; importing them registers them with the engine.
        autodiscover_modules("notices")
