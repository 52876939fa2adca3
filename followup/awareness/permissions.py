"""Permission codes of the awareness app (trainings, checklists, case library)."""

from django.utils.translation import gettext_lazy as _

from portal.permissions import ALL_STAFF, EVERYONE, OFFICE, RESEARCHER, declare

declare("awareness.section.view", _("Open the section"), EVERYONE)

# Activities (trainings, seminars, e-learning, notices)
declare("awareness.activity.view", _("See awareness activities and their materials"), EVERYONE)
declare("awareness.activity.manage", _("Record awareness activities and their attendance"), OFFICE)
declare("awareness.completion.view", _("See training completion by department"), ALL_STAFF)
declare("awareness.training.view_own", _("See one's own training history"), RESEARCHER, own=True)
declare("awareness.training.complete_own", _("Record one's own e-learning completion"),
        RESEARCHER, own=True)

# Checklists
declare("awareness.checklist.manage", _("Edit and publish checklists"), OFFICE)
declare("awareness.checklist.fill_own", _("Fill one's own checklist"), RESEARCHER, own=True)
declare("awareness.checklist.fill_for_researcher",
        _("Fill a researcher's checklist on their behalf (e.g. in an interview)"), OFFICE)
declare("awareness.checklist.fill_institution", _("Fill the institution's checklist"), OFFICE)
declare("awareness.checklist.view_responses", _("See researchers' checklist answers"), OFFICE)

# Case library
declare("awareness.casestudy.view", _("Browse and search the case library"), EVERYONE)
declare("awareness.casestudy.manage", _("Write and publish case studies"), OFFICE)
