"""Prepare the database for the portal: migrate, then install the periodic schedules.

Run by ``bin/portal init`` (docker-compose's ``init`` service, the CI smoke stage). Safe to run
twice or concurrently: on PostgreSQL a session advisory lock serialises concurrent runs (the
second one waits, then finds nothing to do); on SQLite a file lock in PORTAL_VAR_DIR does the
same. Both steps are idempotent (``sync_schedules`` never overwrites a time changed in the admin).
"""

import contextlib
import fcntl

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

LOCK_KEY = 7_302_451_120  # any constant bigint shared by every portal_init run


@contextlib.contextmanager
def init_lock():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    else:
        with open(settings.VAR_DIR / "init.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class Command(BaseCommand):
    help = "Migrate and sync the periodic schedules (idempotent, safe to run concurrently)."

    def handle(self, *args, **options):
        with init_lock():
            call_command("migrate", interactive=False, verbosity=1, stdout=self.stdout)
            call_command("sync_schedules", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("portal init: done"))
