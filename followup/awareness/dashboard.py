"""Dashboard widgets: required trainings still due and checklists not yet filled this year."""

from __future__ import annotations

from django.utils.translation import gettext as _

from followup.awareness import selectors
from portal.dashboard import Widget, provider
from portal.fiscal import fiscal_year_of
from portal.permissions import has_perm


@provider
def trainings_due(request):
    user = request.user
    if not has_perm(user, "awareness.training.view_own"):
        return None
    due = selectors.due_activities_for(user=user)
    if not due:
        return None
    return Widget(title=_("Required trainings due"), order=40,
                  template="awareness/partials/_widget_trainings.html",
                  context={"activities": due})


@provider
def checklists_unfilled(request):
    user = request.user
    if not has_perm(user, "awareness.checklist.fill_own"):
        return None
    unfilled = selectors.unfilled_checklists_for(user=user)
    if not unfilled:
        return None
    return Widget(title=_("Checklist not yet filled this year"), order=41,
                  template="awareness/partials/_widget_checklists.html",
                  context={"checklists": unfilled, "fiscal_year": fiscal_year_of()})
