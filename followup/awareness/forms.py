from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from followup.awareness.models import (
    ActivityKind,
    AwarenessActivity,
    CaseStudy,
    Checklist,
    ChecklistCategory,
    ChecklistItem,
    RiskType,
)
from portal.forms import BoundedModelMultipleChoiceField
from portal.models import Department
from riskmgmt.models import MitigationMeasure


class DateInput(forms.DateInput):
    input_type = "date"


class ActivityForm(forms.ModelForm):
    url = forms.URLField(label=_("course URL"), required=False, assume_scheme="https")
    # bounded in the form: SQLite (the demo) does not check an integer column's range
    participants_count = forms.IntegerField(
        label=_("number of participants"), required=False, min_value=0, max_value=1_000_000,
        help_text=_("Head count when it is known without a list (e.g. a seminar); "
                    "otherwise the recorded attendance is counted."))

    class Meta:
        model = AwarenessActivity
        fields = ["kind", "title", "date", "audience", "departments", "description", "organiser",
                  "participants_count", "is_required", "due_date", "self_completion",
                  "pass_mark", "url", "case_studies"]
        widgets = {
            "date": DateInput(format="%Y-%m-%d"),
            "due_date": DateInput(format="%Y-%m-%d"),
            "departments": forms.CheckboxSelectMultiple,
            "case_studies": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"departments": BoundedModelMultipleChoiceField,
                         "case_studies": BoundedModelMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(is_active=True).order_by("code")
        self.fields["case_studies"].queryset = CaseStudy.objects.order_by("title")

    def clean(self):
        data = super().clean()
        if data.get("audience") == "departments" and not data.get("departments"):
            self.add_error("departments", _("Choose at least one department."))
        if data.get("self_completion") and data.get("kind") != ActivityKind.ELEARNING:
            self.add_error("self_completion", _("Only e-learning is completed by self-recording."))
        return data


class MaterialForm(forms.Form):
    file = forms.FileField(label=_("Material (PDF or image)"))


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label=_("Attendance file (CSV or XLSX)"),
        help_text=_("Columns: email (メールアドレス) or staff_number (職員番号); optional "
                    "attended (出席), completed_at (修了日時), note (備考)."),
    )


class AttendanceMarkForm(forms.Form):
    people = forms.CharField(
        label=_("People"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("E-mail addresses or staff numbers, one per line."),
    )
    attended = forms.TypedChoiceField(
        label=_("Mark as"), coerce=lambda v: v == "1", initial="1",
        choices=[("1", _("Attended / completed")), ("0", _("Did not attend"))],
    )


class QuizQuestionForm(forms.Form):
    text = forms.CharField(label=_("Quiz question"), widget=forms.Textarea(attrs={"rows": 2}))
    choice_1 = forms.CharField(label=_("Choice 1"), max_length=300)
    choice_2 = forms.CharField(label=_("Choice 2"), max_length=300)
    choice_3 = forms.CharField(label=_("Choice 3"), max_length=300, required=False)
    choice_4 = forms.CharField(label=_("Choice 4"), max_length=300, required=False)
    correct = forms.MultipleChoiceField(
        label=_("Correct choices"), widget=forms.CheckboxSelectMultiple,
        choices=[("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")],
    )

    def choices(self) -> list[tuple[str, bool]]:
        correct = set(self.cleaned_data["correct"])
        return [(self.cleaned_data.get(f"choice_{i}") or "", str(i) in correct)
                for i in range(1, 5)]


class ChecklistForm(forms.ModelForm):
    class Meta:
        model = Checklist
        fields = ["code", "title", "target", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ChecklistEditForm(forms.ModelForm):
    class Meta:
        model = Checklist
        fields = ["title", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["key", "order", "category", "text", "help_text", "answer_kind", "risk_answer",
                  "opens_case", "risk_concern"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2}),
                   "help_text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = ChecklistCategory.choices
        if editing:
            self.fields["key"].disabled = True


class PublishForm(forms.Form):
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class CaseStudyForm(forms.ModelForm):
    class Meta:
        model = CaseStudy
        fields = ["title", "summary", "scenario", "warning_signs", "institution_response",
                  "lessons", "related_rules", "risk_types", "related_measures"]
        widgets = {
            "scenario": forms.Textarea(attrs={"rows": 6}),
            "warning_signs": forms.Textarea(attrs={"rows": 4}),
            "institution_response": forms.Textarea(attrs={"rows": 4}),
            "lessons": forms.Textarea(attrs={"rows": 4}),
            "related_rules": forms.Textarea(attrs={"rows": 3}),
            "risk_types": forms.CheckboxSelectMultiple,
        }
        field_classes = {"risk_types": BoundedModelMultipleChoiceField,
                         "related_measures": BoundedModelMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk_types"].queryset = RiskType.objects.all()
        self.fields["related_measures"].queryset = MitigationMeasure.objects.select_related(
            "case", "inquiry").order_by("-id")
        self.fields["related_measures"].label_from_instance = _measure_label


def _measure_label(measure) -> str:
    owner = measure.case or measure.inquiry
    return f"{owner.reference} — {measure}" if owner is not None else str(measure)
