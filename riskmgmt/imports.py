"""The screening-list import as a kind of the core import pipeline (portal/imports.py).

Upload → the file is stored privately and parsed (a dry run: entries and row errors, nothing
saved) → the administrator confirms → the release is saved in one transaction and becomes the
current one; a file with any row error, or that cannot be read, never becomes a release.
"""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import imports
from riskmgmt import importers, services
from riskmgmt.models import ScreeningList

PREVIEW_ROWS = 20


def _parse(ctx: imports.ImportContext):
    params = ctx.params
    lst = ScreeningList.objects.filter(pk=params.get("list_id")).first() if params.get("list_id") else None
    code = lst.code if lst else params["format"]
    return importers.parse(ctx.files["file"], params["format"], filename=ctx.names["file"],
                           list_code=code)


def _report(result) -> dict:
    errors = result.errors or ([] if result.entries else [(0, _("No entries."))])
    return {
        "ok": not errors,
        "errors": [[row, str(message)] for row, message in errors[:500]],
        "error_count": len(errors),
        "entries": len(result.entries),
        "aliases": sum(len(e.aliases) for e in result.entries),
        "skipped": result.skipped,
        "preview": [{"row": e.row, "name": e.name, "aliases": e.aliases, "country": e.country,
                     "concerns": e.concerns} for e in result.entries[:PREVIEW_ROWS]],
    }


def _check(ctx: imports.ImportContext) -> dict:
    return _report(_parse(ctx))


def _apply(ctx: imports.ImportContext) -> dict:
    params = ctx.params
    lst = None
    if params.get("list_id"):
        lst = ScreeningList.objects.filter(pk=params["list_id"]).first()
        if lst is None:
            raise imports.ImportRefused(_("The list no longer exists."))
    else:
        code = f"{params['format']}-{uuid.uuid4().hex[:6]}"
        lst = services.screening_list_get_or_create(code=code, fmt=params["format"],
                                                    name=params.get("new_name", ""),
                                                    kind=params.get("kind", ""),
                                                    actor=ctx.user)
    try:
        release, result = services.screening_release_import(
            screening_list=lst, data=ctx.files["file"], filename=ctx.names["file"],
            label=params.get("label", ""), actor=ctx.user)
    except services.ImportFailed as exc:
        report = {"ok": False, "errors": [[r, str(m)] for r, m in exc.errors[:500]],
                  "error_count": len(exc.errors), "entries": 0, "aliases": 0, "skipped": 0,
                  "preview": []}
        raise imports.ImportRefused(exc.message, extra={"report": report}) from None
    return {**_report(result), "release": release.number, "list": lst.name}


def _done_message(upload) -> str:
    report = upload.report
    return (_("Release #%(n)s of %(list)s imported with %(count)s entries; the registry is being "
              "re-screened.") % {"n": report.get("release"), "list": report.get("list"),
                                 "count": report.get("entries")})


IMPORT = imports.register(imports.ImportKind(
    code="riskmgmt.screening", label=gettext_lazy("Import a list release"),
    permission="riskmgmt.screening.import", check=_check, apply=_apply,
    report_template="riskmgmt/partials/_import_report.html", done_message=_done_message,
    done_url=lambda upload: reverse("riskmgmt:screening"),
    back_url=lambda upload: reverse("riskmgmt:screening_import"), testid="screening",
))
