"""Risk management's panels on other apps' pages (see :mod:`portal.panels`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.panels import Panel, panel
from portal.permissions import has_perm
from riskmgmt import selectors
from riskmgmt.models import FlagState, RiskLevel


@panel("disclosures.review")
def version_flags(request, version):
    """Flags and risk summary of the version a reviewer reads: each flag with its state in
    this version (new, unchanged, changed, resolved) and its case; the summary counts the
    flags still raised and names the highest level among their cases."""
    if not has_perm(request.user, "riskmgmt.case.view", version.disclosure):
        return None
    states = selectors.flags_of_version(user=request.user, version=version)
    raised = [s for s in states if s.state != FlagState.RESOLVED]
    counts = {code: sum(1 for s in states if s.state == code) for code in FlagState.values}
    cases = {s.flag.case.pk: s.flag.case for s in raised}
    levels = [c.risk_level for c in cases.values() if c.risk_level]
    highest = max(levels, key=RiskLevel.values.index) if levels else ""
    return Panel(
        title=_("Flags and risk"), template="riskmgmt/partials/_version_flags.html", order=10,
        context={"states": states, "raised": len(raised), "counts": counts,
                 "cases": list(cases.values()), "highest": highest,
                 "highest_label": RiskLevel(highest).label if highest else ""})
