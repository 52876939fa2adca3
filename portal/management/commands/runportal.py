"""Serve the portal for a demo or development: a Celery worker (with beat) plus runserver.

Used by ``make run``. The worker uses the configured broker (Redis with REDIS_URL, otherwise
the filesystem transport in var/celery), so exports and reminders run in the background just
as in production.
"""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, USERS


class Command(BaseCommand):
    help = "Run a Celery worker with beat and the development server on ADDR:PORT."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, addrport, no_worker, **options):
        worker = None
        if not no_worker and not settings.CELERY_TASK_ALWAYS_EAGER:
            celery = os.path.join(os.path.dirname(sys.executable), "celery")
            worker = subprocess.Popen(  # noqa: S603 - fixed arguments
                [celery, "-A", "portal", "worker", "-B", "--pool=solo", "--loglevel=WARNING",
                 "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
            )
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        banner = [
            "",
            "=" * 70,
            f"  Integrity portal: http://{host}/",
            f"  Demo logins (password: {DEMO_PASSWORD}):",
        ]
        for email, family, given, *_rest, roles in USERS:
            names = ", ".join(r[0] if isinstance(r, tuple) else str(r) for r in roles)
            banner.append(f"    {email:<28} {family} {given}  [{names}]")
        banner += [
            "  Staff and administrators set up an authenticator app (TOTP) at first login.",
            "  Mail is written to var/mail/ unless EMAIL_HOST is set.",
            "=" * 70,
            "",
        ]
        self.stdout.write("\n".join(banner))
        # Stop the worker too when this command is terminated, not only on Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
        try:
            call_command("runserver", host, use_reloader=False)
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
