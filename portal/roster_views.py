"""Roster import pages: upload → dry run → confirm (administrators only)."""

from __future__ import annotations

from pathlib import Path

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal import roster
from portal.permissions import permission_required
from portal.resources import DEPARTMENT_COLUMNS, PERSON_COLUMNS

SAMPLES = {
    "people": "roster_sample.csv",
    "departments": "roster_departments_sample.csv",
}


class RosterUploadForm(forms.Form):
    departments = forms.FileField(
        label=gettext_lazy("Departments file"), required=False,
        help_text=gettext_lazy("CSV or Excel (.xlsx). Columns: code, name_ja, name_en, parent_code."),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    people = forms.FileField(
        label=gettext_lazy("People file"), required=False,
        help_text=gettext_lazy(
            "CSV or Excel (.xlsx). Columns: email, family_name, given_name, family_name_en, "
            "given_name_en, employee_number, researcher_number, department_code, roles."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean(self):
        data = super().clean()
        if not data.get("departments") and not data.get("people"):
            raise forms.ValidationError(_("Choose a departments file, a people file, or both."))
        limit = settings.PORTAL_MAX_UPLOAD_BYTES
        for name in ("departments", "people"):
            upload = data.get(name)
            if upload and upload.size > limit:
                self.add_error(name, _("The file is larger than %(max)s MB.")
                               % {"max": limit // (1024 * 1024)})
        return data


def _render(request, context):
    context.setdefault("form", RosterUploadForm())
    context["department_columns"] = DEPARTMENT_COLUMNS
    context["person_columns"] = PERSON_COLUMNS
    template = "portal/partials/_roster_result.html" if request.htmx else "portal/roster_import.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@permission_required("portal.roster.import")
def roster_import(request):
    if request.method == "GET":
        return _render(request, {})
    if "token" in request.POST:
        return _confirm(request)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, {"form": form})
    try:
        upload = roster.roster_upload_store(
            user=request.user,
            uploads={k: form.cleaned_data.get(k) for k in roster.KINDS},
        )
        if upload.total_rows > roster.SYNC_MAX_ROWS:
            roster.remember_upload(request.session, upload)
            kind = roster.roster_job_start(user=request.user, upload=upload, dry_run=True)
            return redirect("portal:roster_job", token=upload.token, kind=kind)
        report = roster.roster_run(user=request.user, upload=upload, dry_run=True)
    except roster.RosterError as exc:
        form.add_error(None, exc.message)
        return _render(request, {"form": form})
    if report.ok:
        roster.remember_upload(request.session, upload)
    else:
        roster.roster_upload_discard(upload=upload)
    return _render(request, {"form": RosterUploadForm(), "report": report,
                             "token": upload.token if report.ok else ""})


@reauthentication_required
def _confirm(request):
    """The import itself. Like other bulk changes it asks for the password (or an authenticator
    code) again when the last confirmation is older than ACCOUNT_REAUTHENTICATION_TIMEOUT;
    allauth replays this POST after the re-authentication."""
    token = request.POST.get("token", "")
    try:
        upload = roster.upload_from_session(request.session, user=request.user, token=token)
        if upload.total_rows > roster.SYNC_MAX_ROWS:
            kind = roster.roster_job_start(user=request.user, upload=upload, dry_run=False)
            return redirect("portal:roster_job", token=upload.token, kind=kind)
        report = roster.roster_run(user=request.user, upload=upload, dry_run=False)
    except roster.RosterError as exc:
        messages.error(request, exc.message)
        return redirect("portal:roster_import")
    roster.forget_upload(request.session, token)
    roster.roster_upload_discard(upload=upload)
    if not report.imported:
        messages.error(request, _("Nothing was imported: some rows are no longer valid."))
        return _render(request, {"report": report, "token": ""})
    _imported_message(request, report)
    return redirect("portal:roster_import")


def _imported_message(request, report) -> None:
    new = sum(f.new for f in report.files)
    updated = sum(f.updated for f in report.files)
    unchanged = sum(f.unchanged for f in report.files)
    messages.success(
        request,
        _("Roster imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged.")
        % {"new": new, "updated": updated, "unchanged": unchanged},
    )


@require_GET
@permission_required("portal.roster.import")
def roster_job(request, token: str, kind: str):
    """Progress of a large upload's dry run or import; polled with htmx until it is done."""
    if kind not in roster.JOB_KINDS:
        raise Http404
    try:
        upload = roster.upload_from_session(request.session, user=request.user, token=token)
    except roster.RosterError as exc:
        messages.error(request, exc.message)
        return redirect("portal:roster_import")
    state = roster.job_state(upload=upload, kind=kind)
    if state is None:
        raise Http404
    report = state.get("report")
    finished = state["status"] in {"done", "failed"}
    if kind == "import" and finished:
        roster.forget_upload(request.session, token)
        roster.roster_upload_discard(upload=upload)
        if report is not None and report.imported:
            _imported_message(request, report)
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("portal:roster_import")
                return response
            return redirect("portal:roster_import")
    elif kind == "dry-run" and finished and not (report is not None and report.ok):
        roster.forget_upload(request.session, token)
        roster.roster_upload_discard(upload=upload)
    context = {
        "state": state, "kind": kind, "job_token": token, "report": report, "upload": upload,
        # the confirm form of the report partial appears only after a clean dry run
        "token": token if kind == "dry-run" and report is not None and report.ok else "",
    }
    template = "portal/partials/_roster_job.html" if request.htmx else "portal/roster_job.html"
    return render(request, template, context)


@require_GET
@permission_required("portal.roster.import")
def roster_sample(request, kind: str):
    name = SAMPLES.get(kind)
    if name is None:
        raise Http404
    path = Path(settings.BASE_DIR) / "fixtures" / name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name,
                        content_type="text/csv; charset=utf-8")
