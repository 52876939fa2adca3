"""The engine's own notification kinds (the apps declare theirs in ``<app>/notices.py``)."""

from django.utils.translation import gettext_lazy as _

from portal.notifications import kinds

STAFF_DIGEST = kinds.register(
    "staff_digest", _("Weekly digest of what is waiting"), mandatory=False,
    title=_("What is waiting for you this week"),
    body=_("%(summary)s"),
)
