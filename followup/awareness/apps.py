from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwarenessConfig(AppConfig):
    name = "followup.awareness"
    label = "awareness"
    verbose_name = _("Awareness")

    def ready(self):
        from portal import purge

        purge.register_staging("awareness/imports/", _("Attendance uploads not confirmed"))
