from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.forms import BoundedModelMultipleChoiceField

from .models import RegulationDocument


class CycleOpenForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("Fiscal year (Western, e.g. 2024)"),
                                     min_value=2019, max_value=2100)
    due_on = forms.DateField(label=_("Due date"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))


class AnswerForm(forms.Form):
    """One question's answer; the page shows seven of these with prefixes q1 … q7."""

    option = forms.TypedChoiceField(label=_("Answer"), coerce=int, required=False,
                                    empty_value=None, widget=forms.RadioSelect)
    note = forms.CharField(label=pgettext_lazy("survey answer", "Note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(label=_("Evidence"), required=False, max_length=8000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    use_suggestions = forms.BooleanField(
        label=_("Add the suggested evidence to the evidence text"), required=False)
    documents = BoundedModelMultipleChoiceField(
        label=_("Regulation documents"), required=False,
        queryset=RegulationDocument.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, question, options, documents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields["option"].choices = [(o.code, o.label) for o in options]
        if documents is not None:
            self.fields["documents"].queryset = documents
        else:
            del self.fields["documents"]


class AmendForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the amendment"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))


class RegulationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=RegulationDocument.Kind.choices)
    enacted_on = forms.DateField(label=_("Enacted on"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    revised_on = forms.DateField(label=_("Last revised on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("PDF file"))

    def clean(self):
        data = super().clean()
        enacted, revised = data.get("enacted_on"), data.get("revised_on")
        if enacted and revised and revised < enacted:
            self.add_error("revised_on", _("The revision date cannot be before the enactment date."))
        return data
