"""The attendance import as a kind of the core import pipeline (portal/imports.py).

Upload → stored privately → checked (every row; nothing saved) → confirm → imported in one
transaction. The file is read by the core's tabular reader, so a workbook that expands to a
million rows is refused from its declared size before a row is read.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from followup.awareness import selectors, services
from followup.awareness.models import AwarenessActivity
from portal import imports

PREVIEW_ROWS = 200


def _activity(ctx: imports.ImportContext) -> AwarenessActivity:
    activity = selectors.activity_list_for(user=ctx.user).filter(
        public_id=ctx.params.get("activity")).first()
    if activity is None:
        raise imports.ImportRefused(_("The activity no longer exists."))
    return activity


def _file(ctx: imports.ImportContext) -> ContentFile:
    return ContentFile(ctx.files["file"], name=ctx.names["file"])


def _report(report) -> dict:
    return {
        "ok": not report.has_errors and bool(report.rows),
        "imported": report.imported,
        "errors": [[line, [str(m) for m in messages]] for line, messages in report.errors[:500]],
        "error_count": len(report.errors),
        "row_count": len(report.rows),
        "new_count": report.new_count,
        "update_count": report.update_count,
        "rows": [{"line": r["line"], "name": r["person"].display_name, "email": r["person"].email,
                  "attended": r["attended"],
                  "completed_at": (timezone.localtime(r["completed_at"]).strftime("%Y-%m-%d %H:%M")
                                   if r["completed_at"] else "")}
                 for r in report.rows[:PREVIEW_ROWS]],
    }


def _check(ctx: imports.ImportContext) -> dict:
    return _report(services.attendance_import(actor=ctx.user, activity=_activity(ctx),
                                              upload=_file(ctx), dry_run=True))


def _apply(ctx: imports.ImportContext) -> dict:
    return _report(services.attendance_import(actor=ctx.user, activity=_activity(ctx),
                                              upload=_file(ctx), dry_run=False))


def _allowed(user, params) -> bool:
    return selectors.activity_list_for(user=user).filter(public_id=params.get("activity")).exists()


def _done_message(upload) -> str:
    return _("%(n)s attendance rows were imported.") % {"n": upload.report.get("row_count", 0)}


IMPORT = imports.register(imports.ImportKind(
    code="awareness.attendance", label=gettext_lazy("Import attendance"),
    permission="awareness.activity.manage", check=_check, apply=_apply, allowed=_allowed,
    report_template="awareness/partials/_attendance_report.html", done_message=_done_message,
    done_url=lambda upload: reverse("awareness:activity_detail", args=[upload.params["activity"]]),
    back_url=lambda upload: reverse("awareness:attendance_import",
                                    args=[upload.params["activity"]]),
    testid="attendance",
))
