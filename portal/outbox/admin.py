from django.contrib import admin

from portal.outbox.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "key", "state", "attempts", "run_after", "locked_until",
                    "created_at", "finished_at")
    list_filter = ("state", "kind")
    search_fields = ("kind", "key", "last_error")
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
