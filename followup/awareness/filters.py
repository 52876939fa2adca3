"""List filters (django-filter) of the awareness pages."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from followup.awareness.models import (
    ActivityKind,
    AwarenessActivity,
    ChecklistResponse,
    ResponseStatus,
)
from portal.filters import OrderingFilter
from portal.models import Department
from portal.search import person_q, text_q
from portal.widgets import Select


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ActivityKind.choices,
                                       empty_label=_("All"))
    fy = django_filters.NumberFilter(label=_("Fiscal year"), field_name="fiscal_year")
    sort = OrderingFilter(
        label=_("Sort"), empty_label=None,
        fields=(("date", "date"), ("title", "title")),
        field_labels={"date": _("Oldest first"), "-date": _("Newest first"),
                      "title": _("Title")},
    )

    class Meta:
        model = AwarenessActivity
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class ResponseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    fy = django_filters.NumberFilter(label=_("Fiscal year"), field_name="fiscal_year")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ResponseStatus.choices,
                                         empty_label=_("All"))
    department = django_filters.ModelChoiceFilter(
        label=_("Department"), queryset=Department.objects.filter(is_active=True).order_by("code"),
        method="in_department", empty_label=_("All"), widget=Select,
    )
    risk = django_filters.BooleanFilter(label=_("Only with risk answers"), method="with_risk",
                                        widget=django_filters.widgets.BooleanWidget())

    class Meta:
        model = ChecklistResponse
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(person_q(value, "respondent")
                               | text_q(value, "checklist__title"))

    def in_department(self, queryset, name, value):
        from portal.permissions import department_subtree_ids

        return queryset.filter(respondent__department__in=department_subtree_ids([value.pk]))

    def with_risk(self, queryset, name, value):
        if value:
            return queryset.filter(answers__signals_risk=True).distinct()
        return queryset

