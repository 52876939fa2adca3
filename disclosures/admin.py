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


class _ReadLogged:
    """The admin's pages of one disclosure are reads of it: logged like the portal's pages
    (the researcher's "who viewed my record")."""

    def _disclosure_and_version(self, obj):
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from disclosures import services

        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id) if response.status_code == 200 else None
        if obj is not None:
            disclosure, version = self._disclosure_and_version(obj)
            services.disclosure_viewed(disclosure=disclosure, version=version,
                                       actor=request.user, via="admin")
        return response


@admin.register(Disclosure)
class DisclosureAdmin(_ReadLogged, ReadOnlyModelAdmin):
    def _disclosure_and_version(self, obj):
        return obj, obj.last_accepted_version or obj.current_version

    list_display = ["owner", "department", "current_version", "last_accepted_version",
                    "updated_at"]
    search_fields = ["owner__email", "owner__family_name", "owner__family_name_en"]
    list_select_related = ["owner", "department", "current_version", "last_accepted_version"]


@admin.register(DisclosureVersion)
class DisclosureVersionAdmin(_ReadLogged, ReadOnlyModelAdmin):
    def _disclosure_and_version(self, obj):
        return obj.disclosure, obj

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
class GrantPledgeAdmin(_ReadLogged, ReadOnlyModelAdmin):
    def _disclosure_and_version(self, obj):
        return obj.disclosure, obj.version

    list_display = ["disclosure", "funder_name", "programme", "pledged_on"]
