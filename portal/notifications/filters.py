"""Filters of the delivery log (django-filter)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.filters import OrderingFilter
from portal.notifications import kinds
from portal.notifications.models import Delivery
from portal.search import person_q


def _kind_choices():
    return [(k.code, k.label) for k in kinds.KINDS.values()] + [
        (Delivery.DIGEST_KIND, _("Daily digest"))
    ]


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Outcome"), choices=Delivery.Status.choices,
                                         empty_label=_("Any"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=_kind_choices,
                                       empty_label=_("Any"))
    recipient = django_filters.CharFilter(label=_("Recipient"), method="filter_recipient")
    date_from = django_filters.DateFilter(label=pgettext_lazy("date", "From"), field_name="created_at",
                                          lookup_expr="date__gte",
                                          widget=forms.DateInput(
                                              attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=pgettext_lazy("date", "To"), field_name="created_at",
                                        lookup_expr="date__lte",
                                        widget=forms.DateInput(
                                            attrs={"type": "date"}))
    ordering = OrderingFilter(
        label=_("Sort by"),
        fields=(("created_at", "created"), ("sent_at", "sent"), ("attempts", "attempts")),
        field_labels={"created_at": _("Created"), "sent_at": _("Sent"),
                      "attempts": _("Attempts")},
    )

    class Meta:
        model = Delivery
        fields = ["status", "kind"]

    def filter_recipient(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(person_q(value, "recipient"))
