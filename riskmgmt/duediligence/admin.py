"""Admin: administrators keep the register of designated programmes (through a service);
projects, teams and declarations are handled in the portal's own pages (read-only here)."""

from django.contrib import admin

from portal.admin_site import PortalModelAdmin, ReadOnlyModelAdmin
from riskmgmt.duediligence import services
from riskmgmt.duediligence.models import CheckRun, Programme, Project, TeamMember


@admin.register(Programme)
class ProgrammeAdmin(PortalModelAdmin):
    list_display = ["name_ja", "agency_name", "fiscal_year", "form_kind",
                    "measure_costs_chargeable", "is_active"]
    list_filter = ["fiscal_year", "form_kind", "is_active"]
    search_fields = ["name_ja", "name_en", "agency_name"]
    save_service = services.programme_save

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyModelAdmin):
    list_display = ["title", "programme", "status", "declarations_due"]
    list_filter = ["status", "programme"]
    search_fields = ["title", "project_number"]


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyModelAdmin):
    list_display = ["project", "role", "user", "name", "institution"]
    exclude = ["access_token"]


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyModelAdmin):
    list_display = ["project", "reason", "names_checked", "hit_count", "finished_at"]
