"""The review queue's query parameters, validated by a form (a wrong value is ignored, never
turned into a server error)."""

from __future__ import annotations

from django import forms

from portal.forms import MAX_DB_INT, QueryParamsForm

MAX_AGE_DAYS = 36_500  # a hundred years: any longer age is every case


class CaseQueueParams(QueryParamsForm):
    status = forms.CharField(required=False, max_length=20)
    level = forms.CharField(required=False, max_length=20)
    department = forms.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    rule = forms.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    assignee = forms.CharField(required=False, max_length=12)
    age = forms.IntegerField(required=False, min_value=0, max_value=MAX_AGE_DAYS)
    concern = forms.CharField(required=False, max_length=40)
    # A heat-map cell of the register links here with both (the cases behind the cell).
    likelihood = forms.IntegerField(required=False, min_value=1, max_value=5)
    impact = forms.IntegerField(required=False, min_value=1, max_value=5)
    q = forms.CharField(required=False, max_length=200)
    sort = forms.CharField(required=False, max_length=20)

    def clean_assignee(self):
        """"none", "me" or the id of a user."""
        value = self.cleaned_data["assignee"]
        if value in ("", "none", "me"):
            return value
        return forms.IntegerField(min_value=1, max_value=MAX_DB_INT).clean(value)
