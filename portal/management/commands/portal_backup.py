"""``manage.py portal_backup DIR``: database and private files into a new directory."""

from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump or an SQLite copy) and PRIVATE_MEDIA_ROOT into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new (or empty) directory for this backup")

    def handle(self, *args, directory, **options):
        try:
            manifest = backup.backup(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backed up to {directory}: {backup.describe(manifest)}"))
