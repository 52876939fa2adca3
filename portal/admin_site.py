from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The Django admin, opened to portal administrators (the admin role), not to is_staff."""

    site_header = _("Integrity portal administration")
    site_title = _("Integrity portal")

    def login(self, request, extra_context=None):
        """Never Django's own password form (it would skip MFA and axes): sign in through
        allauth; signed in without the admin role → 403."""
        from django.contrib.auth import REDIRECT_FIELD_NAME
        from django.contrib.auth.views import redirect_to_login
        from django.core.exceptions import PermissionDenied
        from django.urls import reverse

        if request.user.is_authenticated:
            raise PermissionDenied
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url)

    def has_permission(self, request):
        from portal.permissions import has_perm

        return request.user.is_active and (
            request.user.is_superuser or has_perm(request.user, "portal.institution.manage")
        )


class PortalModelAdmin(admin.ModelAdmin):
    """Admin pages writable by the admin role; saves go through a service when one is named."""

    save_service = None  # callable(instance=..., actor=...)

    def _allowed(self, request):
        from portal.permissions import has_perm

        return request.user.is_superuser or has_perm(request.user, "portal.institution.manage")

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
        if self.save_service is not None:
            type(self).save_service(instance=obj, actor=request.user)
        else:
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        """Every delete from the admin is audited (what was deleted, its values) with it."""
        from django.db import transaction

        from portal.services import admin_deleted

        with transaction.atomic():
            admin_deleted(instance=obj, actor=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        from django.db import transaction

        from portal.services import admin_deleted

        with transaction.atomic():
            for obj in queryset:
                admin_deleted(instance=obj, actor=request.user)
            super().delete_queryset(request, queryset)


class PortalTabularInline(admin.TabularInline):
    """An inline writable by the admin role (Django's model permissions are not used)."""

    def _allowed(self, request):
        from portal.permissions import has_perm

        return request.user.is_superuser or has_perm(request.user, "portal.institution.manage")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class ReadOnlyModelAdmin(PortalModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
