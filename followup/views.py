"""Pages of the follow-up survey. Thin: form → service → render."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import imports, uploads
from portal.errors import ApplicationError
from portal.permissions import has_perm, permission_required, require
from portal.services import generated_file_request
from portal.uploads import serve_upload

from . import charts, selectors, services
from .evidence import suggestions_for
from .forms import AmendForm, AnswerForm, CycleOpenForm, ImportForm, RegulationForm
from .models import RegulationDocument
from .reports import answer_needs_warning


@require_GET
@permission_required("followup.section.view")
def index(request):
    cycles = list(selectors.cycle_list_for(user=request.user))
    return render(request, "followup/index.html", {
        "cycles": cycles, "open_form": CycleOpenForm(),
        "can_manage": has_perm(request.user, "followup.cycle.manage"),
    })


@require_POST
@permission_required("followup.cycle.manage")
def cycle_open(request):
    form = CycleOpenForm(request.POST)
    if form.is_valid():
        try:
            cycle = services.cycle_open(fiscal_year=form.cleaned_data["fiscal_year"],
                                        due_on=form.cleaned_data["due_on"], actor=request.user)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The survey cycle %(label)s is open.") % {"label": cycle.label})
            return redirect("followup:cycle", fiscal_year=cycle.fiscal_year)
    cycles = list(selectors.cycle_list_for(user=request.user))
    return render(request, "followup/index.html",
                  {"cycles": cycles, "open_form": form, "can_manage": True}, status=400)


def _answer_rows(response, suggestions):
    rows = []
    if response is None:
        return rows
    for a in response.answers.all():
        rows.append({"answer": a, "warning": answer_needs_warning(a),
                     "suggestions": suggestions.get(a.question.number, [])})
    return rows


@require_GET
@permission_required("followup.section.view")
def cycle_detail(request, fiscal_year):
    cycle = selectors.cycle_get(user=request.user, fiscal_year=fiscal_year)
    response = selectors.home_response(cycle=cycle)
    suggestions = suggestions_for(fiscal_year=cycle.fiscal_year)
    return render(request, "followup/cycle_detail.html", {
        "cycle": cycle,
        "response": response,
        "rows": _answer_rows(response, suggestions),
        "questions": selectors.questions_of(cycle),
        "versions": selectors.home_response_versions(cycle=cycle),
        "amend_form": AmendForm(),
        "can_edit": has_perm(request.user, "followup.answer.edit"),
        "can_approve": has_perm(request.user, "followup.answer.approve"),
        "can_import": has_perm(request.user, "followup.import"),
        "can_export": has_perm(request.user, "followup.export"),
    })


@require_http_methods(["GET", "POST"])
@permission_required("followup.answer.edit")
def answers_edit(request, fiscal_year):
    """The seven answers on one page; the draft is created on the first save, not on GET."""
    cycle = selectors.cycle_get(user=request.user, fiscal_year=fiscal_year)
    response = selectors.home_response(cycle=cycle)
    if response is not None and not response.is_editable:
        messages.warning(request, _("These answers are no longer a draft."))
        return redirect("followup:cycle", fiscal_year=cycle.fiscal_year)
    existing = {a.question.number: a for a in response.answers.all()} if response else {}
    options = selectors.options_of(cycle)
    suggestions = suggestions_for(fiscal_year=cycle.fiscal_year)
    docs = list(RegulationDocument.objects.all())
    forms = []
    for q in selectors.questions_of(cycle):
        a = existing.get(q.number)
        relevant = [d.pk for d in docs if q.number in d.questions]
        doc_qs = RegulationDocument.objects.filter(pk__in=relevant) if relevant else None
        initial = {}
        if a is not None:
            initial = {"option": a.option.code if a.option_id else None, "note": a.note,
                       "evidence": a.evidence,
                       "documents": [d.pk for d in a.documents.all()] if doc_qs is not None else []}
        form = AnswerForm(request.POST or None, prefix=f"q{q.number}", initial=initial,
                          question=q, options=options, documents=doc_qs)
        forms.append({"form": form, "question": q, "answer": a,
                      "suggestions": suggestions.get(q.number, [])})
    if request.method == "POST" and all(f["form"].is_valid() for f in forms):
        data = {}
        for f in forms:
            cd = f["form"].cleaned_data
            evidence = cd["evidence"]
            if cd.get("use_suggestions") and f["suggestions"]:
                lines = [s.as_text() for s in f["suggestions"] if s.as_text() not in evidence]
                evidence = "\n".join([evidence, *lines]).strip()
            data[f["question"].number] = services.AnswerInput(
                option_code=cd["option"], note=cd["note"], evidence=evidence,
                document_ids=[d.pk for d in cd.get("documents") or []])
        try:
            if response is None:
                response = services.home_response_start(cycle=cycle, actor=request.user)
            services.answers_save(response=response, answers=data, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The answers were saved."))
            return redirect("followup:cycle", fiscal_year=cycle.fiscal_year)
    return render(request, "followup/answers_edit.html",
                  {"cycle": cycle, "response": response, "forms": forms},
                  status=400 if request.method == "POST" else 200)


ACTIONS = {
    "approve": ("followup.answer.approve", services.response_approve,
                _("The answers were approved.")),
    "lock": ("followup.answer.approve", services.response_lock, _("The answers were locked.")),
    "reopen": ("followup.answer.approve", services.response_reopen,
               _("The answers are a draft again.")),
}


@require_POST
@permission_required("followup.section.view")
def response_action(request, fiscal_year, action):
    cycle = selectors.cycle_get(user=request.user, fiscal_year=fiscal_year)
    response = selectors.home_response(cycle=cycle)
    if response is None:
        raise Http404
    if action == "amend":
        require(request.user, "followup.answer.amend")
        form = AmendForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the reason for the amendment."))
            return redirect("followup:cycle", fiscal_year=cycle.fiscal_year)
        try:
            services.response_amend(response=response, reason=form.cleaned_data["reason"],
                                    actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("A new version was started for the amendment."))
        return redirect("followup:cycle", fiscal_year=cycle.fiscal_year)
    if action not in ACTIONS:
        raise Http404
    code, service, done = ACTIONS[action]
    require(request.user, code)
    try:
        service(response=response, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("followup:cycle", fiscal_year=cycle.fiscal_year)


@require_GET
@permission_required("followup.results.view")
def results(request, fiscal_year):
    cycle = selectors.cycle_get(user=request.user, fiscal_year=fiscal_year)
    res = selectors.results_for(cycle=cycle)
    return render(request, "followup/results.html", {
        "cycle": cycle, "results": res, "charts": charts.category_charts(res),
        "can_export": has_perm(request.user, "followup.export"),
    })


@require_POST
@permission_required("followup.export")
def export(request, fiscal_year, fmt):
    cycle = selectors.cycle_get(user=request.user, fiscal_year=fiscal_year)
    exporter = {"xlsx": "followup.results_xlsx", "pdf": "followup.results_pdf"}.get(fmt)
    if exporter is None:
        raise Http404
    try:
        gf = generated_file_request(user=request.user, exporter=exporter,
                                    params={"fiscal_year": cycle.fiscal_year})
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("followup:results", fiscal_year=cycle.fiscal_year)
    return redirect("portal:file_detail", public_id=gf.public_id)


# --- Import ----------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@permission_required("followup.import")
def import_answers(request):
    """Upload; the import pipeline checks the file (row errors shown) and asks to confirm."""
    from followup.imports import IMPORT

    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = imports.import_start(user=request.user, kind=IMPORT.code,
                                          files={"file": form.cleaned_data["file"]})
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("portal:import_detail", public_id=upload.public_id)
    return render(request, "followup/import.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@require_GET
@permission_required("followup.import")
def import_template(request):
    """An empty CSV in the current import layout (UTF-8 with BOM for Excel)."""
    from django.http import HttpResponse

    from .resources import csv_bytes

    response = HttpResponse(csv_bytes([]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="followup-import-template.csv"'
    return response


# --- Regulation documents --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("followup.regulation.view")
def regulations(request):
    can_upload = has_perm(request.user, "followup.regulation.manage")
    form = RegulationForm()
    status = 200
    if request.method == "POST":
        require(request.user, "followup.regulation.manage")
        form = RegulationForm(request.POST, request.FILES)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.regulation_upload(title=cd["title"], kind=cd["kind"],
                                           enacted_on=cd["enacted_on"],
                                           revised_on=cd["revised_on"], upload=cd["file"],
                                           actor=request.user)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The regulation was uploaded."))
                return redirect("followup:regulations")
        status = 400
    docs = selectors.regulation_list_for(user=request.user)
    kind = request.GET.get("kind", "")
    if kind in RegulationDocument.Kind.values:
        docs = docs.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        docs = docs.filter(title__icontains=q)
    sort = request.GET.get("sort", "-enacted_on")
    if sort not in {"title", "-title", "enacted_on", "-enacted_on"}:
        sort = "-enacted_on"
    from django.core.paginator import Paginator

    page = Paginator(docs.order_by(sort, "pk"), 25).get_page(request.GET.get("page"))
    return render(request, "followup/regulations.html", {
        "page": page, "form": form, "can_upload": can_upload, "kind": kind, "q": q,
        "sort": sort, "kinds": RegulationDocument.Kind.choices,
    }, status=status)


@require_GET
@permission_required("followup.regulation.view")
def regulation_download(request, public_id):
    doc = selectors.regulation_get(user=request.user, public_id=public_id)
    services.regulation_downloaded(document=doc, actor=request.user)
    return serve_upload(doc.file, filename=doc.original_filename, mimetype=uploads.PDF)


# --- Institution registry --------------------------------------------------------------------


@require_GET
@permission_required("followup.section.view")
def institutions(request):
    from django.core.paginator import Paginator

    from portal.models import InstitutionCategory

    qs = selectors.institution_list(query=request.GET.get("q", ""),
                                    category=request.GET.get("category", ""))
    sort = request.GET.get("sort", "code")
    if sort not in {"code", "-code", "name_ja", "-name_ja", "category__order"}:
        sort = "code"
    page = Paginator(qs.order_by(sort, "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "followup/institutions.html", {
        "page": page, "q": request.GET.get("q", ""), "category": request.GET.get("category", ""),
        "sort": sort, "categories": InstitutionCategory.objects.all(),
        "can_load": has_perm(request.user, "followup.institution.load"),
    })


@require_POST
@permission_required("followup.institution.load")
def institutions_load(request):
    services.institutions_load_mext_request(actor=request.user)
    messages.success(request, _("Loading MEXT's list of universities has started. Reload this "
                                "page in a minute to see them."))
    return redirect("followup:institutions")

