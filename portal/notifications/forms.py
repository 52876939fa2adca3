from django import forms
from django.utils.translation import gettext_lazy as _

from portal.notifications import kinds
from portal.notifications.models import EmailMode


class PreferencesForm(forms.Form):
    """One choice per optional kind; mandatory kinds are shown, not editable."""

    def __init__(self, *args, initial_modes: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_modes = initial_modes or {}
        for kind in kinds.optional_kinds():
            self.fields[kind.code] = forms.ChoiceField(
                label=kind.label, choices=EmailMode.choices, widget=forms.RadioSelect,
                initial=initial_modes.get(kind.code, EmailMode.IMMEDIATE),
            )

    def modes(self) -> dict[str, str]:
        return dict(self.cleaned_data)


class ScheduleForm(forms.Form):
    """A schedule's time of day and reminder days, as the portal's own page edits them."""

    time = forms.TimeField(label=_("Time (Japan time)"), required=False,
                           widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    days_before = forms.CharField(
        label=_("Days before the due date"), required=False, max_length=50,
        help_text=_("Whole days, separated by commas, for example 14, 3."))

    def __init__(self, *args, schedule, task, options, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.notifications import schedules

        self.schedule = schedule
        if schedule.has_fixed_time and task is not None and task.crontab_id:
            cron = schedules.task_cron(task)
            self.fields["time"].required = True
            self.fields["time"].initial = f"{int(cron['hour']):02d}:{int(cron['minute']):02d}"
        else:
            del self.fields["time"]
        if "days_before" in schedule.options:
            self.fields["days_before"].required = True
            self.fields["days_before"].initial = ", ".join(
                str(n) for n in options.get("days_before", []))
        else:
            del self.fields["days_before"]

    def clean_days_before(self):
        raw = self.cleaned_data["days_before"].replace("、", ",")
        try:
            days = [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Enter whole numbers of days, separated by commas."))
        if not days or any(d < 0 or d > 365 for d in days):
            raise forms.ValidationError(_("Enter days between 0 and 365."))
        return days
