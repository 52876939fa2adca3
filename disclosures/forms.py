"""Forms of the disclosures app. They validate input; services apply the rules and save."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from disclosures.models import ItemComment, UpdateCampaign
from disclosures.sections import Section
from portal.currencies import currency_choices
from portal.fiscal import fiscal_year_of
from portal.forms import MAX_DB_INT, QueryParamsForm, int_param
from portal.models import Organisation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def item_form_class(section: Section) -> type[forms.ModelForm]:
    """A ModelForm for one section's items, with the organisation picker."""
    fields = list(section.fields)
    widgets = {}
    for name in fields:
        if name == "organisation":
            continue
        field = section.field(name)
        if field.get_internal_type() == "DateField":
            widgets[name] = DateInput()
        elif field.get_internal_type() == "TextField":
            widgets[name] = forms.Textarea(attrs={"rows": 2})

    class ItemForm(forms.ModelForm):
        organisation = forms.ModelChoiceField(
            queryset=Organisation.objects.all(), to_field_name="public_id", required=False,
            label=section.organisation_label,
        )
        new_organisation_name_ja = forms.CharField(
            label=_("New organisation: name in Japanese"), required=False, max_length=300)
        new_organisation_name_en = forms.CharField(
            label=_("New organisation: name in English"), required=False, max_length=300)
        new_organisation_country = LazyTypedChoiceField(
            label=_("New organisation: country/region"), required=False,
            choices=lambda: [("", "---------")] + list(countries))

        class Meta:
            model = section.model
            fields = list(section.fields)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["organisation"].widget.attrs["data-org-select"] = "1"
            # Keep the picker small: only the chosen organisation is listed until a search.
            chosen = self.instance.organisation_id if self.instance.pk else None
            if chosen:
                self.initial["organisation"] = str(self.instance.organisation.public_id)
            data_value = self.data.get(self.add_prefix("organisation")) if self.is_bound else None
            qs = Organisation.objects.none()
            if chosen:
                qs = Organisation.objects.filter(pk=chosen)
            try:
                data_value = uuid.UUID(str(data_value)) if data_value else None
            except ValueError:
                data_value = None  # the field itself refuses it: "select a valid choice"
            if data_value:
                qs = Organisation.objects.filter(public_id=data_value) if not chosen else (
                    Organisation.objects.filter(pk=chosen)
                    | Organisation.objects.filter(public_id=data_value))
            self.fields["organisation"].queryset = Organisation.objects.all()
            self.fields["organisation"].widget.choices = [("", "---------")] + [
                (str(o.public_id), str(o)) for o in qs
            ]

    for name, widget in widgets.items():
        ItemForm.base_fields[name].widget = widget
    if "currency" in ItemForm.base_fields:
        # ISO 4217 codes to choose from, named in the reader's language (evaluated per form).
        ItemForm.base_fields["currency"] = forms.ChoiceField(
            label=section.field("currency").verbose_name, required=False,
            choices=currency_choices)
    return ItemForm


class SubmitForm(forms.Form):
    attest = forms.BooleanField(
        label=_("I attest that this disclosure is complete and true to the best of my knowledge."),
        required=False)
    change_note = forms.CharField(label=_("What changed (optional)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class NoChangeForm(forms.Form):
    attest = forms.BooleanField(
        label=_("Nothing has changed since my last accepted disclosure, and it is complete and "
                "true."), required=False)


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("What should the researcher change?"),
                              widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AcceptForm(forms.Form):
    comment = forms.CharField(label=_("Comment (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}),
                           required=False)
    visibility = forms.ChoiceField(label=_("Visible to"), choices=ItemComment.Visibility.choices,
                                   initial=ItemComment.Visibility.RESEARCHER)
    item_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    section = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, PNG or JPEG)"), required=False,
                           widget=forms.FileInput)
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    item_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    section = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("researchmap export (JSONL or API JSON) or ORCID record (JSON or XML)"),
        required=False, widget=forms.FileInput)  # nothing to clear: no "file-clear" → False


class PledgeForm(forms.Form):
    funder_name = forms.CharField(label=_("Funder"), max_length=300)
    programme = forms.CharField(label=_("Programme"), max_length=300)
    application_title = forms.CharField(label=_("Application title"), max_length=500,
                                        required=False)
    pledged_on = forms.DateField(label=_("Date of the pledge"), widget=DateInput())


class CampaignForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("Fiscal year"), min_value=2019, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    message = forms.CharField(label=_("Message to researchers"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].initial = fiscal_year_of()


class UpdateCampaignChoice(forms.Form):
    campaign = forms.ModelChoiceField(queryset=UpdateCampaign.objects.all(),
                                      to_field_name="public_id")


def _version_number(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT, **kwargs)


class VersionParamsForm(QueryParamsForm):
    """``?v=`` of a disclosure page: the version shown (the latest when absent)."""

    v = _version_number()


class DiffParamsForm(QueryParamsForm):
    """``?a=&b=`` of the diff page: the two versions compared (the last two when absent)."""

    a = _version_number()
    b = _version_number()


def lock_version_from(data) -> int | None:
    """The ``lock_version`` a form posted (optimistic locking): None when absent (no check,
    as for a form without one); a value that is not a lock version (hand-edited, overflowing)
    is -1, which no draft has, so the service refuses the edit as stale."""
    raw = data.get("lock_version")
    if raw in (None, ""):
        return None
    value = int_param(raw, min_value=0)
    return -1 if value is None else value
