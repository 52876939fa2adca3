from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "followup"
    label = "followup"
    verbose_name = _("Follow-up survey")

    def ready(self):
        from portal import purge

        purge.register_staging("followup/imports/", _("Survey answer uploads not confirmed"))
