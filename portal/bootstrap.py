"""The first start of a deployment: the home institution and the first administrator.

``manage.py bootstrap`` (``bin/portal manage bootstrap``; with compose
``docker compose run --rm web bin/portal manage bootstrap``) calls :func:`bootstrap`.

Decisions:

* **Idempotent.** A home institution that exists is kept as it is (edit it in the admin); an
  administrator whose e-mail address exists keeps their password and gets the administrator
  role if they lack it. Running it again changes nothing and says so.
* **Inputs.** Each value comes from its ``PORTAL_BOOTSTRAP_*`` variable (automation) or, when
  missing and a terminal is attached, from a prompt (the password twice, not echoed);
  ``--noinput`` never prompts and fails on a missing value. Only what is needed is asked: no
  institution questions when a home institution exists.
* **The administrator** gets the ``admin`` role only (it includes every research-office right),
  a verified primary e-mail address (so login works with mandatory verification) and must set up
  TOTP at first login (``PORTAL_MFA_REQUIRED_ROLES``). The password passes Django's validators.
* **Institution categories** come from ``fixtures/institution_categories.json``, loaded when the
  table is empty (a fresh production database has no reference data yet).
* **Audited**: the services write their own entries (``portal.institution.saved``,
  ``portal.user.saved``, ``portal.role.assigned``) and one ``portal.bootstrap`` entry records
  what was done.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import services
from portal.audit import audit_log, register_renderer
from portal.errors import ApplicationError
from portal.models import Institution, InstitutionCategory, Role, RoleAssignment, User

register_renderer("portal.bootstrap", gettext_lazy(
    "Bootstrap: home institution %(institution)s, administrator %(admin)s"))

ENV = {
    "institution_code": "PORTAL_BOOTSTRAP_INSTITUTION_CODE",
    "institution_name": "PORTAL_BOOTSTRAP_INSTITUTION_NAME",
    "institution_name_en": "PORTAL_BOOTSTRAP_INSTITUTION_NAME_EN",
    "institution_category": "PORTAL_BOOTSTRAP_INSTITUTION_CATEGORY",
    "admin_email": "PORTAL_BOOTSTRAP_ADMIN_EMAIL",
    "admin_family_name": "PORTAL_BOOTSTRAP_ADMIN_FAMILY_NAME",
    "admin_given_name": "PORTAL_BOOTSTRAP_ADMIN_GIVEN_NAME",
    "admin_password": "PORTAL_BOOTSTRAP_ADMIN_PASSWORD",
}
DEFAULT_CATEGORY = "national_university"


@dataclass
class Result:
    institution: str  # "created" or "exists"
    admin: str  # "created", "role added" or "exists"
    institution_obj: Institution
    admin_obj: User


def needs_institution() -> bool:
    return Institution.home() is None


def ensure_categories() -> None:
    if not InstitutionCategory.objects.exists():
        call_command("loaddata", str(settings.BASE_DIR / "fixtures" / "institution_categories.json"),
                     verbosity=0)


@transaction.atomic
def bootstrap(*, admin_email: str, admin_password: str = "", admin_family_name: str = "",
              admin_given_name: str = "", institution_code: str = "", institution_name: str = "",
              institution_name_en: str = "", institution_category: str = "") -> Result:
    """Create what is missing of the home institution and the first administrator."""
    home = Institution.home()
    if home is None:
        if not institution_code or not institution_name:
            raise ApplicationError(_("Give the institution's code and name."),
                                   field="institution_code")
        ensure_categories()
        category = InstitutionCategory.objects.filter(
            code=institution_category or DEFAULT_CATEGORY).first()
        if category is None:
            codes = ", ".join(InstitutionCategory.objects.values_list("code", flat=True))
            raise ApplicationError(
                _("Unknown institution category %(code)s (one of: %(codes)s).")
                % {"code": institution_category, "codes": codes}, field="institution_category")
        existing = Institution.objects.filter(code=institution_code).first()
        home = existing or Institution(code=institution_code, name_ja=institution_name,
                                       name_en=institution_name_en, category=category)
        home.is_home = True
        services.institution_save(instance=home)
        institution_state = "created"
    else:
        institution_state = "exists"

    email = (admin_email or "").strip().lower()
    if not email:
        raise ApplicationError(_("Give the administrator's e-mail address."), field="admin_email")
    admin = User.objects.filter(email__iexact=email).first()
    if admin is None:
        if not admin_password:
            raise ApplicationError(_("Give the administrator's password."), field="admin_password")
        admin = User(email=email, family_name=admin_family_name, given_name=admin_given_name)
        try:
            validate_password(admin_password, user=admin)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="admin_password")
        admin.set_password(admin_password)
        services.user_save(instance=admin)
        admin_state = "created"
    elif RoleAssignment.objects.filter(user=admin, role=Role.ADMIN, department=None).exists():
        admin_state = "exists"
    else:
        admin_state = "role added"
    services.role_assign(user=admin, role=Role.ADMIN)
    from allauth.account.models import EmailAddress

    if not EmailAddress.objects.filter(user=admin, email__iexact=email).exists():
        EmailAddress.objects.create(user=admin, email=email, verified=True, primary=True)
    if institution_state != "exists" or admin_state != "exists":
        audit_log(action="portal.bootstrap", target=home,
                  data={"institution": institution_state, "admin": admin_state,
                        "admin_email": email})
    return Result(institution_state, admin_state, home, admin)
