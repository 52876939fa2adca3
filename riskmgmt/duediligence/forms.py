"""Forms of due diligence. Institutions are typed by name and resolved against the portal's
organisation registry by the service (a name not in the registry is added to it)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import User
from riskmgmt.duediligence.items import ANSWER_ITEMS, CONSENT_TEXT, ITEMS, TABLE_ITEMS
from riskmgmt.duediligence.models import (
    ChecklistArea,
    MemberRole,
    Programme,
    Project,
    Questionnaire,
)

DATE = forms.DateInput(attrs={"type": "date"})


class ProgrammeForm(forms.ModelForm):
    critical_areas_text = forms.CharField(
        label=_("Critical technology areas (one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}))
    items_asked = forms.MultipleChoiceField(
        label=_("Items the self-declaration asks for"), required=False,
        choices=[(i.code, f"{i.number}. {i.label}") for i in ITEMS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all of them."))

    class Meta:
        model = Programme
        fields = ["agency_name", "name_ja", "name_en", "fiscal_year", "form_kind",
                  "funding_since", "requires_list_check", "measure_costs_chargeable"]
        widgets = {"funding_since": DATE}

    def clean(self):
        data = super().clean()
        self.instance.critical_technology_areas = [
            line.strip() for line in (data.get("critical_areas_text") or "").splitlines()
            if line.strip()]
        self.instance.required_items = list(data.get("items_asked") or [])
        return data


class ProjectForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"),
                                       queryset=Programme.objects.filter(is_active=True))
    title = forms.CharField(label=_("Title"), max_length=500)
    project_number = forms.CharField(label=_("Project number"), max_length=60, required=False)
    starts_on = forms.DateField(label=_("Start"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("End"), required=False, widget=DATE)
    lead_institution = forms.CharField(label=_("Lead institution"), max_length=300)
    partner_institutions = forms.CharField(
        label=_("Partner institutions (one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}))
    declarations_due = forms.DateField(label=_("Declarations due"), required=False, widget=DATE)

    def partner_names(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data.get("partner_institutions", "").splitlines()
                if n.strip()]


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Name (for a person without a portal account)"),
                           max_length=200, required=False)
    institution = forms.CharField(label=_("Institution"), max_length=300)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)

    def portal_user(self):
        return User.objects.filter(email__iexact=self.cleaned_data["email"], is_active=True).first()


class QuestionnaireForm(forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["result", "mitigation_needed", "later_members_rule", "partner_risks",
                  "measures_feasible", "feasibility_note"]
        widgets = {"later_members_rule": forms.Textarea(attrs={"rows": 2}),
                   "partner_risks": forms.Textarea(attrs={"rows": 2}),
                   "feasibility_note": forms.Textarea(attrs={"rows": 2}),
                   "mitigation_needed": forms.NullBooleanSelect()}


class MeasureForm(forms.Form):
    area = forms.ChoiceField(label=_("Checklist area"), choices=ChecklistArea.choices)
    description = forms.CharField(label=_("What is done"), widget=forms.Textarea(attrs={"rows": 2}))
    owner_email = forms.EmailField(label=_("Who (e-mail address of the owner)"))
    due_date = forms.DateField(label=_("By when"), widget=DATE)
    cost_amount = forms.DecimalField(label=_("Cost (yen)"), required=False, decimal_places=0,
                                     max_digits=14)
    charged_to_programme = forms.BooleanField(label=_("Charged to the programme"),
                                              required=False)

    def clean_owner_email(self):
        user = User.objects.filter(email__iexact=self.cleaned_data["owner_email"],
                                   is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No portal user has this e-mail address."))
        return user


class InquiryLinkForm(forms.Form):
    reference = forms.CharField(label=_("Inquiry reference"), max_length=20)


class SignForm(forms.Form):
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)
    signed_name = forms.CharField(label=_("Your name (signature)"), max_length=200,
                                  required=False)


def content_from_post(data, programme=None) -> dict:
    """The declaration's content from the declaration page's inputs
    (``<item>-<row>-<field>`` for tables, ``<item>-answer`` / ``<item>-note`` for answers);
    only the items the programme asks for."""
    content: dict = {}
    for item in TABLE_ITEMS:
        if programme is not None and not programme.asks_for(item.code):
            continue
        rows: dict[int, dict] = {}
        prefix = item.code + "-"
        for key in data:
            if not key.startswith(prefix):
                continue
            parts = key[len(prefix):].split("-", 1)
            if len(parts) != 2 or not parts[0].isdigit():
                continue
            rows.setdefault(int(parts[0]), {})[parts[1]] = data.get(key, "")
        content[item.code] = [rows[i] for i in sorted(rows)]
    for item in ANSWER_ITEMS:
        if programme is not None and not programme.asks_for(item.code):
            continue
        content[item.code] = {"answer": data.get(f"{item.code}-answer", ""),
                              "note": data.get(f"{item.code}-note", "")}
    return content


def project_initial(project: Project) -> dict:
    return {"title": project.title}
