"""Pages of the notifications app: one's notifications and preferences; for administrators,
the delivery log and the schedules (preview, run now)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.notifications import schedules, selectors, services
from portal.notifications.filters import DeliveryFilter
from portal.notifications.forms import PreferencesForm, ScheduleForm
from portal.notifications.models import Delivery, Notification
from portal.permissions import get_object_in_scope, permission_required


def _own(request, public_id) -> Notification:
    return get_object_in_scope(request.user, "notifications.own.view",
                               Notification.objects.all(), public_id=public_id)


@require_GET
@permission_required("notifications.own.view")
def index(request):
    show = "unread" if request.GET.get("show") == "unread" else "all"
    notes = selectors.notification_list_for(user=request.user, unread_only=show == "unread")
    page = Paginator(notes, 25).get_page(request.GET.get("page"))
    context = {"page": page, "show": show,
               "counts": selectors.notification_counts(user=request.user)}
    template = "notifications/partials/_list.html" if request.htmx else "notifications/index.html"
    return render(request, template, context)


@require_GET
@permission_required("notifications.own.view")
def open_notification(request, public_id):
    """Follow a notification's link, marking it read on the way."""
    note = _own(request, public_id)
    services.notification_mark_read(user=request.user, notification=note)
    url = note.url
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect("notifications:index")
    return redirect(url)


@require_POST
@permission_required("notifications.own.view")
def mark_read(request, public_id):
    note = _own(request, public_id)
    services.notification_mark_read(user=request.user, notification=note)
    if request.htmx:
        return render(request, "notifications/partials/_mark_read.html", {"note": note})
    return redirect("notifications:index")


@require_POST
@permission_required("notifications.own.view")
def mark_all_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications:index")


@require_http_methods(["GET", "POST"])
@permission_required("notifications.own.view")
def preferences(request):
    rows = selectors.preferences_for(user=request.user)
    initial = {r.kind.code: r.mode for r in rows}
    form = PreferencesForm(request.POST or None, initial_modes=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_save(user=request.user, modes=form.modes())
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notifications:preferences")
    mandatory = [r.kind for r in rows if r.kind.mandatory]
    return render(request, "notifications/preferences.html",
                  {"form": form, "mandatory": mandatory})


@require_GET
@permission_required("notifications.delivery.view")
def deliveries(request):
    qs = selectors.delivery_list_for(user=request.user)
    flt = DeliveryFilter(request.GET or None, queryset=qs)
    page = Paginator(flt.qs, 50).get_page(request.GET.get("page"))
    counts = selectors.delivery_status_counts(user=request.user)
    status_rows = [(code, label, counts.get(code, 0)) for code, label in Delivery.Status.choices]
    context = {"filter": flt, "page": page, "status_rows": status_rows}
    template = "notifications/partials/_delivery_table.html" if request.htmx else "notifications/deliveries.html"
    return render(request, template, context)


def _schedule(name):
    try:
        return schedules.get_schedule(name)
    except KeyError:
        raise Http404 from None


@require_GET
@permission_required("notifications.schedule.manage")
def schedule_list(request):
    from django_celery_beat.models import PeriodicTask

    tasks = {t.name: t for t in PeriodicTask.objects.filter(
        name__startswith=schedules.PREFIX).select_related("crontab", "interval")}
    rows = []
    for s in schedules.SCHEDULES:
        task = tasks.get(s.task_name)
        cron = schedules.task_cron(task) if task is not None and task.crontab_id else s.cron
        rows.append({"schedule": s, "task": task, "when": schedules.describe_cron(cron),
                     "cron": " ".join(str(cron.get(k, "*")) for k in schedules.CRON_KEYS),
                     "days": schedules.describe_options(schedules.options_for(s, task)),
                     "editable": task is not None and task.crontab_id is not None
                     and (s.has_fixed_time or "days_before" in s.options)})
    return render(request, "notifications/schedules.html", {"rows": rows})


@require_GET
@permission_required("notifications.schedule.manage")
def schedule_preview(request, name):
    schedule = _schedule(name)
    preview = services.schedule_preview(name=schedule.name, actor=request.user)
    template = ("notifications/partials/_preview.html" if request.htmx
                else "notifications/schedule_preview.html")
    return render(request, template, {"schedule": schedule, "preview": preview})


@require_POST
@permission_required("notifications.schedule.manage")
def schedule_run(request, name):
    schedule = _schedule(name)
    services.schedule_run_request(name=schedule.name, actor=request.user)
    messages.success(request, _("“%(name)s” was queued and runs in the background.")
                     % {"name": schedule.label})
    return redirect("notifications:schedules")


@require_http_methods(["GET", "POST"])
@permission_required("notifications.schedule.manage")
def schedule_edit(request, name):
    """The portal's own page for a schedule's time and reminder days (in the reader's language;
    the Django admin's periodic tasks stay for what this page does not cover)."""
    from django_celery_beat.models import PeriodicTask

    schedule = _schedule(name)
    task = PeriodicTask.objects.select_related("crontab").filter(name=schedule.task_name).first()
    form = ScheduleForm(request.POST or None, schedule=schedule, task=task,
                        options=schedules.options_for(schedule, task))
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_change(name=schedule.name, actor=request.user,
                                     time=form.cleaned_data.get("time"),
                                     days_before=form.cleaned_data.get("days_before"))
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("“%(name)s” now runs: %(when)s.") % {
                "name": schedule.label, "when": _schedule_words(schedule)})
            return redirect("notifications:schedules")
    return render(request, "notifications/schedule_edit.html",
                  {"schedule": schedule, "task": task, "form": form})


def _schedule_words(schedule) -> str:
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("crontab").filter(name=schedule.task_name).first()
    when = schedules.describe_cron(schedules.task_cron(task) if task and task.crontab_id
                                   else schedule.cron)
    days = schedules.describe_options(schedules.options_for(schedule))
    return _("%(when)s (%(days)s)") % {"when": when, "days": days} if days else when
