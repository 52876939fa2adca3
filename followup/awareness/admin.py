"""Admin: risk-type tags are edited here (through a service); the rest is read-only, since
activities, checklists and cases are managed in the portal's own pages."""

from django.contrib import admin

from followup.awareness import services
from followup.awareness.models import (
    Attendance,
    AwarenessActivity,
    CaseStudy,
    Checklist,
    ChecklistResponse,
    RiskType,
)
from portal.admin_site import PortalModelAdmin, ReadOnlyModelAdmin


@admin.register(RiskType)
class RiskTypeAdmin(PortalModelAdmin):
    list_display = ["code", "name_ja", "name_en", "order"]
    search_fields = ["code", "name_ja", "name_en"]
    save_service = services.risk_type_save

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AwarenessActivity)
class AwarenessActivityAdmin(ReadOnlyModelAdmin):
    list_display = ["date", "fiscal_year", "kind", "title", "audience", "is_required"]
    list_filter = ["kind", "fiscal_year", "is_required"]
    search_fields = ["title"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyModelAdmin):
    list_display = ["activity", "user", "attended", "completed_at", "source"]
    list_filter = ["source", "attended"]
    list_select_related = ["activity", "user"]


@admin.register(Checklist)
class ChecklistAdmin(ReadOnlyModelAdmin):
    list_display = ["code", "title", "target", "is_active"]


@admin.register(ChecklistResponse)
class ChecklistResponseAdmin(ReadOnlyModelAdmin):
    list_display = ["checklist", "fiscal_year", "respondent", "status", "submitted_at"]
    list_filter = ["fiscal_year", "status"]
    list_select_related = ["checklist", "respondent"]


@admin.register(CaseStudy)
class CaseStudyAdmin(ReadOnlyModelAdmin):
    list_display = ["title", "status", "published_at"]
    list_filter = ["status", "risk_types"]
    search_fields = ["title"]
