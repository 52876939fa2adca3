"""Core pages: dashboard, generated files and their progress, audit log, registry search."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal import selectors, services
from portal.dashboard import widgets_for
from portal.errors import ApplicationError
from portal.permissions import permission_required


@require_GET
def healthz(request):
    """Liveness for the container healthcheck and the proxy (``bin/portal healthcheck``).

    Decision: 200 when the database answers, 503 when it does not (web cannot serve a page
    without it, so restarting or taking it out of rotation is right). The broker's state is
    reported but never fails the check: pages still work without it, a notice's e-mail waits in
    the outbox until a worker can send it, and restarting web would not bring Redis back.
    No login needed (``LoginRequiredMiddleware`` lets it through); it tells nothing private.
    """
    state = selectors.health()
    return JsonResponse(state, status=200 if state["database"] == "ok" else 503,
                        headers={"Cache-Control": "no-store"})


@require_GET
@permission_required("portal.dashboard.view")
def dashboard(request):
    return render(request, "portal/dashboard.html", {"widgets": widgets_for(request)})


@require_GET
@permission_required("portal.files.view_own")
def file_list(request):
    files = selectors.generated_file_list_for(user=request.user)
    page = Paginator(files, 25).get_page(request.GET.get("page"))
    return render(request, "portal/file_list.html", {"page": page})


def _file_for(request, public_id):
    return get_object_or_404(
        selectors.generated_file_list_for(user=request.user), public_id=public_id
    )


@require_GET
@permission_required("portal.files.view_own")
def file_detail(request, public_id):
    """The progress page of a long export; polls its status partial with htmx until done."""
    gf = _file_for(request, public_id)
    template = "portal/partials/_file_status.html" if request.htmx else "portal/file_detail.html"
    return render(request, template, {"file": gf})


@require_POST
@permission_required("portal.files.view_own")
def file_retry(request, public_id):
    """Build a file that failed again (the retry button of the progress page)."""
    gf = _file_for(request, public_id)
    try:
        services.generated_file_retry(user=request.user, generated_file=gf)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("portal:file_detail", public_id=gf.public_id)


@require_GET
@permission_required("portal.files.view_own")
def file_download(request, public_id):
    gf = _file_for(request, public_id)
    if gf.status != gf.Status.DONE or not gf.file or gf.is_expired:
        raise Http404
    services.generated_file_downloaded(user=request.user, generated_file=gf)
    return FileResponse(gf.file.open("rb"), as_attachment=True, filename=gf.filename,
                        content_type=gf.mimetype or "application/octet-stream")


@require_GET
@permission_required("portal.audit.view")
def audit_list(request):
    entries = selectors.audit_entry_list_for(user=request.user)
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    actor = request.GET.get("actor", "").strip()
    if actor:
        entries = entries.filter(actor_email__icontains=actor)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "portal/audit_list.html", {"page": page, "action": action, "actor": actor})


@require_GET
@permission_required("portal.organisation.view")
def organisation_search(request):
    """Registry search for pickers: JSON for scripts, an option list partial for htmx."""
    orgs = list(selectors.organisation_search(user=request.user, query=request.GET.get("q", "")))
    if request.htmx or request.GET.get("format") != "json":
        return render(request, "portal/partials/_organisation_options.html", {"organisations": orgs})
    return JsonResponse({
        "results": [
            {"id": str(o.public_id), "name_ja": o.name_ja, "name_en": o.name_en,
             "country": o.country.code if o.country else "", "ror_id": o.ror_id}
            for o in orgs
        ]
    })
