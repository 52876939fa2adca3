"""Copy the schedules declared in portal/notifications/schedules.py into django-celery-beat."""

from django.core.management.base import BaseCommand

from portal.notifications import schedules


class Command(BaseCommand):
    help = ("Create or update the periodic tasks of every declared schedule (idempotent; keeps "
            "times changed in the admin unless --reset).")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true",
                            help="Restore the declared times and options of existing tasks.")

    def handle(self, *args, reset=False, **options):
        result = schedules.sync(reset=reset)
        for name, state in result.items():
            self.stdout.write(f"  {name}: {state}")
        self.stdout.write(self.style.SUCCESS(f"{len(result)} schedules in sync"))
