from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from portal.audit import history_for, render_entry
from portal.fiscal import fiscal_year_label

register = template.Library()


@register.simple_tag
def render_audit(entry):
    return render_entry(entry)


@register.simple_tag(takes_context=True)
def audit_history(context, *targets, limit=50):
    """Render the readable history of one or more objects, as a region named by its heading;
    the heading's id is made of the objects' so each history on a page is its own landmark."""
    targets = [t for t in targets if t is not None]
    entries = list(history_for(*targets)[:limit])
    history_id = "-".join(["history"] + [f"{t._meta.model_name}-{t.pk}" for t in targets])
    return render_to_string(
        "portal/partials/_history.html", {"entries": entries, "history_id": history_id},
        request=context.get("request"),
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


@register.simple_tag
def select_options(choices, selected="", blank=None):
    """``<option>`` elements for ``(value, label)`` pairs, ``selected`` marked — built in one
    call rather than a template loop (long lists such as the department tree render in every
    filter bar). ``blank``: the label of a leading empty option."""
    selected = "" if selected is None else str(selected)
    items = [("", blank)] if blank is not None else []
    items.extend(choices)
    return format_html_join(
        "", '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if str(value) == selected else "", label)
         for value, label in items))


@register.filter
def amount(value):
    """A number as a reader reads it in a document: 13,000,000 (thousands separated, no
    trailing zeros: 8.0 → 8, 2.5 → 2.5); anything that is not a number is shown as it is."""
    import decimal

    from django.contrib.humanize.templatetags.humanize import intcomma

    if isinstance(value, bool) or value is None or value == "":
        return value
    try:
        number = decimal.Decimal(str(value).replace(",", ""))
    except (decimal.InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    if number == number.to_integral_value():
        return intcomma(int(number), use_l10n=False)
    whole, _, fraction = f"{number.normalize():f}".partition(".")
    return f"{intcomma(int(whole), use_l10n=False)}.{fraction}" if whole not in ("-0",) else f"-0.{fraction}"
