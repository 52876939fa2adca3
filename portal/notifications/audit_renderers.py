from django.utils.translation import gettext_lazy as _

from portal.audit import register_renderer

register_renderer("notifications.schedule.run_requested",
                  _("Asked to run the schedule “%(schedule)s” now"))
register_renderer("notifications.schedule.ran",
                  _("Ran the schedule “%(schedule)s” (%(count)s)"))
register_renderer("notifications.campaign.announced",
                  _("Announced the campaign to %(count)s researchers"))
register_renderer("notifications.preference.changed",
                  _("Changed how “%(kind)s” notifications arrive"))
register_renderer("notifications.beat.changed",
                  _("Changed a periodic task or its schedule in the administration"))
register_renderer("notifications.schedule.previewed",
                  _("Previewed who the schedule “%(schedule)s” would notify (%(total)s)"))
register_renderer("notifications.schedule.changed",
                  _("Changed the schedule “%(schedule)s” (time %(time)s, days before %(days_before)s)"))
