"""Permission codes of risk management (roles in portal.permissions)."""
from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.permissions import ADMIN, ALL_STAFF, OFFICE, RESEARCHER, declare

declare("riskmgmt.section.view", _("Open the risk-management section"), ALL_STAFF)
# Cases: department reviewers see the cases of their departments; the office handles them.
declare("riskmgmt.case.view", _("See risk cases"), ALL_STAFF)
declare("riskmgmt.case.manage", _("Assess, decide and close risk cases; ask researchers"), OFFICE)
declare("riskmgmt.register.view", _("See the risk register"), OFFICE)
declare("riskmgmt.register.export", _("Export the risk register"), OFFICE)
# Screening lists and hits.
declare("riskmgmt.screening.view", _("See screening lists, runs and hits; check names"), OFFICE)
declare("riskmgmt.screening.review", _("Confirm or clear screening hits"), OFFICE)
declare("riskmgmt.screening.import", _("Import screening list releases"), ADMIN)
declare("riskmgmt.screening.rescreen", _("Re-screen the registry against a list release"), OFFICE)
# Rules.
declare("riskmgmt.rule.view", _("See flagging rules and their history"), OFFICE)
declare("riskmgmt.rule.manage", _("Switch and tune flagging rules"), ADMIN)
declare("riskmgmt.scale.manage", _("Word the likelihood and impact scales"), ADMIN)
# Funding-agency inquiries.
declare("riskmgmt.inquiry.manage", _("Record and answer funding-agency inquiries"), OFFICE)
# Researchers: their own requests for information.
declare("riskmgmt.request.answer_own", _("Answer the research office's questions"), RESEARCHER,
        own=True)
# Who is told of a decision recorded on a case of their departments (besides its assignee).
declare("riskmgmt.case.notify_decision", _("Be told of decisions on risk cases"),
        frozenset({Role.DEPT_REVIEWER}))
