from django.contrib import admin

from portal import services
from portal.admin_site import PortalModelAdmin, PortalTabularInline, ReadOnlyModelAdmin
from portal.models import (
    AuditEntry,
    Department,
    GeneratedFile,
    Institution,
    InstitutionCategory,
    Organisation,
    OrganisationAlias,
    RoleAssignment,
    User,
)


@admin.register(InstitutionCategory)
class InstitutionCategoryAdmin(PortalModelAdmin):
    list_display = ["code", "name_ja", "name_en", "order"]


@admin.register(Institution)
class InstitutionAdmin(PortalModelAdmin):
    list_display = ["code", "name_ja", "name_en", "category", "is_home"]
    list_filter = ["category", "is_home"]
    search_fields = ["code", "name_ja", "name_en"]
    save_service = services.institution_save


@admin.register(Department)
class DepartmentAdmin(PortalModelAdmin):
    list_display = ["code", "name_ja", "name_en", "parent", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_ja", "name_en"]
    save_service = services.department_save


class RoleAssignmentInline(PortalTabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class UserAdmin(PortalModelAdmin):
    """People and their roles. Decision: the superuser and staff flags are in no form (they
    would escape MFA and the audit trail); ``manage.py portal_admin_flags`` changes them,
    audited. Role rows added, changed or removed in the inline go through the role services,
    each audited with what changed."""

    list_display = ["email", "family_name", "given_name", "department", "is_active"]
    list_filter = ["is_active", "role_assignments__role"]
    search_fields = ["email", "family_name", "given_name", "employee_number", "researcher_number"]
    exclude = ["password", "groups", "user_permissions", "last_login", "date_joined",
               *services.ACCOUNT_FLAGS]
    inlines = [RoleAssignmentInline]
    save_service = services.user_save

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        user = form.instance
        originals = {a.pk: a for a in RoleAssignment.objects.filter(user=user)
                     .select_related("department")}
        formset.save(commit=False)  # fills deleted_objects / new_objects / changed_objects
        for obj in formset.deleted_objects:
            old = originals.get(obj.pk, obj)
            services.role_revoke(user=user, role=old.role, department=old.department,
                                 actor=request.user)
        for obj, _fields in formset.changed_objects:
            original = originals.get(obj.pk)
            if original is not None:
                services.role_change(assignment=original, role=obj.role,
                                     department=obj.department, actor=request.user)
        for obj in formset.new_objects:
            services.role_assign(user=user, role=obj.role, department=obj.department,
                                 actor=request.user)
        return None


class AliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 1
    exclude = ["normalized"]


@admin.register(Organisation)
class OrganisationAdmin(PortalModelAdmin):
    list_display = ["name_ja", "name_en", "country", "kind", "ror_id", "is_verified"]
    list_filter = ["kind", "is_verified", "country"]
    search_fields = ["name_ja", "name_en", "aliases__name", "ror_id"]
    raw_id_fields = ["successor", "created_by"]
    inlines = [AliasInline]
    save_service = services.organisation_save


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "action", "actor_label", "object_repr", "request_id"]
    list_filter = ["action"]
    search_fields = ["action", "object_repr", "actor_email", "actor_name", "request_id"]


@admin.register(GeneratedFile)
class GeneratedFileAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "exporter", "owner", "status", "progress", "filename"]
