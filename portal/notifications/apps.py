from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from disclosures.signals import campaign_opened, version_submitted
        from portal.notifications.receivers import on_campaign_opened, on_version_submitted

        campaign_opened.connect(on_campaign_opened, dispatch_uid="notifications.campaign_opened")
        version_submitted.connect(on_version_submitted,
                                  dispatch_uid="notifications.version_submitted")
