"""Read-only admin views of the disclosures app: every change goes through the services."""

from django.contrib import admin

from disclosures.models import (
    Disclosure,
    DisclosureVersion,
    ExternalRecordImport,
    GrantPledge,
    UpdateCampaign,
)
from portal.admin_site import ReadOnlyModelAdmin


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyModelAdmin):
    list_display = ["owner", "department", "current_version", "last_accepted_version",
                    "updated_at"]
    search_fields = ["owner__email", "owner__family_name", "owner__family_name_en"]
    list_select_related = ["owner", "department", "current_version", "last_accepted_version"]


@admin.register(DisclosureVersion)
class DisclosureVersionAdmin(ReadOnlyModelAdmin):
    list_display = ["disclosure", "number", "status", "kind", "submitted_at", "accepted_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["disclosure__owner"]
    exclude = ["content"]


@admin.register(UpdateCampaign)
class UpdateCampaignAdmin(ReadOnlyModelAdmin):
    list_display = ["fiscal_year", "title", "opens_on", "due_date", "status"]


@admin.register(ExternalRecordImport)
class ExternalRecordImportAdmin(ReadOnlyModelAdmin):
    list_display = ["owner", "source", "format", "filename", "item_count", "created_at"]
    list_filter = ["source"]


@admin.register(GrantPledge)
class GrantPledgeAdmin(ReadOnlyModelAdmin):
    list_display = ["disclosure", "funder_name", "programme", "pledged_on"]
