"""Set or clear the superuser / staff flags of an account: the one way to change them.

The Django admin has no form for them (they open the admin and every permission); this command
changes them through ``portal.services.user_flags_set``, audited as
``portal.user.flags_changed`` with the values before and after and the reason given.

    manage.py portal_admin_flags alice@example.ac.jp --superuser on --reason "break-glass"
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal import services
from portal.audit import task_actor
from portal.models import User

CHOICES = {"on": True, "off": False}


class Command(BaseCommand):
    help = "Set or clear the superuser / staff flags of an account (audited)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--superuser", choices=sorted(CHOICES))
        parser.add_argument("--staff", choices=sorted(CHOICES))
        parser.add_argument("--reason", required=True, help="why (kept in the audit entry)")

    def handle(self, *args, email, superuser, staff, reason, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the e-mail {email}.")
        flags = {}
        if superuser is not None:
            flags["is_superuser"] = CHOICES[superuser]
        if staff is not None:
            flags["is_staff"] = CHOICES[staff]
        if not flags:
            raise CommandError("Give --superuser and/or --staff.")
        with task_actor(kind="system"):
            services.user_flags_set(user=user, reason=reason, **flags)
        self.stdout.write(f"{user.email}: superuser={user.is_superuser} staff={user.is_staff}")
