"""``manage.py followup_import FILE`` — import other institutions' answers (all-or-nothing)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from followup.resources import answers_import
from portal.audit import task_actor
from portal.errors import ApplicationError


class Command(BaseCommand):
    help = ("Import other institutions' answers from an .xlsx or .csv file in the layout of "
            "the Excel export. Checks every row first; imports nothing when any row is bad.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Only check the file.")

    def handle(self, *args, file, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        content = path.read_bytes()
        with task_actor(None, kind="system"):
            try:
                outcome = answers_import(content=content, filename=path.name, dry_run=True)
                if outcome.ok and not dry_run:
                    outcome = answers_import(content=content, filename=path.name, dry_run=False)
            except ApplicationError as exc:
                raise CommandError(exc.message)
        for message in outcome.base_errors:
            self.stderr.write(message)
        for err in outcome.errors:
            for message in err.messages:
                self.stderr.write(f"row {err.number}: {message}")
        if not outcome.ok:
            raise CommandError("Nothing was imported: the file has errors.")
        verb = "Checked" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {outcome.total} rows: {outcome.new} new, {outcome.updated} updated, "
            f"{outcome.skipped} unchanged."))
