from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    """The Django admin, opened to portal administrators (the admin role), not to is_staff."""

    site_header = _("Integrity portal administration")
    site_title = _("Integrity portal")

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


class ReadOnlyModelAdmin(PortalModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
