from django import template

register = template.Library()


@register.inclusion_tag("followup/partials/_results_table.html")
def results_table(cat, results):
    """The numbers behind one category's chart: count and % per option, done share, YoY."""
    return {
        "cat": cat,
        "options": results.options,
        "rows": [(q, cat.results[q.number]) for q in results.questions],
    }


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""
