from django import template
from django.template.loader import render_to_string

from portal.audit import history_for, render_entry
from portal.fiscal import fiscal_year_label

register = template.Library()


@register.simple_tag
def render_audit(entry):
    return render_entry(entry)


@register.simple_tag(takes_context=True)
def audit_history(context, *targets, limit=50):
    """Render the readable history of one or more objects."""
    entries = list(history_for(*[t for t in targets if t is not None])[:limit])
    return render_to_string(
        "portal/partials/_history.html", {"entries": entries}, request=context.get("request")
    )


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def fiscal_year(year):
    try:
        return fiscal_year_label(int(year))
    except (TypeError, ValueError):
        return year
