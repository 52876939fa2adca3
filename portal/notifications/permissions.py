from django.utils.translation import gettext_lazy as _

from portal.permissions import ADMIN, ALL_STAFF, EVERYONE, declare

declare("notifications.section.view", _("Open the section"), EVERYONE)
declare("notifications.own.view", _("Read one's own notifications and choose how they arrive"),
        EVERYONE, own=True)
declare("notifications.delivery.view", _("See the log of every notification sent"), ADMIN)
declare("notifications.schedule.manage", _("Preview and run reminder schedules"), ADMIN)
declare("notifications.staff_digest.receive", _("Receive the weekly digest of what is waiting"),
        ALL_STAFF)
