"""Forms of risk management: input only; the services do the work."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.forms import BoundedModelMultipleChoiceField
from portal.models import User
from riskmgmt.models import (
    Case,
    Concern,
    Flag,
    FundingAgencyInquiry,
    ListFormat,
    ListKind,
    MeasureKind,
    MitigationMeasure,
    ScreeningList,
)
from riskmgmt.rules import RULE_TYPES

DATE = forms.DateInput(attrs={"type": "date"})


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} <{obj.email}>"


class UserPickField(forms.ChoiceField):
    """A choice among a list of users loaded once per page (shared by several forms)."""

    def __init__(self, *, users=(), **kwargs):
        self.users = {str(u.pk): u for u in users}
        choices = [("", "---------")] + [(pk, f"{u.display_name} <{u.email}>")
                                         for pk, u in self.users.items()]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.users.get(str(value)) if value else None


def owner_choices(case: Case | None = None):
    cond = Q(role_assignments__role__in=["office_staff", "admin"])
    if case is not None:
        cond |= Q(pk=case.researcher_id)
    return User.objects.filter(cond, is_active=True).distinct().order_by("family_name", "email")


def _likelihood_choices():
    from riskmgmt.selectors import scale_choices

    return scale_choices("likelihood")


def _impact_choices():
    from riskmgmt.selectors import scale_choices

    return scale_choices("impact")


class ScaledForm(forms.Form):
    """Likelihood and impact, each point shown with what it means (administrators word the
    scales at /risk/scales/); an unassessed case starts with nothing chosen."""

    likelihood = forms.TypedChoiceField(label=_("Likelihood (1–5)"), coerce=int,
                                        choices=_likelihood_choices)
    impact = forms.TypedChoiceField(label=_("Impact (1–5)"), coerce=int, choices=_impact_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("likelihood", "impact"):
            field = self.fields[name]
            field.choices = [("", _("(choose)")), *field.choices]


class AssessmentForm(ScaledForm):
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def for_case(cls, case, data=None):
        """The form showing the case's current assessment (what was saved last)."""
        return cls(data, initial={"likelihood": case.likelihood, "impact": case.impact,
                                  "rationale": case.rationale})


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"),
                                 choices=[("", _("(choose)")),
                                          *[c for c in Case.Decision.choices if c[0]]])
    note = forms.CharField(label=_("Reasons"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def for_case(cls, case, data=None):
        return cls(data, initial={"decision": case.decision, "note": case.decision_note})


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    field_order = ["kind", "description", "owner", "due_date"]

    def __init__(self, *args, case=None, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = list(owner_choices(case)) if users is None else users
        self.fields["owner"] = UserPickField(label=_("Owner"), users=users)
        self.order_fields(self.field_order)


class MeasureStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MitigationMeasure.Status.choices)


class ContingencyForm(forms.Form):
    trigger = forms.CharField(label=_("When it applies"), widget=forms.Textarea(attrs={"rows": 2}))
    actions = forms.CharField(label=_("What is done"), widget=forms.Textarea(attrs={"rows": 3}))
    def __init__(self, *args, case=None, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = list(owner_choices(case)) if users is None else users
        self.fields["responsible"] = UserPickField(label=_("Responsible"), users=users,
                                                   required=False)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 2}))
    next_review_date = forms.DateField(label=_("Next review"), required=False, widget=DATE)


class AskForm(forms.Form):
    question = forms.CharField(label=_("Question to the researcher"),
                               widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Answer by"), required=False, widget=DATE)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for closing"), widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(label=_("Merge into the case"), queryset=Case.objects.none())

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["into"]
        field.queryset = (Case.objects.filter(researcher_id=case.researcher_id)
                          .exclude(status=Case.Status.CLOSED).exclude(pk=case.pk)
                          .order_by("opened_at"))
        field.label_from_instance = lambda c: f"{c.reference} — {c.get_concern_display()}"
        # The choices once (the page tests for them and renders them).
        field.choices = list(field.choices)


class SplitForm(forms.Form):
    flags = BoundedModelMultipleChoiceField(label=_("Flags to move"), queryset=Flag.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)
    concern = forms.ChoiceField(label=_("To the case of the concern"), choices=())

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flags"].queryset = Flag.objects.filter(case=case)
        self.fields["flags"].label_from_instance = lambda f: f.reason[:120]
        self.fields["concern"].choices = [c for c in Concern.choices if c[0] != case.concern]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}))
    attachment = MultipleFileField(
        label=_("Attach files (optional)"), required=False,
        help_text=_("PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx), for example a copy of a "
                    "contract."))


class BulkAssignForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(queryset=Case.objects.none(), label=_("Cases"))
    assignee = UserChoiceField(label=_("Assign to"), queryset=User.objects.none(), required=False,
                               empty_label=_("(nobody)"))

    def __init__(self, *args, case_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = case_queryset if case_queryset is not None else Case.objects.none()
        self.fields["cases"].to_field_name = "public_id"
        self.fields["assignee"].queryset = owner_choices(None)


class HitReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("clear", _("Clear as false positive")),
                                        ("confirm", _("Confirm"))], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}),
                             required=False)


class ImportForm(forms.Form):
    screening_list = forms.ModelChoiceField(label=_("List"), queryset=ScreeningList.objects.all(),
                                            required=False, empty_label=_("(a new list)"))
    new_name = forms.CharField(label=_("Name of a new list"), required=False, max_length=200)
    format = forms.ChoiceField(label=_("Format"), choices=ListFormat.choices)
    kind = forms.ChoiceField(label=_("Kind of a new list"), required=False,
                             choices=[("", _("(the format's usual kind)")), *ListKind.choices],
                             help_text=_("Shown on every hit: export control, named research "
                                         "organisation, military end user, sanctions…"))
    label = forms.CharField(label=_("Release label"), required=False, max_length=100,
                            help_text=_("For example the revision date, 2025-09-29."))
    file = forms.FileField(label=_("File"), help_text=_(
        "METI: the Excel workbook as published (.xlsx) or its cells as CSV. CSL and generic: "
        "CSV. CSL JSON: the JSON file trade.gov publishes. OpenSanctions: a dataset's "
        "entities.ftm.json."))

    def clean(self):
        data = super().clean()
        lst = data.get("screening_list")
        if lst is not None and data.get("format") and lst.format != data["format"]:
            self.add_error("format", _("This list is imported in the format “%(f)s”.")
                           % {"f": lst.get_format_display()})
        if lst is None and not data.get("new_name"):
            self.add_error("new_name", _("Name the new list, or choose an existing one."))
        return data


class CheckForm(forms.Form):
    names = forms.CharField(label=_("Names (one per line)"), widget=forms.Textarea(attrs={"rows": 4}))
    threshold = forms.FloatField(label=_("Minimum score"), initial=88, min_value=50, max_value=100)


class RuleForm(forms.Form):
    """Built from the rule type's declared parameters: nothing else can be set."""

    is_enabled = forms.BooleanField(label=_("Enabled"), required=False)
    note = forms.CharField(label=_("Why the change"), required=False, max_length=300)

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.initial.setdefault("is_enabled", rule.is_enabled)
        for key, spec in RULE_TYPES[rule.rule_type].params.items():
            value = rule.params.get(key, spec.default)
            name = f"p_{key}"
            if spec.kind == "number":
                self.fields[name] = forms.FloatField(label=spec.label, min_value=spec.minimum,
                                                     max_value=spec.maximum)
            elif spec.kind == "bool":
                self.fields[name] = forms.BooleanField(label=spec.label, required=False)
            elif spec.kind == "choices":
                self.fields[name] = forms.MultipleChoiceField(
                    label=spec.label, choices=list(spec.choices.items()),
                    widget=forms.CheckboxSelectMultiple)
            elif spec.kind == "org_countries":
                self.fields[name] = forms.CharField(
                    label=spec.label, required=False,
                    help_text=_("ISO codes of organisations' countries/regions, separated by commas."))
                value = ", ".join(value or [])
            self.initial.setdefault(name, value)

    def params(self) -> dict:
        out = {}
        for key, spec in RULE_TYPES[self.rule.rule_type].params.items():
            value = self.cleaned_data.get(f"p_{key}")
            if spec.kind == "org_countries":
                value = [v.strip() for v in (value or "").split(",") if v.strip()]
            out[key] = value
        return out


class InquiryForm(forms.ModelForm):
    researcher_emails = forms.CharField(
        label=_("Researchers (e-mail addresses, one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}))
    case_references = forms.CharField(
        label=_("Linked cases (references, one per line)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = FundingAgencyInquiry
        fields = ["agency_name", "programme", "project_title", "project_number", "question",
                  "received_on", "deadline", "status"]
        widgets = {"received_on": DATE, "deadline": DATE,
                   "question": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency_name"].required = True
        if self.instance.pk:
            self.initial.setdefault("researcher_emails", "\n".join(
                u.email for u in self.instance.researchers.all()))
            self.initial.setdefault("case_references", "\n".join(
                c.reference for c in self.instance.cases.all()))

    def clean_researcher_emails(self):
        emails = [e.strip().lower() for e in self.cleaned_data["researcher_emails"].split() if e.strip()]
        users = list(User.objects.filter(email__in=emails))
        missing = sorted(set(emails) - {u.email for u in users})
        if missing:
            raise forms.ValidationError(_("No user with the address %(emails)s.")
                                        % {"emails": ", ".join(missing)})
        return users

    def clean_case_references(self):
        refs = [r.strip() for r in self.cleaned_data["case_references"].split() if r.strip()]
        cases = list(Case.objects.filter(reference__in=refs))
        missing = sorted(set(refs) - {c.reference for c in cases})
        if missing:
            raise forms.ValidationError(_("No case with the reference %(refs)s.")
                                        % {"refs": ", ".join(missing)})
        return cases


class InquiryAssessForm(ScaledForm):
    assessment = forms.CharField(label=_("Project-level assessment"),
                                 widget=forms.Textarea(attrs={"rows": 4}))


class InquiryRespondForm(forms.Form):
    response_text = forms.CharField(label=_("Response to the funding agency"),
                                    widget=forms.Textarea(attrs={"rows": 6}))


class ScaleLevelsForm(forms.Form):
    """The wording of every point of both scales, in Japanese and English."""

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils import translation

        from riskmgmt.models import ScaleAxis
        from riskmgmt.selectors import SCALE_DEFAULTS

        self.rows = []
        for axis in ScaleAxis:
            for value in range(1, 6):
                ja, en = current.get(f"{axis.value}:{value}", ["", ""])
                names = (f"{axis.value}_{value}_ja", f"{axis.value}_{value}_en")
                for name, language, text in ((names[0], "ja", ja), (names[1], "en", en)):
                    with translation.override(language):
                        default = str(SCALE_DEFAULTS[axis.value][value])
                    label = (_("%(scale)s %(point)s (Japanese)") if language == "ja" else
                             _("%(scale)s %(point)s (English)")) % {"scale": axis.label,
                                                                    "point": value}
                    self.fields[name] = forms.CharField(
                        label=label, required=False, max_length=200, initial=text,
                        widget=forms.TextInput(attrs={"placeholder": default,
                                                      "aria-label": label}))
                self.rows.append((axis, value, self[names[0]], self[names[1]]))

    def levels(self) -> dict[tuple[str, int], tuple[str, str]]:
        d = self.cleaned_data
        return {(axis.value, value): (d[f"{axis.value}_{value}_ja"].strip(),
                                      d[f"{axis.value}_{value}_en"].strip())
                for axis, value, _ja, _en in self.rows}
