from django import template

from portal.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """Unread notifications of the signed-in user (one COUNT query, cached per render)."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    cache_holder = request if request is not None else context
    cached = getattr(cache_holder, "_unread_notifications", None)
    if cached is None:
        cached = unread_count(user=user)
        try:
            cache_holder._unread_notifications = cached
        except AttributeError:
            pass
    return cached
