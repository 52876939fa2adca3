"""``manage.py portal_restore DIR``: a ``portal_backup`` into an empty database and files root."""

from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = ("Restore a portal_backup directory into the configured database, which must be empty "
            "(a newly created one), and into an empty PRIVATE_MEDIA_ROOT.")

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by portal_backup")

    def handle(self, *args, directory, **options):
        try:
            manifest = backup.restore(directory)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {backup.describe(manifest)}."))
        self.stdout.write("Run `manage.py migrate` if this code is newer than the backup.")
