"""Pages of due diligence: thin views (form → service → render).

Staff (``duediligence.project.view`` / ``.manage``) see every project; a member opens only
their own declaration (404 for anyone else's); an external member opens theirs through the
tokenised link without an account.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.permissions import has_perm, permission_required, require
from portal.services import generated_file_request
from riskmgmt.duediligence import forms, selectors, services
from riskmgmt.duediligence.items import ANSWER_ITEMS, HANDWRITTEN_NOTE, ITEMS, TABLE_ITEMS
from riskmgmt.duediligence.models import DeclarationVersion


def _error(request, form, exc: ApplicationError):
    if form is not None and exc.field and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        messages.error(request, exc.message)


@require_GET
def index(request):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    staff = has_perm(request.user, "duediligence.project.view")
    if not staff and not has_perm(request.user, "duediligence.declaration.fill_own"):
        require(request.user, "duediligence.project.view")
    return render(request, "duediligence/index.html", {
        "projects": selectors.project_list_for(user=request.user) if staff else [],
        "programmes": selectors.programmes_active() if staff else [],
        "mine": selectors.my_declarations(user=request.user),
        "staff": staff,
        "can_register_programme": has_perm(request.user, "duediligence.programme.manage"),
    })


@require_http_methods(["GET", "POST"])
@permission_required("duediligence.programme.manage")
def programme_create(request):
    form = forms.ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_save(instance=form.instance, actor=request.user)
            messages.success(request, _("Programme registered."))
            return redirect("duediligence:index")
        except ApplicationError as exc:
            _error(request, form, exc)
    return render(request, "duediligence/form.html",
                  {"form": form, "title": _("Register a designated programme")},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@permission_required("duediligence.project.manage")
def project_create(request):
    form = forms.ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lead = services.organisation_for_name(name=data["lead_institution"], actor=request.user)
            partners = [services.organisation_for_name(name=n, actor=request.user)
                        for n in form.partner_names()]
            project = services.project_create(
                programme=data["programme"], title=data["title"], lead_institution=lead,
                partner_institutions=partners, project_number=data["project_number"],
                starts_on=data["starts_on"], ends_on=data["ends_on"],
                declarations_due=data["declarations_due"], actor=request.user)
            messages.success(request, _("Project registered."))
            return redirect(project.get_absolute_url())
        except ApplicationError as exc:
            _error(request, form, exc)
    return render(request, "duediligence/form.html",
                  {"form": form, "title": _("Register a project")},
                  status=400 if request.method == "POST" else 200)


def _project_context(request, project, **forms_):
    members = selectors.members_of(project)
    hits = selectors.current_hits(project)
    findings = selectors.findings(project)
    for m in members:
        m.findings = findings.get(m.pk)
    return {
        "project": project, "members": members, "hits": hits,
        "project_hits": [h for h in hits if h.member_id is None],
        "run": selectors.latest_run(project),
        "institutions": selectors.institution_statuses(project, members),
        "questionnaire": project.questionnaire,
        "measures": project.measures.select_related("owner", "dd_detail"),
        "inquiries": project.inquiries.all(),
        "member_form": forms_.get("member") or forms.MemberForm(),
        "questionnaire_form": forms_.get("questionnaire") or forms.QuestionnaireForm(
            instance=project.questionnaire),
        "measure_form": forms_.get("measure") or forms.MeasureForm(),
        "inquiry_form": forms_.get("inquiry") or forms.InquiryLinkForm(),
        "can_manage": has_perm(request.user, "duediligence.project.manage"),
        "can_export": has_perm(request.user, "duediligence.project.export"),
        "all_signed": all(m.declaration.signed_version_id for m in members) and bool(members),
    }


@require_GET
@permission_required("duediligence.project.view")
def project_detail(request, public_id):
    project = selectors.project_get(user=request.user, public_id=public_id)
    return render(request, "duediligence/project_detail.html", _project_context(request, project))


EXPORTS = {"forms_docx": ("duediligence.forms", {"format": "docx"}),
           "forms_pdf": ("duediligence.forms", {"format": "pdf"}),
           "summary": ("duediligence.summary", {})}


@require_POST
@permission_required("duediligence.project.manage")
def project_action(request, public_id, action):
    project = selectors.project_get(user=request.user, public_id=public_id)
    bound = {}
    try:
        if action == "member":
            form = bound["member"] = forms.MemberForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                institution = services.organisation_for_name(name=data["institution"],
                                                              actor=request.user)
                user = form.portal_user()
                services.member_add(project=project, role=data["role"], user=user,
                                    name=data["name"] if user is None else "",
                                    email=data["email"], institution=institution,
                                    position=data["position"], actor=request.user)
                messages.success(request, _("Member added; their declaration was prefilled."))
                return redirect(project.get_absolute_url())
        elif action == "check":
            run = services.project_check(project=project, actor=request.user)
            messages.success(request, _("Checked %(names)s names: %(hits)s hits.") % {
                "names": run.names_checked, "hits": run.hit_count})
            return redirect(project.get_absolute_url() + "#checks")
        elif action == "questionnaire":
            form = bound["questionnaire"] = forms.QuestionnaireForm(
                request.POST, instance=project.questionnaire)
            if form.is_valid():
                services.questionnaire_save(questionnaire=project.questionnaire,
                                            actor=request.user, **form.cleaned_data)
                messages.success(request, _("Questionnaire saved."))
                return redirect(project.get_absolute_url() + "#questionnaire")
        elif action in ("sign_off", "pi_confirm"):
            services.questionnaire_sign(questionnaire=project.questionnaire, actor=request.user,
                                        as_pi=action == "pi_confirm")
            messages.success(request, _("Confirmation recorded."))
            return redirect(project.get_absolute_url() + "#questionnaire")
        elif action == "measure":
            form = bound["measure"] = forms.MeasureForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                services.measure_add(project=project, area=data["area"],
                                     description=data["description"], owner=data["owner_email"],
                                     due_date=data["due_date"], cost_amount=data["cost_amount"],
                                     charged_to_programme=data["charged_to_programme"],
                                     actor=request.user)
                messages.success(request, _("Measure recorded."))
                return redirect(project.get_absolute_url() + "#measures")
        elif action == "inquiry":
            from riskmgmt.selectors import inquiries_for

            form = bound["inquiry"] = forms.InquiryLinkForm(request.POST)
            if form.is_valid():
                inquiry = inquiries_for(user=request.user).filter(
                    reference=form.cleaned_data["reference"]).first()
                if inquiry is None:
                    form.add_error("reference", _("No inquiry has this reference."))
                else:
                    services.inquiry_link(project=project, inquiry=inquiry, actor=request.user)
                    return redirect(project.get_absolute_url() + "#inquiries")
        elif action in EXPORTS:
            exporter, params = EXPORTS[action]
            gf = generated_file_request(user=request.user, exporter=exporter,
                                        params={"project": str(project.public_id), **params})
            return redirect("portal:file_detail", public_id=gf.public_id)
        else:
            raise Http404
    except ApplicationError as exc:
        form = next(iter(bound.values()), None)
        _error(request, form, exc)
    return render(request, "duediligence/project_detail.html",
                  _project_context(request, project, **bound), status=400)


# --- Declarations ------------------------------------------------------------------------------


def _declaration_context(declaration, *, sign_form=None, link=None):
    version = declaration.current_version
    content = version.content if version else {}
    programme = declaration.member.project.programme
    tables = []
    for item in TABLE_ITEMS:
        if not programme.asks_for(item.code):
            continue
        rows = list(content.get(item.code) or [])
        rows.append({})  # one blank row to add an entry
        tables.append({"item": item, "rows": [
            {"index": i, "source": r.get("source", ""),
             "cells": [(f, r.get(f.code, "")) for f in item.fields]}
            for i, r in enumerate(rows)]})
    answers = [{"item": i, "value": content.get(i.code) or {}} for i in ANSWER_ITEMS
               if programme.asks_for(i.code)]
    return {
        "declaration": declaration, "member": declaration.member,
        "project": declaration.member.project, "version": version,
        "tables": tables, "answers": answers, "items": ITEMS,
        "handwritten": [i for i in ITEMS if i.kind == "handwritten" and programme.asks_for(i.code)],
        "handwritten_note": HANDWRITTEN_NOTE,
        "is_draft": version is not None and version.status == DeclarationVersion.Status.DRAFT,
        "sign_form": sign_form or forms.SignForm(),
        "versions": selectors.versions_of(declaration),
        "action_url": link,
    }


def _declaration_post(request, declaration, actor, link):
    action = request.POST.get("action", "save")
    sign_form = forms.SignForm(request.POST if action == "sign" else None)
    try:
        services.declaration_save(declaration=declaration,
                                  content=forms.content_from_post(
                                      request.POST, declaration.member.project.programme),
                                  actor=actor)
        if action == "sign":
            sign_form.is_valid()
            declaration.refresh_from_db()
            services.declaration_sign(
                declaration=declaration, consent=sign_form.cleaned_data.get("consent", False),
                signed_name=sign_form.cleaned_data.get("signed_name", ""), actor=actor)
            messages.success(request, _("Your declaration is signed. Thank you."))
        else:
            messages.success(request, _("Draft saved."))
        return None
    except ApplicationError as exc:
        _error(request, sign_form, exc)
        declaration.refresh_from_db()
        return render(request, "duediligence/declaration.html",
                      _declaration_context(declaration, sign_form=sign_form, link=link),
                      status=400)


@require_http_methods(["GET", "POST"])
def declaration(request, public_id):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    declaration = selectors.declaration_for(user=request.user, public_id=public_id)
    if request.method == "POST":
        if not has_perm(request.user, "duediligence.declaration.fill_own", declaration):
            require(request.user, "duediligence.declaration.fill_own", declaration)
        response = _declaration_post(request, declaration, request.user, None)
        if response is not None:
            return response
        return redirect("duediligence:declaration", public_id=public_id)
    return render(request, "duediligence/declaration.html", _declaration_context(declaration))


@require_http_methods(["GET", "POST"])
def declaration_link(request, token):
    """An external member's declaration, reached through the link the office sent them."""
    declaration = selectors.declaration_by_token(token=token)
    link = request.path
    if request.method == "POST":
        response = _declaration_post(request, declaration, None, link)
        if response is not None:
            return response
        return redirect(link)
    return render(request, "duediligence/declaration.html",
                  _declaration_context(declaration, link=link))
