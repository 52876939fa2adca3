"""The researchmap / ORCID import as a kind of the core import pipeline (portal/imports.py).

Upload → stored privately → read in the check (invalid UTF-8, binary files, JSON nested too
deeply are refused with a message, never a server error) → the researcher confirms → the
entries are stored as suggestions in one transaction, then accepted or rejected one by one.
"""

from __future__ import annotations

from collections import Counter

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosures import services
from portal import imports


def _summary(parsed) -> dict:
    kinds = Counter(e.kind for e in parsed.entries)
    return {"ok": bool(parsed.entries), "source": parsed.source, "format": parsed.format,
            "entries": len(parsed.entries), "skipped": parsed.skipped,
            "career": kinds.get("career", 0), "affiliation": kinds.get("affiliation", 0),
            "funding": kinds.get("funding", 0)}


def _check(ctx: imports.ImportContext) -> dict:
    report = _summary(services.external_record_parse(ctx.files["file"]))
    if not report["ok"]:
        raise imports.ImportRefused(_("The file has no career, affiliation or funding entry."),
                                    extra={"report": report})
    return report


def _apply(ctx: imports.ImportContext) -> dict:
    record = services.external_import_create(owner=ctx.user, actor=ctx.user,
                                             data=ctx.files["file"], filename=ctx.names["file"])
    return {**_summary(services.external_record_parse(ctx.files["file"])),
            "record_import": str(record.public_id)}


def _done_message(upload) -> str:
    return _("%(n)s entries were found. Accept or reject each one.") % {
        "n": upload.report.get("entries", 0)}


IMPORT = imports.register(imports.ImportKind(
    code="disclosures.records", label=gettext_lazy("Import from researchmap / ORCID"),
    permission="disclosures.disclosure.file", check=_check, apply=_apply,
    report_template="disclosures/partials/_import_report.html", done_message=_done_message,
    done_url=lambda upload: reverse("disclosures:import_detail",
                                    args=[upload.report["record_import"]]),
    back_url=lambda upload: reverse("disclosures:imports"), testid="records",
))
