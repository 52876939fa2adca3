"""Dashboard widget: the user's unread notifications (two queries at most)."""

from django.utils.translation import gettext_lazy as _

from portal.dashboard import Widget, provider
from portal.notifications.models import Notification
from portal.permissions import has_perm


@provider
def unread_notifications(request):
    user = request.user
    if not has_perm(user, "notifications.own.view"):
        return None
    latest = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .order_by("-created_at", "-id")[:5]
    )
    if len(latest) < 5:
        count = len(latest)
    else:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    request._unread_notifications = count  # the header bell reuses it: no second COUNT
    if not latest:
        return None
    return Widget(title=str(_("Unread notifications")),
                  template="notifications/partials/_widget.html",
                  context={"notes": latest, "count": count}, order=5)


@provider
def failed_deliveries(request):
    """Administrators: notification e-mails that failed for good (one query)."""
    if not has_perm(request.user, "notifications.delivery.view"):
        return None
    from portal.notifications.models import Delivery

    count = Delivery.objects.filter(status=Delivery.Status.FAILED).count()
    if not count:
        return None
    return Widget(title=str(_("Notification e-mails that failed")),
                  template="notifications/partials/_widget_failed.html",
                  context={"count": count}, order=15)
