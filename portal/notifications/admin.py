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
    search_fields = ["recipient__email", "title"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
