"""Roster import pages: upload → dry run → confirm (administrators only)."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal import imports, roster
from portal.errors import ApplicationError
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


def _render(request, context, status=200):
    context.setdefault("form", RosterUploadForm())
    context["department_columns"] = DEPARTMENT_COLUMNS
    context["person_columns"] = PERSON_COLUMNS
    return render(request, "portal/roster_import.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("portal.roster.import")
def roster_import(request):
    """Upload the files; the import pipeline checks them and shows the dry run on its page."""
    if request.method == "GET":
        return _render(request, {})
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, {"form": form}, status=400)
    try:
        upload = imports.import_start(
            user=request.user, kind=roster.IMPORT.code,
            files={k: form.cleaned_data.get(k) for k in roster.KINDS},
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _render(request, {"form": form}, status=400)
    return redirect("portal:import_detail", public_id=upload.public_id)


@require_GET
@permission_required("portal.roster.import")
def roster_sample(request, kind: str):
    name = SAMPLES.get(kind)
    if name is None:
        raise Http404
    path = Path(settings.BASE_DIR) / "fixtures" / name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name,
                        content_type="text/csv; charset=utf-8")
