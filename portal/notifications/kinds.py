"""The kinds of notification, declared as data: label, mandatory or not, title and body.

Titles and bodies are translatable strings formatted with the notification's parameters; they
are rendered once per language when notifications are created, so each recipient reads them in
their own ``User.language``. Mandatory kinds (the annual update campaign and anything overdue)
are always e-mailed immediately; users cannot turn them off.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    label: object
    mandatory: bool
    title: object
    body: object


KINDS: dict[str, Kind] = {}


def _kind(code, label, *, mandatory, title, body) -> Kind:
    kind = Kind(code=code, label=label, mandatory=mandatory, title=title, body=body)
    KINDS[code] = kind
    return kind


CAMPAIGN_OPENED = _kind(
    "campaign_opened", _("Annual update campaign opened"), mandatory=True,
    title=_("%(campaign)s: please confirm or update your disclosure by %(due_date)s"),
    body=_("The annual update of your disclosure (%(campaign)s) is open. Confirm that nothing "
           "has changed, or update your disclosure, by %(due_date)s."),
)
CAMPAIGN_REMINDER = _kind(
    "campaign_reminder", _("Annual update reminder"), mandatory=True,
    title=_("Reminder: %(days)s days left to update your disclosure (%(campaign)s)"),
    body=_("You have not yet confirmed or updated your disclosure for %(campaign)s. "
           "The due date is %(due_date)s."),
)
CAMPAIGN_OVERDUE = _kind(
    "campaign_overdue", _("Annual update overdue"), mandatory=True,
    title=_("Overdue: your disclosure update for %(campaign)s"),
    body=_("The due date of %(campaign)s was %(due_date)s and your disclosure has not been "
           "confirmed or updated. Please do it now."),
)
CAMPAIGN_ESCALATION = _kind(
    "campaign_escalation", _("Overdue researchers (escalation)"), mandatory=True,
    title=_("%(count)s researchers are overdue for %(campaign)s"),
    body=_("These researchers have not confirmed or updated their disclosure for %(campaign)s "
           "(due %(due_date)s):\n%(names)s"),
)
DISCLOSURE_STALE = _kind(
    "disclosure_stale", _("Disclosure not updated for 12 months"), mandatory=False,
    title=_("Your disclosure has not been updated for 12 months"),
    body=_("Your disclosure was last submitted on %(last)s. Please check that it is still "
           "complete and up to date."),
)
ITEM_ENDED = _kind(
    "item_ended", _("Side job or contract ended"), mandatory=False,
    title=_("Has this ended? %(item)s"),
    body=_("The end date (%(end_date)s) of \"%(item)s\" in your disclosure has passed. "
           "Update your disclosure if it has ended or been extended."),
)
MITIGATION_DUE = _kind(
    "mitigation_due", _("Mitigation measure due soon"), mandatory=False,
    title=_("Mitigation measure due on %(due_date)s: %(measure)s"),
    body=_("The mitigation measure \"%(measure)s\" that you own is due on %(due_date)s."),
)
MITIGATION_OVERDUE = _kind(
    "mitigation_overdue", _("Mitigation measure overdue"), mandatory=True,
    title=_("Overdue mitigation measure: %(measure)s"),
    body=_("The mitigation measure \"%(measure)s\" that you own was due on %(due_date)s and is "
           "not complete."),
)
INQUIRY_DEADLINE = _kind(
    "inquiry_deadline", _("Funding-agency inquiry deadline"), mandatory=False,
    title=_("Funding-agency inquiry due on %(due_date)s: %(inquiry)s"),
    body=_("The reply to the funding-agency inquiry \"%(inquiry)s\" is due on %(due_date)s."),
)
INFORMATION_REQUEST = _kind(
    "information_request", _("Request for information not answered"), mandatory=False,
    title=_("A request for information is waiting for your answer"),
    body=_("The research office asked you for information (\"%(request)s\") on %(asked)s. "
           "Please answer it."),
)
REVIEW_WAITING = _kind(
    "review_waiting", _("Disclosure waiting for review"), mandatory=False,
    title=_("A disclosure is waiting for your review: %(researcher)s"),
    body=_("%(researcher)s submitted their disclosure on %(submitted)s. It is in your review "
           "queue."),
)
STAFF_DIGEST = _kind(
    "staff_digest", _("Weekly digest of what is waiting"), mandatory=False,
    title=_("What is waiting for you this week"),
    body=_("%(summary)s"),
)

KIND_CHOICES = [(k.code, k.label) for k in KINDS.values()]
OPTIONAL_KINDS = [k for k in KINDS.values() if not k.mandatory]
MANDATORY_CODES = frozenset(k.code for k in KINDS.values() if k.mandatory)


def get_kind(code: str) -> Kind:
    return KINDS[code]


def render(code: str, params: dict, language: str) -> tuple[str, str]:
    """The title and body of a notification of ``code`` in ``language``."""
    kind = KINDS[code]
    with translation.override(language or "ja"):
        values = {k: str(v) for k, v in params.items()}
        return (str(kind.title) % values)[:300], str(kind.body) % values
