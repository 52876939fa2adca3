"""The import of other institutions' answers as a kind of the core import pipeline
(portal/imports.py): upload → stored privately → checked (nothing saved) → confirm → imported in
one transaction; the file is read by the core's tabular reader."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from followup.resources import answers_import
from portal import imports


def _report(outcome) -> dict:
    return {
        "ok": outcome.ok, "dry_run": outcome.dry_run, "total": outcome.total, "new": outcome.new,
        "updated": outcome.updated, "skipped": outcome.skipped,
        "errors": [{"number": e.number, "messages": [str(m) for m in e.messages]}
                   for e in outcome.errors[:500]],
        "error_count": len(outcome.errors),
        "base_errors": [str(e) for e in outcome.base_errors],
    }


def _check(ctx: imports.ImportContext) -> dict:
    return _report(answers_import(content=ctx.files["file"], filename=ctx.names["file"],
                                  actor=ctx.user, dry_run=True))


def _apply(ctx: imports.ImportContext) -> dict:
    return _report(answers_import(content=ctx.files["file"], filename=ctx.names["file"],
                                  actor=ctx.user, dry_run=False))


def _done_message(upload) -> str:
    r = upload.report
    return (_("Imported %(n)s rows (new %(new)s, updated %(updated)s, unchanged %(skipped)s).")
            % {"n": r.get("total"), "new": r.get("new"), "updated": r.get("updated"),
               "skipped": r.get("skipped")})


IMPORT = imports.register(imports.ImportKind(
    code="followup.answers", label=gettext_lazy("Import other institutions' answers"),
    permission="followup.import", check=_check, apply=_apply,
    report_template="followup/partials/_import_report.html", done_message=_done_message,
    done_url=lambda upload: reverse("followup:import"),
    back_url=lambda upload: reverse("followup:import"), testid="import",
))
