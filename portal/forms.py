"""Forms shared by every app: query-string parameters validated at the edge."""

from __future__ import annotations

from django import forms

MAX_DB_INT = 2**31 - 1  # the largest value an integer column holds on every database


class QueryParamsForm(forms.Form):
    """The parameters of a list page (filters, sort, search) read through a form.

    ``QueryParamsForm.clean_params(request.GET)`` gives the cleaned value of every valid field
    and leaves out the invalid ones: a hand-edited URL (``?age=²``, ``?fy=9999999999999``) shows
    the unfiltered list instead of a server error. Integer fields carry ``min_value`` and
    ``max_value`` so that no value overflows a column or a date.
    """

    @classmethod
    def clean_params(cls, params, **kwargs) -> dict:
        form = cls(params, **kwargs)
        form.is_valid()
        return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}


def fiscal_year_field(**kwargs) -> forms.IntegerField:
    """A fiscal year in a URL or form (1900–2200: every year a record can have)."""
    return forms.IntegerField(required=False, min_value=1900, max_value=2200, **kwargs)


def int_param(value, *, min_value: int = 0, max_value: int = MAX_DB_INT) -> int | None:
    """One integer read from a query or a post (through a form field), None when invalid."""
    try:
        return forms.IntegerField(min_value=min_value, max_value=max_value).clean(value)
    except forms.ValidationError:
        return None


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of records that refuses a key no integer column can hold before asking
    the database (SQLite raises OverflowError on such a key, a server error)."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        field = self.queryset.model._meta.pk if key == "pk" else self.queryset.model._meta.get_field(key)
        if field.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField",
                                         "BigIntegerField", "PositiveIntegerField"):
            for pk in value:
                if int_param(pk, min_value=-MAX_DB_INT * 2**32, max_value=MAX_DB_INT * 2**32) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice",
                        params={"value": pk})
        return super()._check_values(value)
