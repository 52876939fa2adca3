"""``manage.py institutions_load_mext [FILE ...]`` — the university registry from MEXT's list."""

from django.core.management.base import BaseCommand, CommandError

from followup import mext
from followup.services import institutions_load_mext
from portal.audit import task_actor


class Command(BaseCommand):
    help = ("Create or update universities (school code, name, 国立/公立/私立 category) from "
            "MEXT's list. Without FILE, the copies shipped in followup/data/ are used. A CSV "
            "is the registry; a JSON (大学一覧) adds English names.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*")

    def handle(self, *args, files, **options):
        if not files:
            records = mext.default_records()
        else:
            csvs = [f for f in files if not f.lower().endswith(".json")]
            jsons = [f for f in files if f.lower().endswith(".json")]
            try:
                registry = [r for f in (csvs or jsons) for r in mext.read_path(f)]
                names = [r for f in jsons for r in mext.read_path(f)] if csvs else []
            except (OSError, ValueError) as exc:
                raise CommandError(str(exc))
            records = mext.merge(registry, names)
        with task_actor(None, kind="system"):
            stats = institutions_load_mext(records=records)
        self.stdout.write(self.style.SUCCESS(
            f"Institutions: {stats.created} created, {stats.updated} updated, "
            f"{stats.unchanged} unchanged, {len(stats.skipped)} skipped."))
