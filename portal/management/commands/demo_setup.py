"""Load reference data (fixtures/*.json) and every app's demo data (``<app>/demo.py``)."""

from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load reference fixtures and demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--reference-only", action="store_true",
                            help="Load only the reference fixtures, no demo users or records.")

    def handle(self, *args, reference_only=False, **options):
        fixtures = sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
        if fixtures:
            call_command("loaddata", *[str(f) for f in fixtures], verbosity=0)
            self.stdout.write(f"Loaded {len(fixtures)} reference fixture file(s).")
        if reference_only:
            return
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
