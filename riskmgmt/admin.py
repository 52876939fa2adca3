"""Read-only admin views of risk management: every change goes through the services and pages."""

from django.contrib import admin

from portal.admin_site import ReadOnlyModelAdmin
from riskmgmt.models import (
    Case,
    FundingAgencyInquiry,
    MitigationMeasure,
    Rule,
    RuleChange,
    ScreeningEntry,
    ScreeningHit,
    ScreeningList,
    ScreeningListRelease,
    ScreeningRun,
)


@admin.register(Rule)
class RuleAdmin(ReadOnlyModelAdmin):
    list_display = ["code", "rule_type", "concern", "is_enabled", "updated_at"]
    list_filter = ["is_enabled", "concern"]


@admin.register(RuleChange)
class RuleChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["rule", "changed_at", "changed_by", "note"]
    list_select_related = ["rule", "changed_by"]


@admin.register(ScreeningList)
class ScreeningListAdmin(ReadOnlyModelAdmin):
    list_display = ["code", "name", "format", "is_active"]


@admin.register(ScreeningListRelease)
class ScreeningListReleaseAdmin(ReadOnlyModelAdmin):
    list_display = ["screening_list", "number", "label", "entry_count", "is_current", "created_at"]
    list_select_related = ["screening_list"]


@admin.register(ScreeningEntry)
class ScreeningEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "country", "release"]
    search_fields = ["name"]
    list_select_related = ["release__screening_list"]
    exclude = ["keys"]


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyModelAdmin):
    list_display = ["kind", "release", "status", "started_at", "names_checked", "new_hits"]
    list_select_related = ["release__screening_list"]


@admin.register(ScreeningHit)
class ScreeningHitAdmin(ReadOnlyModelAdmin):
    list_display = ["query_name", "matched_name", "score", "status", "created_at"]
    list_filter = ["status"]


@admin.register(Case)
class CaseAdmin(ReadOnlyModelAdmin):
    list_display = ["reference", "researcher", "concern", "status", "risk_level", "assignee",
                    "opened_at"]
    list_filter = ["status", "risk_level", "concern"]
    search_fields = ["reference", "researcher__email"]
    list_select_related = ["researcher", "assignee"]


@admin.register(MitigationMeasure)
class MitigationMeasureAdmin(ReadOnlyModelAdmin):
    list_display = ["kind", "case", "inquiry", "owner", "due_date", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["case", "inquiry", "owner"]


@admin.register(FundingAgencyInquiry)
class FundingAgencyInquiryAdmin(ReadOnlyModelAdmin):
    list_display = ["reference", "agency_name", "programme", "deadline", "status"]
    list_filter = ["status"]
