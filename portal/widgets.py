"""Form widgets shared by the apps."""

from __future__ import annotations

from django import forms


class Select(forms.Select):
    """A select whose options are written by its own template, not one include per option.

    Django's ``select.html`` includes ``select_option.html`` and ``attrs.html`` for every option:
    the department list (150 options) made that a fifth of the disclosure review queue's time.
    Options carry no attributes but ``selected``, as with Django's ``Select``. Hand-written
    filter bars use the ``{% select_options %}`` tag of ``portal`` for the same reason.
    """

    template_name = "portal/widgets/select.html"
