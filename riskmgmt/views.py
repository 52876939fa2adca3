"""Pages of risk management. Thin: form → service → render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import imports
from portal.audit import history_for
from portal.errors import ApplicationError
from portal.models import Department, localized
from portal.pagination import SliceThenJoinPaginator
from portal.permissions import get_object_in_scope, has_perm, permission_required, require
from portal.services import generated_file_request
from portal.uploads import serve_upload
from riskmgmt import forms, matching, selectors, services
from riskmgmt.duediligence import selectors as dd_selectors
from riskmgmt.models import (
    Case,
    Concern,
    FundingAgencyInquiry,
    InformationRequest,
    MeasureKind,
    MitigationMeasure,
    RiskLevel,
    Rule,
    RuleChange,
    ScreeningHit,
    ScreeningListRelease,
)

PAGE_SIZE = 50
AGES = [("7", gettext_lazy("older than 7 days")), ("30", gettext_lazy("older than 30 days")),
        ("90", gettext_lazy("older than 90 days"))]


def _error(request, form, exc: ApplicationError):
    if form is not None and exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        messages.error(request, exc.message)


# --- Review queue ----------------------------------------------------------------------------


def _url_prefix(name: str) -> str:
    """The URL of ``name`` (a ``<uuid:public_id>/`` detail view) up to the id: long lists write
    ``{{ prefix }}{{ public_id }}/`` instead of reversing the URL once per row."""
    sentinel = str(uuid.UUID(int=0))
    url = reverse(name, args=[sentinel])
    return url[:url.index(sentinel)]


@require_GET
@permission_required("riskmgmt.section.view")
def index(request):
    """The review queue (filters, sort, search, pagination, bulk assignment)."""
    require(request.user, "riskmgmt.case.view")
    qs = selectors.case_queue(user=request.user, params=request.GET)
    page = SliceThenJoinPaginator(qs, PAGE_SIZE, rows=selectors.case_queue_rows).get_page(
        request.GET.get("page"))
    # Labels resolved once per page, not once per row (the queue must stay fast at scale).
    concern_labels = {v: str(label) for v, label in Concern.choices}
    status_labels = {v: str(label) for v, label in Case.Status.choices}
    level_labels = {v: str(label) for v, label in RiskLevel.choices}
    for case in page.object_list:
        case.concern_label = concern_labels.get(case.concern, case.concern)
        case.status_label = status_labels.get(case.status, case.status)
        case.level_label = level_labels.get(case.risk_level, "")
    params = request.GET.copy()
    params.pop("page", None)
    ctx = {
        "page": page, "querystring": params.urlencode(), "params": request.GET,
        "statuses": Case.Status.choices, "levels": RiskLevel.choices, "ages": AGES,
        "concerns": Concern.choices,
        # Filter options as (value, label) strings: no model instance per option.
        "departments": [
            (str(pk), f"{code} {localized(ja, en)}")
            for pk, code, ja, en in Department.objects.filter(is_active=True).order_by("code")
            .values_list("pk", "code", "name_ja", "name_en")],
        "rules": [(str(pk), Rule(name=name).label)
                  for pk, name in Rule.objects.order_by("code").values_list("pk", "name")],
        "assignees": [(str(u.pk), u.display_name) for u in selectors.office_users().only(
            "pk", "email", "family_name", "given_name", "family_name_en", "given_name_en")],
        "sorts": [("-opened", _("Newest first")), ("opened", _("Oldest first")),
                  ("-level", _("Highest risk first")), ("-flags", _("Most flags first")),
                  ("reference", _("Reference"))],
        "can_manage": has_perm(request.user, "riskmgmt.case.manage"),
        "case_url_prefix": _url_prefix("riskmgmt:case_detail"),
    }
    template = "riskmgmt/partials/_queue.html" if request.htmx else "riskmgmt/index.html"
    return render(request, template, ctx)


@require_POST
@permission_required("riskmgmt.case.manage")
def bulk_assign(request):
    form = forms.BulkAssignForm(request.POST, case_queryset=selectors.case_list_for(user=request.user))
    if form.is_valid():
        try:
            n = services.case_assign(cases=form.cleaned_data["cases"],
                                     assignee=form.cleaned_data["assignee"], actor=request.user)
            messages.success(request, _("%(n)s case(s) assigned.") % {"n": n})
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose at least one case."))
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("riskmgmt:index")
    return HttpResponseRedirect(target)  # a path, never a view name to reverse


# --- Case ------------------------------------------------------------------------------------


def _case_history(case):
    """The case's history; an entry quoting the reason of a flag the reader may not read (a
    checklist answer) shows a placeholder instead (in memory: entries are never changed)."""
    hidden = [f.reason for f in case.flags.all() if getattr(f, "reason_hidden", False)]
    lines = {line for reason in hidden for line in reason.splitlines() if line.strip()}
    entries = list(history_for(case)[:100])
    if hidden:
        placeholder = _("(a checklist answer: shown to the research office only)")
        for entry in entries:
            # an entry's reason joins the reasons of the flags it added (cut at 500 characters)
            reason = (entry.data or {}).get("reason")
            if isinstance(reason, str) and reason and (
                    any(line in reason for line in lines) or any(reason in h for h in hidden)):
                entry.data = {**entry.data, "reason": str(placeholder), "reasons": None}
    return entries

CASE_FORMS = {
    "assess": forms.AssessmentForm, "decide": forms.DecisionForm, "measure": forms.MeasureForm,
    "contingency": forms.ContingencyForm, "review": forms.ReviewForm, "ask": forms.AskForm,
    "close": forms.CloseForm,
    "merge": forms.MergeForm,
    "split": forms.SplitForm,
}


def _case_forms(case, bound=None, name=None):
    out = {}
    users = selectors.owner_picker(case)  # both pickers; the office part is cached
    for key, cls in CASE_FORMS.items():
        if key in ("merge", "split"):
            continue  # on their own page (case_regroup)
        kwargs = {"case": case, "users": users} if key in ("measure", "contingency") else {}
        if key in ("assess", "decide"):
            # What was saved last, or what was just typed when it was refused.
            out[key] = cls.for_case(case, bound if key == name else None)
        elif key == name and bound is not None:
            out[key] = cls(bound, **kwargs)
        else:
            initial = {}
            if key == "contingency" and hasattr(case, "contingency_plan"):
                plan = case.contingency_plan
                initial = {"trigger": plan.trigger, "actions": plan.actions,
                           "responsible": plan.responsible_id}
            out[key] = cls(initial=initial, **kwargs)
    return out


def _render_case(request, case, case_forms, status=200):
    services.case_page_viewed(case=case, actor=request.user)
    return render(request, "riskmgmt/case_detail.html", {
        "case": case, "forms": case_forms, "history": _case_history(case),
        "can_manage": has_perm(request.user, "riskmgmt.case.manage"),
        "measure_statuses": MitigationMeasure.Status.choices,
    }, status=status)


@require_GET
@permission_required("riskmgmt.case.view")
def case_detail(request, public_id):
    case = selectors.case_detail_for(user=request.user, public_id=public_id)
    return _render_case(request, case, _case_forms(case))


@require_POST
@permission_required("riskmgmt.case.view")
def case_action(request, public_id, action):
    case = selectors.case_detail_for(user=request.user, public_id=public_id)
    require(request.user, "riskmgmt.case.manage", case)
    if action not in CASE_FORMS:
        raise Http404
    if action in ("merge", "split"):
        form = CASE_FORMS[action](request.POST, case=case)
        case_forms = {}
    else:
        case_forms = _case_forms(case, request.POST, action)
        form = case_forms[action]
    if form.is_valid():
        d, u = form.cleaned_data, request.user
        try:
            if action == "assess":
                services.case_assess(case=case, likelihood=d["likelihood"], impact=d["impact"],
                                     rationale=d["rationale"], actor=u)
                messages.success(request, _("Assessment recorded."))
            elif action == "decide":
                services.case_decide(case=case, decision=d["decision"], note=d["note"], actor=u)
                messages.success(request, _("Decision recorded."))
            elif action == "measure":
                services.measure_add(case=case, kind=d["kind"], description=d["description"],
                                     owner=d["owner"], due_date=d["due_date"], actor=u)
                messages.success(request, _("Measure added."))
            elif action == "contingency":
                services.contingency_plan_save(case=case, trigger=d["trigger"], actions=d["actions"],
                                               responsible=d["responsible"], actor=u)
                messages.success(request, _("Contingency plan saved."))
            elif action == "review":
                services.monitoring_review_add(case=case, note=d["note"],
                                               next_review_date=d["next_review_date"], actor=u)
                messages.success(request, _("Review recorded."))
            elif action == "ask":
                services.information_request_ask(case=case, question=d["question"],
                                                 due_date=d["due_date"], actor=u)
                messages.success(request, _("The question was sent to the researcher."))
            elif action == "merge":
                into = services.case_merge(case=case, into=d["into"], actor=u)
                messages.success(request, _("The cases were merged."))
                return redirect("riskmgmt:case_detail", public_id=into.public_id)
            elif action == "split":
                services.case_split(case=case, flags=d["flags"], concern=d["concern"], actor=u)
                messages.success(request, _("The flags were moved to another case."))
            elif action == "close":
                services.case_close(case=case, reason=d["reason"], actor=u)
                messages.success(request, _("Case closed."))
            return redirect("riskmgmt:case_detail", public_id=case.public_id)
        except ApplicationError as exc:
            _error(request, form, exc)
    if action in ("merge", "split"):
        return _render_regroup(request, case, {action: form}, status=400)
    case = selectors.case_detail_for(user=request.user, public_id=public_id)
    return _render_case(request, case, case_forms, status=400)


def _render_regroup(request, case, bound=None, status=200):
    bound = bound or {}
    return render(request, "riskmgmt/case_regroup.html", {
        "case": case,
        "merge": bound.get("merge") or forms.MergeForm(case=case),
        "split": bound.get("split") or forms.SplitForm(case=case),
    }, status=status)


@require_GET
@permission_required("riskmgmt.case.manage")
def case_regroup(request, public_id):
    """Merge this case into another of the researcher's, or move flags out of it."""
    case = selectors.case_detail_for(user=request.user, public_id=public_id)
    require(request.user, "riskmgmt.case.manage", case)
    return _render_regroup(request, case)


@require_POST
@permission_required("riskmgmt.case.manage")
def measure_status(request, public_id, measure_id):
    case = selectors.case_detail_for(user=request.user, public_id=public_id)
    measure = get_object_or_404(MitigationMeasure, pk=measure_id, case=case)
    form = forms.MeasureStatusForm(request.POST)
    if form.is_valid():
        services.measure_set_status(measure=measure, status=form.cleaned_data["status"],
                                    actor=request.user)
        messages.success(request, _("Measure updated."))
    return redirect("riskmgmt:case_detail", public_id=case.public_id)


# --- Register --------------------------------------------------------------------------------


@require_GET
@permission_required("riskmgmt.register.view")
def register(request):
    summary = selectors.register_summary(user=request.user)
    kinds = {v: str(label) for v, label in MeasureKind.choices}
    for measure in summary.get("overdue", ()):
        measure.kind_label = kinds.get(measure.kind, measure.kind)
    return render(request, "riskmgmt/register.html", {
        "s": summary, "case_url_prefix": _url_prefix("riskmgmt:case_detail"),
        "queue_url": reverse("riskmgmt:index"),
        "inquiry_url_prefix": _url_prefix("riskmgmt:inquiry_detail")})


@require_POST
@permission_required("riskmgmt.register.export")
def register_export(request):
    gf = generated_file_request(user=request.user, exporter="riskmgmt.register", params={})
    return redirect("portal:file_detail", public_id=gf.public_id)


@require_POST
@permission_required("riskmgmt.screening.view")
def hits_export(request):
    gf = generated_file_request(user=request.user, exporter="riskmgmt.hits", params={})
    return redirect("portal:file_detail", public_id=gf.public_id)


# --- Screening -------------------------------------------------------------------------------


@require_GET
@permission_required("riskmgmt.screening.view")
def screening(request):
    lists = list(selectors.screening_lists_for(user=request.user))
    current = [r for lst in lists for r in lst.releases.all() if r.is_current]
    jobs = selectors.rescreen_jobs_for(user=request.user, releases=current)
    for lst in lists:
        lst.screened_release = next((r for r in lst.releases.all() if r.is_current), None)
        lst.rescreen_job = jobs.get(getattr(lst.screened_release, "pk", None))
    return render(request, "riskmgmt/screening.html", {
        "lists": lists,
        "runs": selectors.screening_runs_for(user=request.user)[:20],
        "open_hits": selectors.screening_hits_for(user=request.user).count(),
        "can_rescreen": has_perm(request.user, "riskmgmt.screening.rescreen"),
    })


@require_POST
@permission_required("riskmgmt.screening.rescreen")
def screening_rescreen(request, public_id):
    """Staff start the re-screening of the registry against a release again."""
    release = get_object_or_404(ScreeningListRelease, public_id=public_id)
    try:
        services.screening_rescreen_request(release=release, actor=request.user,
                                            full=request.POST.get("full") == "1")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The registry is being re-screened against release "
                                    "#%(n)s of %(list)s.")
                         % {"n": release.number, "list": release.screening_list.name})
    return redirect("riskmgmt:screening")


@require_http_methods(["GET", "POST"])
@permission_required("riskmgmt.screening.import")
def screening_import(request):
    """Upload; the import pipeline shows the dry run (entries or row errors) and the confirm."""
    from riskmgmt.imports import IMPORT

    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        lst = form.cleaned_data["screening_list"]
        try:
            upload = imports.import_start(
                user=request.user, kind=IMPORT.code, files={"file": form.cleaned_data["file"]},
                params={"list_id": lst.pk if lst else None,
                        "new_name": form.cleaned_data["new_name"],
                        "format": form.cleaned_data["format"],
                        "kind": form.cleaned_data["kind"],
                        "label": form.cleaned_data["label"]})
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("portal:import_detail", public_id=upload.public_id)
    return render(request, "riskmgmt/screening_import.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@require_GET
@permission_required("riskmgmt.screening.view")
def hit_list(request):
    status = request.GET.get("status", "open")
    q = request.GET.get("q", "").strip()
    qs = selectors.screening_hits_for(user=request.user, status=status, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "riskmgmt/hit_list.html", {
        "page": page, "status": status, "q": q, "statuses": ScreeningHit.Status.choices,
        "querystring": f"status={status}&q={q}"})


@require_http_methods(["GET", "POST"])
@permission_required("riskmgmt.screening.view")
def hit_detail(request, public_id):
    hit = get_object_or_404(selectors.screening_hits_for(user=request.user, status=""),
                            public_id=public_id)
    form = forms.HitReviewForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "riskmgmt.screening.review")
        if form.is_valid():
            try:
                if form.cleaned_data["action"] == "clear":
                    services.screening_hit_clear(hit=hit, reason=form.cleaned_data["reason"],
                                                 actor=request.user)
                    messages.success(request, _("Cleared as a false positive."))
                else:
                    services.screening_hit_confirm(hit=hit, reason=form.cleaned_data["reason"],
                                                   actor=request.user)
                    messages.success(request, _("Hit confirmed."))
                return redirect("riskmgmt:hit_detail", public_id=hit.public_id)
            except ApplicationError as exc:
                _error(request, form, exc)
    return render(request, "riskmgmt/hit_detail.html",
                  {"hit": hit, "form": form, "history": history_for(hit)},
                  status=400 if request.method == "POST" else 200)


@require_GET
@permission_required("riskmgmt.screening.view")
def screening_check(request):
    form = forms.CheckForm(request.GET or None)
    results = None
    if request.GET and form.is_valid():
        names = [n.strip() for n in form.cleaned_data["names"].splitlines() if n.strip()][:50]
        results = matching.check_names(names, threshold=form.cleaned_data["threshold"])
    return render(request, "riskmgmt/screening_check.html", {"form": form, "results": results})


# --- Rules -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("riskmgmt.scale.manage")
def scales(request):
    """Administrators word each point of the likelihood and impact scales (shown on every
    assessment form)."""
    form = forms.ScaleLevelsForm(request.POST or None, current=selectors.scale_rows())
    if request.method == "POST" and form.is_valid():
        try:
            services.scale_levels_save(levels=form.levels(), actor=request.user)
            messages.success(request, _("The scales were saved."))
            return redirect("riskmgmt:scales")
        except ApplicationError as exc:
            _error(request, form, exc)
    return render(request, "riskmgmt/scales.html", {
        "form": form, "defaults": selectors.SCALE_DEFAULTS},
        status=400 if request.method == "POST" else 200)


@require_GET
@permission_required("riskmgmt.rule.view")
def rule_list(request):
    services.rules_ensure_builtin()
    return render(request, "riskmgmt/rule_list.html", {"rules": selectors.rules_for(user=request.user)})


@require_http_methods(["GET", "POST"])
@permission_required("riskmgmt.rule.view")
def rule_detail(request, code):
    rule = get_object_or_404(Rule, code=code)
    form = forms.RuleForm(request.POST or None, rule=rule)
    if request.method == "POST":
        require(request.user, "riskmgmt.rule.manage")
        if form.is_valid():
            try:
                services.rule_update(rule=rule, is_enabled=form.cleaned_data["is_enabled"],
                                     params=form.params(), note=form.cleaned_data["note"],
                                     actor=request.user)
                messages.success(request, _("Rule saved."))
                return redirect("riskmgmt:rule_detail", code=rule.code)
            except ApplicationError as exc:
                _error(request, form, exc)
            except Exception as exc:  # ValidationError from the params schema
                from django.core.exceptions import ValidationError

                if not isinstance(exc, ValidationError):
                    raise
                form.add_error(None, " ".join(exc.messages))
    return render(request, "riskmgmt/rule_detail.html", {
        "rule": rule, "form": form,
        "changes": RuleChange.objects.filter(rule=rule).select_related("changed_by")[:50],
        "can_manage": has_perm(request.user, "riskmgmt.rule.manage"),
    }, status=400 if request.method == "POST" else 200)


# --- Funding-agency inquiries ----------------------------------------------------------------


@require_GET
@permission_required("riskmgmt.inquiry.manage")
def inquiry_list(request):
    qs = selectors.inquiries_for(user=request.user)
    status = request.GET.get("status", "")
    if status in FundingAgencyInquiry.Status.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(project_title__icontains=q) | Q(programme__icontains=q)
                       | Q(reference__icontains=q) | Q(agency_name__icontains=q))
    page = Paginator(qs.order_by("deadline"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "riskmgmt/inquiry_list.html", {
        "page": page, "status": status, "q": q, "statuses": FundingAgencyInquiry.Status.choices,
        "querystring": f"status={status}&q={q}"})


def _save_inquiry(request, form):
    from disclosures.models import Disclosure

    inquiry = form.save(commit=False)
    researchers = form.cleaned_data["researcher_emails"]
    return services.inquiry_save(
        instance=inquiry, actor=request.user, researchers=researchers,
        cases=form.cleaned_data["case_references"],
        disclosures=list(Disclosure.objects.filter(owner__in=researchers)))


@require_http_methods(["GET", "POST"])
@permission_required("riskmgmt.inquiry.manage")
def inquiry_create(request):
    form = forms.InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = _save_inquiry(request, form)
            messages.success(request, _("Inquiry recorded."))
            return redirect("riskmgmt:inquiry_detail", public_id=inquiry.public_id)
        except ApplicationError as exc:
            _error(request, form, exc)
    return render(request, "riskmgmt/inquiry_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


INQUIRY_FORMS = {"edit": None, "assess": forms.InquiryAssessForm, "measure": forms.MeasureForm,
                 "respond": forms.InquiryRespondForm}


@require_http_methods(["GET", "POST"])
@permission_required("riskmgmt.inquiry.manage")
def inquiry_detail(request, public_id):
    inquiry = get_object_or_404(selectors.inquiries_for(user=request.user), public_id=public_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    bound = request.POST if action else None
    f = {
        "edit": forms.InquiryForm(bound if action == "edit" else None, instance=inquiry),
        "assess": forms.InquiryAssessForm(bound if action == "assess" else None, initial={
            "likelihood": inquiry.likelihood, "impact": inquiry.impact,
            "assessment": inquiry.assessment}),
        "measure": forms.MeasureForm(bound if action == "measure" else None),
        "respond": forms.InquiryRespondForm(bound if action == "respond" else None,
                                            initial={"response_text": inquiry.response_text}),
    }
    if request.method == "POST":
        form = f.get(action)
        if form is None:
            raise Http404
        if form.is_valid():
            d, u = form.cleaned_data, request.user
            try:
                if action == "edit":
                    _save_inquiry(request, form)
                elif action == "assess":
                    services.inquiry_assess(inquiry=inquiry, likelihood=d["likelihood"],
                                            impact=d["impact"], assessment=d["assessment"], actor=u)
                elif action == "measure":
                    services.measure_add(inquiry=inquiry, kind=d["kind"], owner=d["owner"],
                                         due_date=d["due_date"], description=d["description"],
                                         actor=u)
                elif action == "respond":
                    services.inquiry_respond(inquiry=inquiry, response_text=d["response_text"],
                                             actor=u)
                messages.success(request, _("Saved."))
                return redirect("riskmgmt:inquiry_detail", public_id=inquiry.public_id)
            except ApplicationError as exc:
                _error(request, form, exc)
    return render(request, "riskmgmt/inquiry_detail.html", {
        "inquiry": inquiry, "forms": f, "history": history_for(inquiry)[:100],
        "measures": inquiry.measures.select_related("owner"),
        "cases": inquiry.cases.select_related("researcher"),
        "researchers": inquiry.researchers.all(),
        "dd_projects": dd_selectors.projects_of_inquiry(user=request.user, inquiry=inquiry),
    }, status=400 if request.method == "POST" else 200)


@require_POST
@permission_required("riskmgmt.inquiry.manage")
def inquiry_pdf(request, public_id):
    inquiry = get_object_or_404(selectors.inquiries_for(user=request.user), public_id=public_id)
    gf = generated_file_request(user=request.user, exporter="riskmgmt.inquiry_response",
                                params={"inquiry": str(inquiry.public_id)})
    return redirect("portal:file_detail", public_id=gf.public_id)


# --- Researcher: questions from the research office ------------------------------------------


@require_GET
@permission_required("riskmgmt.request.answer_own")
def my_requests(request):
    reqs = selectors.my_information_requests(user=request.user)
    page = Paginator(reqs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "riskmgmt/my_requests.html", {"page": page})


@require_http_methods(["GET", "POST"])
@permission_required("riskmgmt.request.answer_own")
def my_request_detail(request, public_id):
    req = get_object_in_scope(request.user, "riskmgmt.request.answer_own",
                              InformationRequest.objects.select_related("asked_by", "case"),
                              public_id=public_id)
    form = forms.AnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.information_request_answer(request=req, answer=form.cleaned_data["answer"],
                                                files=form.cleaned_data["attachment"],
                                                actor=request.user)
            messages.success(request, _("Thank you: your answer was sent to the research office."))
            # Back to the thread: the answered question stays readable.
            return redirect("riskmgmt:my_request_detail", public_id=req.public_id)
        except ApplicationError as exc:
            _error(request, form, exc)
    thread = selectors.request_thread_for(user=request.user, req=req)
    return render(request, "riskmgmt/my_request_detail.html",
                  {"req": req, "form": form, "thread": thread},
                  status=400 if request.method == "POST" else 200)


@require_GET
@login_required
def request_attachment(request, public_id):
    """A file sent with an answer: its researcher, or staff who may see the case."""
    attachment = selectors.request_attachment_get_for(user=request.user, public_id=public_id)
    services.request_attachment_downloaded(attachment=attachment, actor=request.user)
    return serve_upload(attachment.file, filename=attachment.original_name,
                        mimetype=attachment.mimetype)

