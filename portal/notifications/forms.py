from django import forms

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
