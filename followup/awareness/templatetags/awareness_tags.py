from django import template

from portal.permissions import has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def aw_perm(context, code, obj=None):
    """``{% aw_perm "awareness.activity.manage" as can_manage %}``."""
    request = context.get("request")
    return bool(request) and has_perm(request.user, code, obj)
