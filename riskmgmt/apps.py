from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskmgmtConfig(AppConfig):
    name = "riskmgmt"
    label = "riskmgmt"
    verbose_name = _("Risk management")
