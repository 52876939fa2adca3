"""Pages of the import pipeline (portal/imports.py): one page per upload, the same for every
import — progress while it is checked or applied, its report, confirm / discard / try again."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal import imports
from portal.errors import ApplicationError
from portal.permissions import has_perm


def _upload_for(request, public_id):
    """The person's own upload (404 for anybody else's), and its kind (403 without the right)."""
    upload = get_object_or_404(imports.uploads_for(user=request.user), public_id=public_id)
    kind = imports.KINDS.get(upload.kind)
    if kind is None:
        raise PermissionDenied
    if not has_perm(request.user, kind.permission):
        raise PermissionDenied
    return upload, kind


def _go(request, url: str):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_GET
@login_required
def import_detail(request, public_id):
    upload, kind = _upload_for(request, public_id)
    if upload.status == imports.Status.APPLIED:
        if kind.done_message is not None:
            messages.success(request, kind.done_message(upload))
        return _go(request, kind.done_url(upload))
    context = {
        "upload": upload, "kind": kind, "progress": imports.progress_of(upload),
        "report": kind.load_report(upload.report) if upload.report else None,
        "can_confirm": upload.status == imports.Status.CHECKED and not upload.is_expired,
        "back_url": kind.back_url(upload),
    }
    template = "portal/partials/_import_status.html" if request.htmx else "portal/import_detail.html"
    return render(request, template, context)


def _confirm(request, upload):
    try:
        imports.import_confirm(user=request.user, upload=upload)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal:import_detail", public_id=upload.public_id)


_confirm_reauthenticated = reauthentication_required(_confirm)


@require_POST
@login_required
def import_confirm(request, public_id):
    """Confirm a checked upload. Imports marked so ask for the password (or an authenticator
    code) again when the last confirmation is older than ACCOUNT_REAUTHENTICATION_TIMEOUT;
    allauth replays this POST after the re-authentication."""
    upload, kind = _upload_for(request, public_id)
    if kind.reauthenticate:
        return _confirm_reauthenticated(request, upload)
    return _confirm(request, upload)


@require_POST
@login_required
def import_retry(request, public_id):
    upload, _kind = _upload_for(request, public_id)
    try:
        imports.import_retry(user=request.user, upload=upload)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal:import_detail", public_id=upload.public_id)


@require_POST
@login_required
def import_discard(request, public_id):
    upload, kind = _upload_for(request, public_id)
    imports.import_discard(user=request.user, upload=upload)
    return redirect(kind.back_url(upload))
