"""Filter pieces shared by every list page (django-filter)."""

import django_filters
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _descending(label) -> str:
    return gettext("%s (descending)") % label


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's sort choice with the "(descending)" suffix in the portal's catalogue.

    django-filter ships no Japanese catalogue, so its own ``"%s (descending)"`` stayed English
    on Japanese pages; and it formats the label once, when the filter set is declared, so the
    label kept the language of that moment. Here the label is lazy: each reader gets it in
    their language.
    """

    descending_fmt = _("%s (descending)")

    def build_choices(self, fields, labels):
        choices = super().build_choices(fields, labels)
        ascending = dict(choices[0::2])
        return [(value, lazy(_descending, str)(ascending[value[1:]])
                 if value.startswith("-") and ("-" + value[1:]) not in labels
                 and value[1:] in ascending else label)
                for value, label in choices]
