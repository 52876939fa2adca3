"""Pages of the awareness app: thin views over services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from followup.awareness import selectors, services
from followup.awareness.filters import ActivityFilter, ResponseFilter
from followup.awareness.forms import (
    ActivityForm,
    AttendanceImportForm,
    AttendanceMarkForm,
    CaseStudyForm,
    ChecklistEditForm,
    ChecklistForm,
    ChecklistItemForm,
    MaterialForm,
    PublishForm,
    QuizQuestionForm,
)
from followup.awareness.models import (
    ActivityKind,
    ActivityMaterial,
    AnswerKind,
    AwarenessActivity,
    CaseStudy,
    Checklist,
    ChecklistTarget,
    QuizQuestion,
    ResponseStatus,
    RiskType,
    VersionStatus,
)
from portal import imports
from portal.errors import ApplicationError, NotAllowed
from portal.fiscal import fiscal_year_of
from portal.forms import QueryParamsForm, fiscal_year_field, int_param
from portal.models import Department, User
from portal.permissions import has_perm, permission_required, require
from portal.services import generated_file_request
from portal.uploads import serve_upload


def _form_error(form, exc: ApplicationError) -> None:
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)


def _page(request, qs, per_page=25):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


@require_GET
@permission_required("awareness.section.view")
def index(request):
    user = request.user
    ctx = {
        "fiscal_year": fiscal_year_of(),
        "required": selectors.required_activities_for(user=user)
        if has_perm(user, "awareness.training.view_own") else [],
        "to_fill": selectors.checklists_to_fill(user=user),
        "recent_cases": list(selectors.case_study_list_for(user=user).filter(status="published")[:5]),
        "can_manage": has_perm(user, "awareness.activity.manage"),
        "can_see_completion": has_perm(user, "awareness.completion.view"),
        "can_see_responses": has_perm(user, "awareness.checklist.view_responses"),
    }
    return render(request, "awareness/index.html", ctx)


# --- Activities ------------------------------------------------------------------------------


def _activity_for(request, public_id) -> AwarenessActivity:
    return get_object_or_404(selectors.activity_list_for(user=request.user), public_id=public_id)


@require_GET
@permission_required("awareness.activity.view")
def activity_list(request):
    g = request.GET
    qs = selectors.activity_list_for(user=request.user).order_by("-date", "-id")
    qs = ActivityFilter(g, queryset=qs).qs
    ctx = {"page": _page(request, qs), "kinds": ActivityKind.choices, "q": g.get("q", ""),
           "kind": g.get("kind", ""), "fy": g.get("fy", ""), "sort": g.get("sort", ""),
           "can_manage": has_perm(request.user, "awareness.activity.manage")}
    template = "awareness/partials/_activity_table.html" if request.htmx else "awareness/activity_list.html"
    return render(request, template, ctx)


@require_http_methods(["GET", "POST"])
@permission_required("awareness.activity.manage")
def activity_create(request):
    form = ActivityForm(request.POST or None, initial={"kind": request.GET.get("kind", "training")})
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_save(
                actor=request.user, instance=form.save(commit=False),
                departments=form.cleaned_data["departments"],
                case_studies=form.cleaned_data["case_studies"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The activity was recorded."))
            return redirect("awareness:activity_detail", public_id=activity.public_id)
    return render(request, "awareness/activity_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@permission_required("awareness.activity.manage")
def activity_edit(request, public_id):
    activity = _activity_for(request, public_id)
    form = ActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_save(
                actor=request.user, instance=form.save(commit=False),
                departments=form.cleaned_data["departments"],
                case_studies=form.cleaned_data["case_studies"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The activity was saved."))
            return redirect("awareness:activity_detail", public_id=activity.public_id)
    return render(request, "awareness/activity_form.html", {"form": form, "activity": activity})


@require_GET
@permission_required("awareness.activity.view")
def activity_detail(request, public_id):
    activity = _activity_for(request, public_id)
    user = request.user
    can_manage = has_perm(user, "awareness.activity.manage")
    ctx = {
        "activity": activity,
        "materials": list(activity.materials.all()),
        "case_studies": list(selectors.case_study_list_for(user=user).filter(activities=activity)),
        "can_manage": can_manage,
        "own": selectors.own_attendance(user=user, activity=activity),
        "can_complete": activity.self_completion and has_perm(user, "awareness.training.complete_own"),
        "quiz_count": activity.quiz_questions.count(),
    }
    if can_manage or has_perm(user, "awareness.completion.view"):
        attendances = selectors.attendance_list(activity)
        if not can_manage:
            from portal.permissions import scope_queryset

            attendances = scope_queryset(user, "awareness.completion.view", attendances,
                                         department_field="user__department")
        ctx["attendance_page"] = _page(request, attendances, 50)
    if can_manage:
        ctx.update(material_form=MaterialForm(), mark_form=AttendanceMarkForm(),
                   quiz_form=QuizQuestionForm(),
                   questions=list(activity.quiz_questions.prefetch_related("choices")))
    return render(request, "awareness/activity_detail.html", ctx)


@require_POST
@permission_required("awareness.activity.manage")
def activity_delete(request, public_id):
    activity = _activity_for(request, public_id)
    services.activity_delete(actor=request.user, activity=activity)
    messages.success(request, _("The activity was deleted."))
    return redirect("awareness:activity_list")


@require_POST
@permission_required("awareness.activity.manage")
def material_upload(request, public_id):
    activity = _activity_for(request, public_id)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(actor=request.user, activity=activity,
                                  upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The material was attached."))
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect("awareness:activity_detail", public_id=activity.public_id)


def _material_for(request, material_id) -> ActivityMaterial:
    activities = selectors.activity_list_for(user=request.user)
    return get_object_or_404(
        ActivityMaterial.objects.select_related("activity").filter(activity__in=activities.values("pk")),
        pk=material_id,
    )


@require_GET
@permission_required("awareness.activity.view")
def material_download(request, material_id):
    material = _material_for(request, material_id)
    services.material_downloaded(actor=request.user, material=material)
    return serve_upload(material.file, filename=material.filename, mimetype=material.mimetype)


@require_POST
@permission_required("awareness.activity.manage")
def material_delete(request, material_id):
    material = _material_for(request, material_id)
    public_id = material.activity.public_id
    services.material_delete(actor=request.user, material=material)
    messages.success(request, _("The material was removed."))
    return redirect("awareness:activity_detail", public_id=public_id)


@require_http_methods(["GET", "POST"])
@permission_required("awareness.activity.manage")
def attendance_import(request, public_id):
    """Upload; the import pipeline checks the file (row errors shown) and asks to confirm."""
    from followup.awareness.imports import IMPORT

    activity = _activity_for(request, public_id)
    form = AttendanceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = imports.import_start(user=request.user, kind=IMPORT.code,
                                          files={"file": form.cleaned_data["file"]},
                                          params={"activity": str(activity.public_id)})
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            return redirect("portal:import_detail", public_id=upload.public_id)
    return render(request, "awareness/attendance_import.html",
                  {"activity": activity, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_POST
@permission_required("awareness.activity.manage")
def attendance_mark(request, public_id):
    activity = _activity_for(request, public_id)
    form = AttendanceMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("List the people to mark."))
        return redirect("awareness:activity_detail", public_id=activity.public_id)
    tokens = [t.strip() for t in form.cleaned_data["people"].replace(",", "\n").splitlines()
              if t.strip()]
    emails = [t.lower() for t in tokens if "@" in t]
    numbers = [t for t in tokens if "@" not in t]
    people = list(User.objects.filter(is_active=True).filter(
        Q(email__in=emails) | Q(employee_number__in=numbers)))
    found = {p.email.lower() for p in people} | {p.employee_number for p in people}
    missing = [t for t in tokens if (t.lower() if "@" in t else t) not in found]
    if missing:
        messages.error(request, _("Nobody matches: %(list)s. Nothing was marked.")
                       % {"list": ", ".join(missing)})
    else:
        n = services.attendance_mark(actor=request.user, activity=activity, users=people,
                                     attended=form.cleaned_data["attended"])
        messages.success(request, _("%(n)s people were marked.") % {"n": n})
    return redirect("awareness:activity_detail", public_id=activity.public_id)


@require_POST
@permission_required("awareness.activity.manage")
def attendance_remove(request, public_id, attendance_id):
    activity = _activity_for(request, public_id)
    attendance = get_object_or_404(activity.attendances.select_related("user"), pk=attendance_id)
    services.attendance_remove(actor=request.user, attendance=attendance)
    messages.success(request, _("The attendance record was removed."))
    return redirect("awareness:activity_detail", public_id=activity.public_id)


@require_POST
@permission_required("awareness.activity.manage")
def quiz_question_add(request, public_id):
    activity = _activity_for(request, public_id)
    form = QuizQuestionForm(request.POST)
    if form.is_valid():
        try:
            services.quiz_question_add(actor=request.user, activity=activity,
                                       text=form.cleaned_data["text"], choices=form.choices())
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The question was added to the quiz."))
    else:
        messages.error(request, _("Write the question, two choices and mark the correct one."))
    return redirect("awareness:activity_detail", public_id=activity.public_id)


@require_POST
@permission_required("awareness.activity.manage")
def quiz_question_delete(request, public_id, question_id):
    activity = _activity_for(request, public_id)
    question = get_object_or_404(QuizQuestion, pk=question_id, activity=activity)
    services.quiz_question_delete(actor=request.user, question=question)
    messages.success(request, _("The question was removed from the quiz."))
    return redirect("awareness:activity_detail", public_id=activity.public_id)


@require_http_methods(["GET", "POST"])
@permission_required("awareness.training.complete_own")
def elearning_complete(request, public_id):
    activity = _activity_for(request, public_id)
    if not activity.self_completion:
        raise PermissionDenied
    questions = list(activity.quiz_questions.prefetch_related("choices"))
    chosen: dict[int, int] = {}
    error = None
    if request.method == "POST":
        for q in questions:
            value = int_param(request.POST.get(f"q{q.pk}", ""), min_value=1)
            if value is not None:
                chosen[q.pk] = value
        if len(chosen) < len(questions):
            error = _("Answer every question.")
        else:
            try:
                services.elearning_complete(user=request.user, activity=activity, answers=chosen)
            except ApplicationError as exc:
                error = exc.message
            else:
                messages.success(request, _("Your completion was recorded."))
                return redirect("awareness:my_training")
    return render(request, "awareness/elearning_complete.html", {
        "activity": activity, "questions": questions, "chosen": chosen, "error": error,
        "own": selectors.own_attendance(user=request.user, activity=activity),
    })


@require_GET
@permission_required("awareness.training.view_own")
def my_training(request):
    return render(request, "awareness/my_training.html", {
        "required": selectors.required_activities_for(user=request.user),
        "history": selectors.training_history_for(user=request.user),
        "fiscal_year": fiscal_year_of(),
    })


class FiscalYearParam(QueryParamsForm):
    fy = fiscal_year_field()


@require_GET
@permission_required("awareness.completion.view")
def completion(request):
    fiscal_year = FiscalYearParam.clean_params(request.GET).get("fy") or fiscal_year_of()
    required = list(AwarenessActivity.objects.filter(is_required=True, fiscal_year=fiscal_year)
                    .order_by("date"))
    chosen = request.GET.get("activity", "")
    activities = [a for a in required if str(a.public_id) == chosen] or required
    rows = selectors.completion_by_department(user=request.user, activities=activities)
    members = None
    dept_code = request.GET.get("department", "")
    department = None
    if dept_code:
        department = next((r.department for r in rows if r.department.code == dept_code), None)
        if department is None:
            raise Http404
        members = selectors.department_members_status(user=request.user, department=department,
                                                      activities=activities)
    return render(request, "awareness/completion.html", {
        "fiscal_year": fiscal_year, "required": required, "activities": activities,
        "chosen": chosen, "rows": rows, "department": department, "members": members,
    })


# --- Checklists ------------------------------------------------------------------------------


def _checklist_for(request, public_id) -> Checklist:
    return get_object_or_404(selectors.checklist_list_for(user=request.user), public_id=public_id)


@require_GET
@permission_required("awareness.section.view")
def checklist_list(request):
    user = request.user
    if not (has_perm(user, "awareness.checklist.manage") or has_perm(user, "awareness.checklist.fill_own")
            or has_perm(user, "awareness.checklist.fill_institution")):
        raise PermissionDenied
    return render(request, "awareness/checklist_list.html", {
        "checklists": selectors.checklist_list_for(user=user),
        "to_fill": selectors.checklists_to_fill(user=user),
        "can_manage": has_perm(user, "awareness.checklist.manage"),
        "can_fill_institution": has_perm(user, "awareness.checklist.fill_institution"),
        "fiscal_year": fiscal_year_of(),
    })


@require_http_methods(["GET", "POST"])
@permission_required("awareness.checklist.manage")
def checklist_create(request):
    form = ChecklistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            checklist = services.checklist_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            return redirect("awareness:checklist_detail", public_id=checklist.public_id)
    return render(request, "awareness/checklist_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@permission_required("awareness.checklist.manage")
def checklist_detail(request, public_id):
    checklist = _checklist_for(request, public_id)
    form = ChecklistEditForm(request.POST or None, instance=checklist)
    if request.method == "POST" and form.is_valid():
        services.checklist_update(actor=request.user, checklist=checklist,
                                  **{k: form.cleaned_data[k] for k in ("title", "description", "is_active")})
        messages.success(request, _("The checklist was saved."))
        return redirect("awareness:checklist_detail", public_id=checklist.public_id)
    versions = list(checklist.versions.prefetch_related("items").order_by("-number"))
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    current = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
    shown = draft or current
    return render(request, "awareness/checklist_detail.html", {
        "checklist": checklist, "form": form, "versions": versions, "draft": draft,
        "current": current, "shown": shown, "publish_form": PublishForm(),
        "response_count": checklist.responses.count(),
    })


@require_http_methods(["GET", "POST"])
@permission_required("awareness.checklist.manage")
def checklist_item_edit(request, public_id, key=None):
    """Add or change a question. On a published checklist this starts a new draft version."""
    checklist = _checklist_for(request, public_id)
    draft = checklist.versions.filter(status=VersionStatus.DRAFT).first()
    source = draft or services.published_version(checklist)
    instance = None
    if key is not None:
        instance = source.items.filter(key=key).first() if source else None
        if instance is None:
            raise Http404
    form = ChecklistItemForm(request.POST or None, instance=instance, editing=key is not None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not (k == "key" and key)}
        try:
            services.checklist_item_save(actor=request.user, checklist=checklist, data=data, key=key)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The question was saved in the draft version."))
            return redirect("awareness:checklist_detail", public_id=checklist.public_id)
    return render(request, "awareness/checklist_item_form.html", {
        "checklist": checklist, "form": form, "item": instance,
        "starts_new_version": draft is None and source is not None,
    })


@require_POST
@permission_required("awareness.checklist.manage")
def checklist_item_delete(request, public_id, key):
    checklist = _checklist_for(request, public_id)
    try:
        services.checklist_item_delete(actor=request.user, checklist=checklist, key=key)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The question was removed from the draft version."))
    return redirect("awareness:checklist_detail", public_id=checklist.public_id)


@require_POST
@permission_required("awareness.checklist.manage")
def checklist_publish(request, public_id):
    checklist = _checklist_for(request, public_id)
    form = PublishForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        version = services.checklist_publish(actor=request.user, checklist=checklist, note=note)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Version %(n)s was published.") % {"n": version.number})
    return redirect("awareness:checklist_detail", public_id=checklist.public_id)


@require_http_methods(["GET", "POST"])
@permission_required("awareness.section.view")
def checklist_fill(request, public_id):
    """Fill this year's checklist: a researcher their own (or the office on a researcher's
    behalf, ``?for=<e-mail>``), the office the institution's. Nothing is written on GET."""
    checklist = _checklist_for(request, public_id)
    user = request.user
    on_behalf = request.GET.get("for", "").strip()
    if checklist.target == ChecklistTarget.RESEARCHER:
        if on_behalf:
            require(user, "awareness.checklist.fill_for_researcher")
            respondent = get_object_or_404(
                User.objects.filter(is_active=True, role_assignments__role="researcher").distinct(),
                email__iexact=on_behalf,
            )
        else:
            require(user, "awareness.checklist.fill_own")
            respondent = user
    else:
        require(user, "awareness.checklist.fill_institution")
        respondent = None
    fiscal_year = fiscal_year_of()
    response = selectors.response_of(checklist=checklist, respondent=respondent,
                                      fiscal_year=fiscal_year)
    version = response.version if response else services.published_version(checklist)
    if version is None or (response is None and not checklist.is_active):
        messages.error(request, _("This checklist is not open for answers."))
        return redirect("awareness:checklist_list")
    items = list(version.items.all())
    existing = {a.item_id: a for a in response.answers.all()} if response else {}
    values = {i.pk: (existing[i.pk].value, existing[i.pk].comment) if i.pk in existing else ("", "")
              for i in items}
    item_errors: dict[int, str] = {}
    error = None
    if request.method == "POST":
        submit = "submit" in request.POST
        values = {i.pk: (request.POST.get(f"item-{i.pk}", ""),
                         request.POST.get(f"comment-{i.pk}", "")) for i in items}
        try:
            with transaction.atomic():
                if response is None:
                    response = services.response_start(actor=user, checklist=checklist,
                                                       respondent=respondent,
                                                       fiscal_year=fiscal_year)
                response = services.response_save(actor=user, response=response,
                                                   answers=values, submit=submit)
        except ApplicationError as exc:
            error = exc.message
            item_errors = exc.extra.get("items", {})
            response = selectors.response_of(checklist=checklist, respondent=respondent,
                                              fiscal_year=fiscal_year)
        else:
            if submit:
                messages.success(request, _("Thank you: your answers were submitted."))
                return redirect("awareness:response_detail", public_id=response.public_id)
            messages.success(request, _("Your answers were saved as a draft."))
            return redirect(request.get_full_path())
    rows = [{"item": i, "value": values[i.pk][0], "comment": values[i.pk][1],
             "error": item_errors.get(i.pk), "choices": _choices_for(i)} for i in items]
    return render(request, "awareness/checklist_fill.html", {
        "checklist": checklist, "response": response, "version": version,
        "fiscal_year": fiscal_year, "respondent": respondent, "rows": rows, "error": error,
        "on_behalf": respondent is not None and respondent.pk != user.pk,
    })


def _choices_for(item):
    if item.answer_kind == AnswerKind.YES_NO:
        return [("yes", _("Yes")), ("no", _("No"))]
    if item.answer_kind == AnswerKind.YES_NO_NA:
        return [("yes", _("Yes")), ("no", _("No")), ("na", _("Not applicable"))]
    return []


@require_GET
@permission_required("awareness.section.view")
def response_list(request):
    user = request.user
    if not (has_perm(user, "awareness.checklist.view_responses")
            or has_perm(user, "awareness.checklist.fill_own")):
        raise PermissionDenied
    g = request.GET
    qs = ResponseFilter(g, queryset=selectors.response_list_for(user=user)).qs
    qs = qs.order_by("-fiscal_year", "-submitted_at", "-id")
    return render(request, "awareness/response_list.html", {
        "page": _page(request, qs), "fy": g.get("fy", ""), "risk": g.get("risk", ""),
        "status": g.get("status", ""), "q": g.get("q", ""), "statuses": ResponseStatus.choices,
        "department": g.get("department", ""),
        "departments": Department.objects.filter(is_active=True).order_by("code")
        if has_perm(user, "awareness.checklist.view_responses") else [],
    })


@require_GET
@permission_required("awareness.section.view")
def response_detail(request, public_id):
    response = get_object_or_404(selectors.response_list_for(user=request.user), public_id=public_id)
    answers = list(response.answers.select_related("item", "case_content_type"))
    can_edit = (response.respondent_id == request.user.pk
                or (response.respondent_id is None
                    and has_perm(request.user, "awareness.checklist.fill_institution")))
    return render(request, "awareness/response_detail.html", {
        "response": response, "answers": answers,
        "can_edit": can_edit and response.fiscal_year == fiscal_year_of(),
        "can_see_cases": has_perm(request.user, "riskmgmt.case.view"),
    })


# --- Case library ----------------------------------------------------------------------------


def _case_for(request, public_id) -> CaseStudy:
    return get_object_or_404(selectors.case_study_list_for(user=request.user), public_id=public_id)


@require_GET
@permission_required("awareness.casestudy.view")
def case_list(request):
    g = request.GET
    q, risk = g.get("q", "").strip(), g.get("risk", "")
    qs = selectors.case_study_search(selectors.case_study_list_for(user=request.user),
                                     query=q, risk_type=risk)
    if g.get("status") in ("draft", "published") and has_perm(request.user, "awareness.casestudy.manage"):
        qs = qs.filter(status=g["status"])
    ctx = {"page": _page(request, qs, 20), "q": q, "risk": risk,
           "risk_types": RiskType.objects.all(), "status": g.get("status", ""),
           "can_manage": has_perm(request.user, "awareness.casestudy.manage")}
    template = "awareness/partials/_case_results.html" if request.htmx else "awareness/case_list.html"
    return render(request, template, ctx)


@require_GET
@permission_required("awareness.casestudy.view")
def case_detail(request, public_id):
    case = _case_for(request, public_id)
    activities = selectors.activity_list_for(user=request.user).filter(case_studies=case)
    measures = []
    if has_perm(request.user, "riskmgmt.case.view"):
        measures = list(case.related_measures.select_related("case", "inquiry"))
    return render(request, "awareness/case_detail.html", {
        "case": case, "activities": list(activities), "measures": measures,
        "can_manage": has_perm(request.user, "awareness.casestudy.manage"),
    })


@require_http_methods(["GET", "POST"])
@permission_required("awareness.casestudy.manage")
def case_edit(request, public_id=None):
    case = _case_for(request, public_id) if public_id else None
    form = CaseStudyForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_study_save(
                actor=request.user, instance=form.save(commit=False),
                risk_types=form.cleaned_data["risk_types"],
                related_measures=form.cleaned_data.get("related_measures"),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The case study was saved."))
            return redirect("awareness:case_detail", public_id=case.public_id)
    return render(request, "awareness/case_form.html", {"form": form, "case": case})


@require_POST
@permission_required("awareness.casestudy.manage")
def case_publish(request, public_id):
    case = _case_for(request, public_id)
    publish = request.POST.get("publish", "1") == "1"
    services.case_study_publish(actor=request.user, case_study=case, publish=publish)
    messages.success(request, _("The case study was published.") if publish
                     else _("The case study was withdrawn to draft."))
    return redirect("awareness:case_detail", public_id=case.public_id)


def department_choices():
    return Department.objects.filter(is_active=True).order_by("code")


# --- Exports ---------------------------------------------------------------------------------

EXPORTERS = {"activities": "awareness.activities", "attendance": "awareness.attendance",
             "answers": "awareness.checklist_answers"}


@require_POST
@permission_required("awareness.section.view")
def export(request, name):
    """Queue an export (built in the background) and show its progress page."""
    exporter = EXPORTERS.get(name)
    if exporter is None:
        raise Http404
    fmt = request.POST.get("format", "xlsx")
    params = {"format": fmt if fmt in ("xlsx", "csv") else "xlsx"}
    fy = FiscalYearParam.clean_params(request.POST).get("fy")
    if fy:
        params["fiscal_year"] = fy
    try:
        gf = generated_file_request(user=request.user, exporter=exporter, params=params)
    except NotAllowed:
        raise PermissionDenied from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("awareness:index")
    return redirect("portal:file_detail", public_id=gf.public_id)
