from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DueDiligenceConfig(AppConfig):
    """Research-security due diligence for designated programmes (DOMAIN.md §7)."""

    name = "riskmgmt.duediligence"
    label = "duediligence"
    verbose_name = _("Research-security due diligence")
