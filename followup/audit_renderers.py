import re

from django.utils.translation import gettext_lazy as _

from portal.audit import register_renderer
from portal.fiscal import fiscal_year_label

REIWA = re.compile(r"令和(元|\d+)年度")


def _fiscal_year(data: dict, stored: str):
    """The entry's fiscal year: its own ``fiscal_year``, or read back from the 令和 label older
    entries stored (written in the language of the day), so it reads in the reader's."""
    if isinstance(data.get("fiscal_year"), int):
        return data["fiscal_year"]
    match = REIWA.search(str(data.get(stored) or ""))
    if match:
        return 2018 + (1 if match.group(1) == "元" else int(match.group(1)))
    return None


def _cycle_sentence(text, stored):
    def render(entry):
        data = entry.data or {}
        year = _fiscal_year(data, stored)
        return text % {stored: fiscal_year_label(year) if year else data.get(stored, "")}
    return render


register_renderer("followup.cycle.opened",
                  _cycle_sentence(_("Opened the survey cycle %(label)s"), "label"))
register_renderer("followup.cycle.status_changed", _("Changed the status of the survey cycle"))
register_renderer("followup.question_set.copied",
                  _("Copied the question set %(from)s for fiscal year %(fiscal_year)s"))
register_renderer("followup.response.started",
                  _cycle_sentence(_("Started the answers to %(cycle)s"), "cycle"))
register_renderer("followup.response.saved", _("Saved the answers (%(questions)s)"))
register_renderer("followup.response.approved", _("Approved version %(version)s of the answers"))
register_renderer("followup.response.reopened", _("Sent the approved answers back to draft"))
register_renderer("followup.response.locked", _("Locked version %(version)s of the answers"))
register_renderer("followup.response.amended",
                  _("Started version %(version)s to amend the locked answers: %(reason)s"))
register_renderer("followup.response.imported", _("Imported the answers"))
register_renderer("followup.response.import_updated", _("Updated the answers from an import"))
register_renderer("followup.import.completed",
                  _("Imported %(rows)s rows from %(filename)s (new %(new)s, updated %(updated)s)"))
register_renderer("followup.regulation.uploaded", _("Uploaded the regulation %(title)s"))
register_renderer("followup.regulation.downloaded", _("Downloaded the regulation document"))
register_renderer("followup.institutions.loaded",
                  _("Loaded the institution registry from MEXT's list (created %(created)s, "
                    "updated %(updated)s)"))
