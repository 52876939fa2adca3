"""How risk-management audit entries read in a history."""
from django.utils.translation import gettext_lazy as _

from portal.audit import register_renderer

for code, text in {
    "riskmgmt.rule.changed": _("Rule changed (%(note)s)"),
    "riskmgmt.case.assigned": _("Case assigned"),
    "riskmgmt.case.decided": _("Decision recorded"),
    "riskmgmt.case.reviewed": _("Monitoring review: %(note)s"),
    "riskmgmt.case.closed": _("Case closed"),
    "riskmgmt.measure.added": _("Measure added: %(measure)s (owner %(owner)s, due %(due_date)s)"),
    "riskmgmt.measure.status_changed": _("Measure status changed: %(measure)s"),
    "riskmgmt.contingency.saved": _("Contingency plan saved"),
    "riskmgmt.request.asked": _("Question to the researcher: %(question)s"),
    "riskmgmt.request.answered": _("The researcher answered: %(answer)s"),
    "riskmgmt.scale.changed": _("Assessment scales reworded: %(points)s"),
    "riskmgmt.request.attachment_downloaded": _("Attachment to an answer downloaded: %(name)s"),
    "riskmgmt.version.evaluated": _("Flagging rules evaluated: %(flags)s flag(s)"),
    "riskmgmt.list.created": _("Screening list created: %(name)s"),
    "riskmgmt.release.imported": _("List release #%(number)s imported: %(entries)s entries"),
    "riskmgmt.release.rescreened": _("Registry re-screened: %(names)s names, %(new_hits)s new hit(s)"),
    "riskmgmt.release.outputs_rescreened": _("Co-authors re-screened: %(names)s affiliations, "
                                             "%(new_hits)s new hit(s)"),
    "riskmgmt.outputs.screened": _("Co-authors screened: %(names)s affiliations, %(new_hits)s "
                                   "new hit(s)"),
    "riskmgmt.hit.cleared": _("Cleared as a false positive: %(reason)s"),
    "riskmgmt.hit.confirmed": _("Hit confirmed: %(reason)s"),
    "riskmgmt.inquiry.saved": _("Inquiry saved"),
    "riskmgmt.inquiry.assessed": _("Project-level risk assessed"),
    "riskmgmt.inquiry.responded": _("Response to the funding agency recorded"),
}.items():
    register_renderer(code, text)


def _assessed(entry):
    from riskmgmt.models import RiskLevel

    data = entry.data or {}
    level = data.get("level", "")
    label = RiskLevel(level).label if level in RiskLevel.values else level
    return _("Risk assessed as %(level)s: %(rationale)s") % {
        "level": label, "rationale": data.get("rationale", "")}


register_renderer("riskmgmt.case.assessed", _assessed)


def _with_reasons(text):
    """An entry quoting the reasons of the flags it added: read in the reader's language from
    their keys and parameters (``data["reasons"]``), or the text stored (older entries)."""
    from riskmgmt import reasons

    def render(entry):
        data = entry.data or {}
        reason = data.get("reason", "")
        parts = data.get("reasons")
        if parts:
            try:
                reason = "\n".join(reasons.render(k, p) for k, p in parts)[:500]
            except (KeyError, TypeError, ValueError):
                pass
        return text % {"reason": reason}

    return render


register_renderer("riskmgmt.case.opened", _with_reasons(_("Case opened: %(reason)s")))
register_renderer("riskmgmt.case.flag_joined",
                  _with_reasons(_("New flag joined the case: %(reason)s")))
