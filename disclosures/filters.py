"""django-filter sets of the disclosures app."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from disclosures.models import DisclosureVersion
from portal.filters import OrderingFilter
from portal.models import Department
from portal.search import person_q
from portal.widgets import Select

STATUS_CHOICES = [
    ("submitted", _("Submitted")), ("under_review", _("Under review")),
    ("returned", _("Returned")), ("accepted", _("Accepted")),
]


class ReviewQueueFilter(django_filters.FilterSet):
    """Search, filters and sorting of the review queue. No status: waiting for review."""

    q = django_filters.CharFilter(label=_("Researcher"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUS_CHOICES,
                                         empty_label=_("Waiting for review"), widget=Select)
    department = django_filters.ModelChoiceFilter(
        label=_("Department"), field_name="disclosure__department", to_field_name="public_id",
        queryset=Department.objects.none(), empty_label=_("All"), widget=Select)
    order = OrderingFilter(
        label=_("Sort by"), empty_label=None, widget=Select,
        fields=(("submitted_at", "submitted"), ("disclosure__owner__family_name", "name")),
        field_labels={"submitted_at": _("Submission date"),
                      "disclosure__owner__family_name": pgettext_lazy("person", "Name")},
    )

    class Meta:
        model = DisclosureVersion
        fields = ["q", "status", "department"]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.filters["department"].queryset = departments

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(person_q(value, "disclosure__owner"))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=DisclosureVersion.PENDING_REVIEW)
        if not self.form.cleaned_data.get("order"):
            queryset = queryset.order_by("submitted_at", "id")
        return queryset
