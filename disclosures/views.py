"""Pages of the disclosures app. Thin: form → service → render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from disclosures import selectors, services
from disclosures.applications import application_lists_pdf, application_lists_xlsx
from disclosures.filters import ReviewQueueFilter
from disclosures.forms import (
    AcceptForm,
    AttachmentForm,
    CampaignForm,
    CommentForm,
    DiffParamsForm,
    ImportForm,
    NoChangeForm,
    PledgeForm,
    ReturnForm,
    SubmitForm,
    VersionParamsForm,
    item_form_class,
    lock_version_from,
)
from disclosures.models import DisclosureVersion, UpdateCampaign
from disclosures.sections import diff_contents, get_section, sections_for_display
from portal.errors import ApplicationError, ConcurrentEdit, NotAllowed
from portal.models import Department
from portal.panels import panels_for
from portal.permissions import has_perm, permission_required
from portal.services import generated_file_request
from portal.uploads import serve_upload


def _lock_from(request) -> int | None:
    return lock_version_from(request.POST)


def _fail(request, exc: ApplicationError):
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


@require_GET
@permission_required("disclosures.section.view")
def index(request):
    if has_perm(request.user, "disclosures.disclosure.file"):
        return redirect("disclosures:mine")
    if has_perm(request.user, "disclosures.disclosure.review"):
        return redirect("disclosures:queue")
    return render(request, "disclosures/index.html")


# --- The researcher's own disclosure -----------------------------------------------------------


@require_GET
@permission_required("disclosures.disclosure.file")
def mine(request):
    disclosure = selectors.own_disclosure(user=request.user)
    if disclosure is not None and disclosure.current_version_id:
        return redirect("disclosures:detail", public_id=disclosure.public_id)
    return render(request, "disclosures/start.html", {"disclosure": disclosure})


@require_POST
@permission_required("disclosures.disclosure.file")
def start(request):
    try:
        disclosure = services.disclosure_get_or_create(owner=request.user, actor=request.user)
        services.draft_get_or_create(disclosure=disclosure, actor=request.user)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("disclosures:mine")
    return redirect("disclosures:edit")


@require_GET
@permission_required("disclosures.section.view")
def detail(request, public_id):
    disclosure = selectors.disclosure_get_for(user=request.user, public_id=public_id)
    owner = selectors.is_owner(request.user, disclosure)
    params = VersionParamsForm(request.GET)
    if not params.is_valid():
        raise Http404
    number = params.cleaned_data["v"]
    may_review = not owner and has_perm(request.user, "disclosures.disclosure.review", disclosure)
    versions, version = selectors.versions_and_shown(user=request.user, disclosure=disclosure,
                                                     number=number, with_baseline=may_review)
    comments, attachments = [], []
    if version is not None:
        comments = selectors.comments_for(user=request.user, version=version)
        attachments = selectors.attachments_for(version=version)
        services.disclosure_viewed(disclosure=disclosure, version=version, actor=request.user)
    comments_by_key, general_comments = {}, []
    for c in comments:
        if c.item_key:
            comments_by_key.setdefault(str(c.item_key), []).append(c)
        else:
            general_comments.append(c)
    attachments_by_key, general_attachments = {}, []
    for a in attachments:
        if a.item_key:
            attachments_by_key.setdefault(str(a.item_key), []).append(a)
        else:
            general_attachments.append(a)
    can_review = may_review and version is not None
    # The no-change confirmation is offered on an accepted, unchanged disclosure only.
    campaign = (services.open_campaign() if owner and disclosure.last_accepted_version_id
                and disclosure.current_version_id == disclosure.last_accepted_version_id
                else None)
    answered = campaign is not None and any(v.campaign_id == campaign.pk and
                                            v.status != DisclosureVersion.Status.DRAFT
                                            for v in versions)
    # The reviewer's part: what changed since the last accepted version, and what other apps
    # show about this version (risk management's flags and risk summary).
    baseline = changes = None
    panels = []
    if can_review:
        baseline = selectors.last_accepted_before(versions=versions, version=version)
        if baseline is not None:
            changes = diff_contents(baseline.content, version.content)
        version.disclosure = disclosure
        panels = panels_for("disclosures.review", request, version)
    context = {
        "disclosure": disclosure,
        "version": version,
        "baseline": baseline,
        "changes": changes,
        "has_changes": bool(changes) and any(s["changes"] for s in changes),
        "panels": panels,
        "versions": versions,
        "is_owner": owner,
        "sections": sections_for_display(version.content if version else {}, comments_by_key,
                                         attachments_by_key),
        "general_comments": general_comments,
        "general_attachments": general_attachments,
        "can_review": can_review,
        "can_internal": can_review and has_perm(request.user, "disclosures.comment.internal",
                                                disclosure),
        "comment_form": CommentForm(),
        "return_form": ReturnForm(),
        "accept_form": AcceptForm(),
        "no_change_form": NoChangeForm(),
        "campaign": campaign,
        "campaign_answered": answered,
    }
    return render(request, "disclosures/detail.html", context)


@require_GET
@permission_required("disclosures.section.view")
def diff(request, public_id):
    disclosure = selectors.disclosure_get_for(user=request.user, public_id=public_id)
    versions = selectors.versions_for(user=request.user, disclosure=disclosure)
    if len(versions) < 2:
        return render(request, "disclosures/diff.html",
                      {"disclosure": disclosure, "versions": versions, "changes": None})
    params = DiffParamsForm(request.GET)
    if not params.is_valid():
        raise Http404
    a = params.cleaned_data["a"] or versions[1].number
    b = params.cleaned_data["b"] or versions[0].number
    old = selectors.version_get_for(user=request.user, disclosure=disclosure, number=a)
    new = selectors.version_get_for(user=request.user, disclosure=disclosure, number=b)
    changes = diff_contents(old.content, new.content)
    new.disclosure = disclosure
    services.disclosure_viewed(disclosure=disclosure, version=new, actor=request.user)
    return render(request, "disclosures/diff.html", {
        "disclosure": disclosure, "versions": versions, "old": old, "new": new,
        "changes": changes, "has_changes": any(s["changes"] for s in changes),
    })


@require_GET
@permission_required("disclosures.section.view")
def viewers(request, public_id):
    disclosure = selectors.disclosure_get_for(user=request.user, public_id=public_id)
    entries = selectors.viewers_of(disclosure=disclosure)
    return render(request, "disclosures/viewers.html",
                  {"disclosure": disclosure, "entries": entries})


# --- Editing the draft -----------------------------------------------------------------------


def _own_draft(request):
    disclosure = selectors.own_disclosure(user=request.user)
    if disclosure is None:
        raise Http404
    draft = disclosure.current_version
    if draft is None or draft.status != DisclosureVersion.Status.DRAFT:
        return disclosure, None
    draft.disclosure = disclosure
    return disclosure, draft


def _section_items(draft, section_code):
    return sections_for_display({"sections": {section_code: draft.content.get(
        "sections", {}).get(section_code, [])}}, selectors.earlier_comments_for(draft))


def _render_section(request, draft, section, *, form=None, editing_key=None, error=None,
                    conflict=False, status=200):
    display = [s for s in _section_items(draft, section.code) if s["code"] == section.code][0]
    return render(request, "disclosures/partials/_section.html", {
        "draft": draft, "section": display, "form": form, "editing_key": editing_key,
        "error": error, "conflict": conflict, "oob_lock": True,
        "effort_total": services.effort_total(draft),
    }, status=status)


def _conflict_message() -> str:
    return _("Someone else saved this disclosure after you opened this form (for example in "
             "another window). Your change was not saved, so that theirs is kept. The entries "
             "above your form are what is saved now: check them, then save again to apply "
             "what you typed, or cancel.")


@require_GET
@permission_required("disclosures.disclosure.file")
def edit(request):
    try:
        disclosure, draft = _own_draft(request)
    except Http404:
        return redirect("disclosures:mine")
    if draft is None:
        return redirect("disclosures:mine")
    return render(request, "disclosures/edit.html", _edit_context(disclosure, draft))


def _edit_context(disclosure, draft, **extra) -> dict:
    return {
        "disclosure": disclosure, "draft": draft,
        "sections": sections_for_display(draft.content, selectors.earlier_comments_for(draft)),
        "attachments": selectors.attachments_for(version=draft),
        "attachment_form": AttachmentForm(),
        "effort_total": services.effort_total(draft),
        **extra,
    }


@require_GET
@permission_required("disclosures.disclosure.file")
def section_view(request, section):
    try:
        sec = get_section(section)
    except LookupError:
        raise Http404 from None
    disclosure, draft = _own_draft(request)
    if draft is None:
        raise Http404
    return _render_section(request, draft, sec)


@require_http_methods(["GET", "POST"])
@permission_required("disclosures.disclosure.file")
def item_edit(request, section, item_key=None):
    try:
        sec = get_section(section)
    except LookupError:
        raise Http404 from None
    disclosure, draft = _own_draft(request)
    if draft is None:
        raise Http404
    if item_key is None:
        instance = sec.model(version=draft)
    else:
        instance = sec.model.objects.filter(version=draft, item_key=item_key).first()
        if instance is None:
            raise Http404
    form_class = item_form_class(sec)
    if request.method == "GET":
        form = form_class(instance=instance, prefix=sec.code)
        if request.htmx:
            return _render_section(request, draft, sec, form=form, editing_key=item_key)
        return _edit_page_with_form(request, disclosure, draft, sec, form, item_key)
    form = form_class(request.POST, instance=instance, prefix=sec.code)
    error = None
    conflict = False
    status = 200
    if form.is_valid():
        item = form.save(commit=False)
        try:
            name_ja = form.cleaned_data.get("new_organisation_name_ja", "")
            name_en = form.cleaned_data.get("new_organisation_name_en", "")
            new_organisation = None
            if not form.cleaned_data.get("organisation") and (name_ja or name_en):
                new_organisation = {
                    "name_ja": name_ja, "name_en": name_en,
                    "country": form.cleaned_data.get("new_organisation_country") or ""}
            services.item_save(version=draft, section_code=sec.code, item=item,
                               actor=request.user, lock_version=_lock_from(request),
                               new_organisation=new_organisation)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                target = field if field in form.fields else None
                for err in errs:
                    form.add_error(target, err)
        except ConcurrentEdit:
            # The list is re-read below, so the other save is on screen next to the form.
            error, conflict, status = _conflict_message(), True, 409
        except ApplicationError as exc:
            if isinstance(exc, NotAllowed):
                raise PermissionDenied(exc.message) from None
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                error = exc.message
        else:
            if request.htmx:
                draft.refresh_from_db(fields=["content", "lock_version"])
                return _render_section(request, draft, sec)
            messages.success(request, _("Saved."))
            return redirect(reverse("disclosures:edit") + f"#section-{sec.code}")
    # A refused save was rolled back: show the lock and items as they are in the database.
    draft.refresh_from_db(fields=["content", "lock_version"])
    if request.htmx:
        # htmx swaps only 2xx answers: show the refusal in place.
        return _render_section(request, draft, sec, form=form, editing_key=item_key, error=error,
                               conflict=conflict)
    return _edit_page_with_form(request, disclosure, draft, sec, form, item_key, error=error,
                                conflict=conflict, status=status)


def _edit_page_with_form(request, disclosure, draft, sec, form, item_key, *, error=None,
                         conflict=False, status=200):
    return render(request, "disclosures/edit.html", _edit_context(
        disclosure, draft, open_section=sec.code, form=form, editing_key=item_key, error=error,
        conflict=conflict,
    ), status=status)


@require_POST
@permission_required("disclosures.disclosure.file")
def item_delete(request, section, item_key):
    try:
        sec = get_section(section)
    except LookupError:
        raise Http404 from None
    disclosure, draft = _own_draft(request)
    if draft is None:
        raise Http404
    error = None
    try:
        services.item_delete(version=draft, section_code=sec.code, item_key=item_key,
                             actor=request.user, lock_version=_lock_from(request))
    except ConcurrentEdit:
        # Both answers show the draft as saved now (re-read below, or the reloaded editor).
        error = _("Someone else saved this disclosure after you opened this page (for example "
                  "in another window). Nothing was removed. The entries shown are what is saved "
                  "now: check them, and remove the item again if you still want to.")
        if not request.htmx:
            messages.error(request, error)
            return redirect("disclosures:edit")
    except ApplicationError as exc:
        _fail(request, exc)
        error = exc.message
    if request.htmx:
        draft.refresh_from_db(fields=["content", "lock_version"])
        return _render_section(request, draft, sec, error=error)
    return redirect(reverse("disclosures:edit") + f"#section-{sec.code}")


@require_http_methods(["GET", "POST"])
@permission_required("disclosures.disclosure.file")
def submit(request):
    disclosure, draft = _own_draft(request)
    if draft is None:
        return redirect("disclosures:mine")
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_submit(version=draft, actor=request.user,
                                    attest=form.cleaned_data["attest"],
                                    lock_version=_lock_from(request),
                                    change_note=form.cleaned_data["change_note"])
        except ApplicationError as exc:
            if isinstance(exc, NotAllowed):
                raise PermissionDenied(exc.message) from None
            form.add_error("attest" if exc.field == "attest" else None, exc.message)
        else:
            messages.success(request, _("Your disclosure was submitted for review."))
            return redirect("disclosures:detail", public_id=disclosure.public_id)
    return render(request, "disclosures/submit.html", {
        "disclosure": disclosure, "draft": draft, "form": form,
        "sections": sections_for_display(draft.content),
        "attestation": _(services.ATTESTATION_TEXT),
    })


@require_POST
@permission_required("disclosures.disclosure.file")
def discard(request):
    disclosure = selectors.own_disclosure(user=request.user)
    if disclosure is None:
        raise Http404
    try:
        services.draft_discard(disclosure=disclosure, actor=request.user)
        messages.success(request, _("The update in progress was discarded."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("disclosures:mine")


@require_POST
@permission_required("disclosures.disclosure.file")
def no_change(request):
    disclosure = selectors.own_disclosure(user=request.user)
    if disclosure is None:
        raise Http404
    form = NoChangeForm(request.POST)
    form.is_valid()
    try:
        services.no_change_confirm(disclosure=disclosure, actor=request.user,
                                   attest=form.cleaned_data.get("attest", False))
        messages.success(request, _("Thank you: you confirmed that nothing has changed."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("disclosures:detail", public_id=disclosure.public_id)


# --- Attachments -------------------------------------------------------------------------------


@require_POST
@permission_required("disclosures.disclosure.file")
def attachment_upload(request):
    disclosure, draft = _own_draft(request)
    if draft is None:
        raise Http404
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                version=draft, uploaded_file=form.cleaned_data["file"], actor=request.user,
                section=form.cleaned_data.get("section") or "",
                item_key=form.cleaned_data.get("item_key"),
                description=form.cleaned_data.get("description") or "",
                lock_version=_lock_from(request))
            messages.success(request, _("The file was attached."))
        except ApplicationError as exc:
            _fail(request, exc)
    return redirect(reverse("disclosures:edit") + "#attachments")


@require_GET
@permission_required("disclosures.section.view")
def attachment_download(request, public_id):
    attachment = selectors.attachment_get_for(user=request.user, public_id=public_id)
    services.attachment_downloaded(attachment=attachment, actor=request.user)
    return serve_upload(attachment.file, filename=attachment.original_name,
                        mimetype=attachment.mimetype)


@require_POST
@permission_required("disclosures.disclosure.file")
def attachment_delete(request, public_id):
    disclosure, draft = _own_draft(request)
    if draft is None:
        raise Http404
    attachment = draft.attachments.filter(public_id=public_id).first()
    if attachment is None:
        raise Http404
    attachment.version = draft
    try:
        services.attachment_delete(attachment=attachment, actor=request.user,
                                   lock_version=_lock_from(request))
        messages.success(request, _("The attachment was removed."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect(reverse("disclosures:edit") + "#attachments")


# --- Imports (researchmap / ORCID) -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("disclosures.disclosure.file")
def imports(request):
    """Upload; the import pipeline reads the file and asks to confirm before the entries are
    stored as suggestions."""
    from disclosures.imports import IMPORT
    from portal.imports import import_start

    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = import_start(user=request.user, kind=IMPORT.code,
                                  files={"file": form.cleaned_data["file"]})
        except ApplicationError as exc:
            if isinstance(exc, NotAllowed):
                raise PermissionDenied(exc.message) from None
            form.add_error("file", exc.message)
        else:
            return redirect("portal:import_detail", public_id=upload.public_id)
    page = Paginator(selectors.imports_for(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "disclosures/imports.html", {"form": form, "page": page})


@require_GET
@permission_required("disclosures.disclosure.file")
def import_detail(request, public_id):
    record_import = selectors.import_get_for(user=request.user, public_id=public_id)
    entries = record_import.items.select_related("organisation")
    return render(request, "disclosures/import_detail.html",
                  {"record_import": record_import, "entries": entries})


@require_POST
@permission_required("disclosures.disclosure.file")
def import_decide(request, pk, decision):
    entry = selectors.import_item_get_for(user=request.user, pk=pk)
    error = None
    try:
        if decision == "accept":
            services.external_item_accept(entry=entry, actor=request.user)
        elif decision == "reject":
            services.external_item_reject(entry=entry, actor=request.user)
        else:
            raise Http404
    except ApplicationError as exc:
        if isinstance(exc, NotAllowed):
            raise PermissionDenied(exc.message) from None
        error = exc.message
    entry.refresh_from_db()
    if request.htmx:
        return render(request, "disclosures/partials/_suggestion.html",
                      {"entry": entry, "error": error})
    if error:
        messages.error(request, error)
    return redirect("disclosures:import_detail", public_id=entry.record_import.public_id)


# --- Review ------------------------------------------------------------------------------------


@require_GET
@permission_required("disclosures.disclosure.review")
def queue(request):
    departments = (selectors.review_departments_for(user=request.user)
                   .only("public_id", "name_ja", "name_en").order_by("code"))
    filterset = ReviewQueueFilter(request.GET or None, departments=departments)
    versions = selectors.review_queue_for(user=request.user, params=request.GET)
    page = Paginator(versions, 25).get_page(request.GET.get("page"))
    partial = request.htmx and not request.htmx.history_restore_request
    template = "disclosures/partials/_queue_table.html" if partial else "disclosures/queue.html"
    return render(request, template, {
        "form": filterset.form, "page": page,
        "can_campaigns": has_perm(request.user, "disclosures.campaign.view")})


@require_POST
@permission_required("disclosures.disclosure.review")
def review_action(request, public_id, action):
    version = selectors.version_by_public_id(user=request.user, public_id=public_id)
    disclosure = version.disclosure
    try:
        if action == "start":
            services.version_review_start(version=version, actor=request.user)
            messages.success(request, _("You took up this disclosure for review."))
        elif action == "return":
            form = ReturnForm(request.POST)
            form.is_valid()
            services.version_return(version=version, actor=request.user,
                                    comment=form.cleaned_data.get("comment", ""))
            messages.success(request, _("The disclosure was returned to the researcher."))
        elif action == "accept":
            form = AcceptForm(request.POST)
            form.is_valid()
            services.version_accept(version=version, actor=request.user,
                                    comment=form.cleaned_data.get("comment", ""))
            messages.success(request, _("The disclosure was accepted."))
        else:
            raise Http404
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect(reverse("disclosures:detail", kwargs={"public_id": disclosure.public_id})
                    + f"?v={version.number}")


@require_POST
@permission_required("disclosures.disclosure.review")
def comment_add(request, public_id):
    version = selectors.version_by_public_id(user=request.user, public_id=public_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(version=version, actor=request.user,
                                 body=form.cleaned_data["body"],
                                 visibility=form.cleaned_data["visibility"],
                                 section=form.cleaned_data.get("section") or "",
                                 item_key=form.cleaned_data.get("item_key"))
            messages.success(request, _("Comment added."))
        except ApplicationError as exc:
            _fail(request, exc)
    else:
        messages.error(request, _("The comment could not be added."))
    return redirect(reverse("disclosures:detail", kwargs={"public_id": version.disclosure.public_id})
                    + f"?v={version.number}")


# --- Grant applications ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("disclosures.disclosure.file")
def applications(request):
    disclosure = selectors.own_disclosure(user=request.user)
    form = PledgeForm(request.POST or None)
    if request.method == "POST":
        if disclosure is None:
            raise Http404
        if form.is_valid():
            try:
                services.pledge_record(disclosure=disclosure, actor=request.user,
                                       **form.cleaned_data)
            except ApplicationError as exc:
                if isinstance(exc, NotAllowed):
                    raise PermissionDenied(exc.message) from None
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The pledge was recorded."))
                return redirect("disclosures:applications")
    accepted = disclosure.last_accepted_version if disclosure else None
    return render(request, "disclosures/applications.html", {
        "disclosure": disclosure, "accepted": accepted, "form": form,
        "pledges": selectors.pledges_for(disclosure=disclosure) if disclosure else [],
        "sections": [s for s in sections_for_display(accepted.content if accepted else {})
                     if s["code"] in ("funding", "position", "programme")],
    })


def _accepted_or_404(request):
    disclosure = selectors.own_disclosure(user=request.user)
    if disclosure is None or disclosure.last_accepted_version is None:
        raise Http404
    return disclosure


@require_GET
@permission_required("disclosures.disclosure.file")
def applications_xlsx(request):
    disclosure = _accepted_or_404(request)
    content = application_lists_xlsx(disclosure=disclosure)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument"
                                                  ".spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="application-lists.xlsx"'
    return response


@require_GET
@permission_required("disclosures.disclosure.file")
def applications_pdf(request):
    disclosure = _accepted_or_404(request)
    content = application_lists_pdf(disclosure=disclosure, request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="application-lists.pdf"'
    return response


# --- Campaigns and export ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("disclosures.campaign.view")
def campaigns(request):
    can_manage = has_perm(request.user, "disclosures.campaign.manage")
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                campaign = services.campaign_open(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The campaign is open; researchers are notified."))
                return redirect("disclosures:campaign_detail", public_id=campaign.public_id)
    page = Paginator(UpdateCampaign.objects.select_related("opened_by"), 20).get_page(
        request.GET.get("page"))
    return render(request, "disclosures/campaigns.html",
                  {"form": form, "page": page, "can_manage": can_manage, "can_campaigns": True})


@require_GET
@permission_required("disclosures.campaign.view")
def campaign_detail(request, public_id):
    campaign = UpdateCampaign.objects.filter(public_id=public_id).first()
    if campaign is None:
        raise Http404
    progress = selectors.campaign_progress(user=request.user, campaign=campaign)
    if request.htmx and request.GET.get("part") != "pending":
        return render(request, "disclosures/partials/_campaign_progress.html",
                      {"campaign": campaign, "progress": progress})
    departments = Department.objects.only("pk", "code", "name_ja", "name_en").order_by("code")
    department = _department_from(request, departments)
    pending = Paginator(selectors.campaign_pending_for(user=request.user, campaign=campaign,
                                                       department=department),
                        50).get_page(request.GET.get("page"))
    context = {"campaign": campaign, "progress": progress, "can_campaigns": True,
               "can_manage": has_perm(request.user, "disclosures.campaign.manage"),
               "can_remind": has_perm(request.user, "disclosures.campaign.remind"),
               "pending": pending, "departments": departments, "department": department}
    template = ("disclosures/partials/_campaign_pending.html" if request.htmx
                else "disclosures/campaign_detail.html")
    return render(request, template, context)


def _department_from(request, departments):
    raw = request.GET.get("department") or request.POST.get("department") or ""
    if not raw:
        return None
    try:
        return departments.get(public_id=raw)
    except (Department.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


@require_POST
@permission_required("disclosures.campaign.remind")
def campaign_remind(request, public_id):
    campaign = UpdateCampaign.objects.filter(public_id=public_id).first()
    if campaign is None:
        raise Http404
    department = _department_from(request, Department.objects.all())
    try:
        sent, pending = services.campaign_remind(campaign=campaign, actor=request.user,
                                                 department=department)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        if sent:
            messages.success(request, _("%(sent)s researchers were reminded.") % {"sent": sent})
        else:
            messages.info(request, _("Everyone listed was already reminded this week: nothing "
                                     "was sent."))
    url = reverse("disclosures:campaign_detail", args=[campaign.public_id])
    if department is not None:
        url += f"?department={department.public_id}"
    return redirect(url)


@require_POST
@permission_required("disclosures.campaign.manage")
def campaign_close(request, public_id):
    campaign = UpdateCampaign.objects.filter(public_id=public_id).first()
    if campaign is None:
        raise Http404
    try:
        services.campaign_close(campaign=campaign, actor=request.user)
        messages.success(request, _("The campaign was closed."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("disclosures:campaign_detail", public_id=campaign.public_id)


@require_POST
@permission_required("disclosures.export.all")
def export_all(request):
    fmt = request.POST.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        fmt = "xlsx"
    try:
        gf = generated_file_request(user=request.user, exporter="disclosures.all",
                                    params={"format": fmt})
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("disclosures:campaigns")
    return redirect("portal:file_detail", public_id=gf.public_id)


