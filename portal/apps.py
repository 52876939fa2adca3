from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = _("Portal core")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its permissions, audit renderers, dashboard widgets, exporters and
        # panels on other apps' pages in modules of these names; importing them registers them.
        autodiscover_modules("permissions")
        autodiscover_modules("audit_renderers")
        autodiscover_modules("dashboard")
        autodiscover_modules("exports")
        autodiscover_modules("panels")
        autodiscover_modules("imports")  # each app's import kinds (portal/imports.py: pipeline)
        # purge: the purge_files schedule and the core's purgers.
        from portal import (
            core_dashboard,  # noqa: F401
            purge,  # noqa: F401
            roster,  # noqa: F401  (the roster's import kind)
        )

