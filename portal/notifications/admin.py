from django.contrib import admin

from portal.admin_site import ReadOnlyModelAdmin
from portal.notifications.models import Delivery, Notification


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "recipient", "kind", "object_repr", "status", "attempts",
                    "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient__email", "object_repr", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "email_mode", "read_at"]
    list_filter = ["kind", "email_mode"]
    search_fields = ["recipient__email", "stored_title"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]


# --- django-celery-beat: administrators (the admin role) edit schedule times here -------------
# Its own ModelAdmins check Django model permissions, which portal roles do not grant; the same
# admins are registered again with the portal's rule, and every change is audited.

from django_celery_beat import admin as beat_admin  # noqa: E402 - registers its admins first
from django_celery_beat.models import (  # noqa: E402
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from portal.admin_site import PortalModelAdmin  # noqa: E402


class _PortalBeatMixin:
    def _allowed(self, request):
        return PortalModelAdmin._allowed(self, request)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def save_model(self, request, obj, form, change):
        from django.db import transaction

        from portal.audit import audit_log, snapshot

        with transaction.atomic():
            before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
            super().save_model(request, obj, form, change)
            audit_log(action="notifications.beat.changed", target=obj, actor=request.user,
                      before=before, after=snapshot(obj))


for _model, _base in (
    (PeriodicTask, beat_admin.PeriodicTaskAdmin),
    (CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (IntervalSchedule, beat_admin.IntervalScheduleAdmin),
    (ClockedSchedule, beat_admin.ClockedScheduleAdmin),
    (SolarSchedule, beat_admin.SolarScheduleAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(_base.__name__, (_PortalBeatMixin, _base), {}))
