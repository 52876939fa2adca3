"""Create the home institution and the first administrator (see portal/bootstrap.py)."""

import getpass
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal import bootstrap
from portal.errors import ApplicationError


class Command(BaseCommand):
    help = ("Create the home institution and the first administrator (idempotent). Values come "
            "from PORTAL_BOOTSTRAP_* variables or, when missing, from prompts.")

    def add_arguments(self, parser):
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive",
                            help="Never prompt: take every value from PORTAL_BOOTSTRAP_*.")

    def handle(self, *args, interactive=True, **options):
        interactive = interactive and sys.stdin.isatty()
        values = {key: (os.environ.get(name) or "").strip() for key, name in bootstrap.ENV.items()}
        prompts = {
            "admin_email": _("Administrator's e-mail address"),
            "admin_family_name": _("Administrator's family name"),
            "admin_given_name": _("Administrator's given name"),
        }
        if bootstrap.needs_institution():
            prompts = {
                "institution_code": _("Institution code (MEXT school code)"),
                "institution_name": _("Institution name (Japanese)"),
                "institution_name_en": _("Institution name (English)"),
                "institution_category": _("Institution category code [%(default)s]")
                % {"default": bootstrap.DEFAULT_CATEGORY},
                **prompts,
            }
        if interactive:
            for key, prompt in prompts.items():
                if not values[key]:
                    values[key] = input(f"{prompt}: ").strip()
            email = values["admin_email"].lower()
            from portal.models import User

            if not values["admin_password"] and not User.objects.filter(email__iexact=email).exists():
                values["admin_password"] = self._ask_password()
        try:
            result = bootstrap.bootstrap(**values)
        except ApplicationError as exc:
            raise CommandError(exc.message)
        states = {"created": _("created"), "exists": _("already there, unchanged"),
                  "role added": _("administrator role added")}
        self.stdout.write(_("Home institution %(code)s: %(state)s") % {
            "code": result.institution_obj.code, "state": states[result.institution]})
        self.stdout.write(_("Administrator %(email)s: %(state)s") % {
            "email": result.admin_obj.email, "state": states[result.admin]})
        self.stdout.write(self.style.SUCCESS(_("bootstrap: done")))

    def _ask_password(self) -> str:
        while True:
            first = getpass.getpass(_("Administrator's password: "))
            if first and first == getpass.getpass(_("Password (again): ")):
                return first
            self.stderr.write(_("The passwords differ or are empty; try again."))
