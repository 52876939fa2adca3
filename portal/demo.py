"""Demo data of the core: the home institution, departments and one user per role.

Every app may have a ``demo.py`` with ``load(stdout)``; ``manage.py demo_setup`` runs the core's
first, then the others in INSTALLED_APPS order. Loading twice changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from portal import services
from portal.models import Department, Institution, InstitutionCategory, Role, User

DEMO_PASSWORD = "demo-pass-2024"  # noqa: S105 - printed for the demo, never used in production

DEPARTMENTS = [
    ("ENG", "工学研究科", "Graduate School of Engineering", None),
    ("ENG-MECH", "機械工学専攻", "Department of Mechanical Engineering", "ENG"),
    ("ENG-ELEC", "電気電子工学専攻", "Department of Electrical and Electronic Engineering", "ENG"),
    ("SCI", "理学研究科", "Graduate School of Science", None),
    ("SCI-CHEM", "化学専攻", "Department of Chemistry", "SCI"),
    ("MED", "医学研究科", "Graduate School of Medicine", None),
    ("RO", "研究推進部", "Research Promotion Office", None),
]

# (email, family, given, family_en, given_en, department, roles)
USERS = [
    ("researcher@demo.example", "山田", "太郎", "Yamada", "Taro", "ENG-MECH", [Role.RESEARCHER]),
    ("researcher2@demo.example", "佐藤", "花子", "Sato", "Hanako", "SCI-CHEM", [Role.RESEARCHER]),
    ("reviewer@demo.example", "鈴木", "一郎", "Suzuki", "Ichiro", "ENG",
     [Role.RESEARCHER, (Role.DEPT_REVIEWER, "ENG")]),
    ("staff@demo.example", "高橋", "美咲", "Takahashi", "Misaki", "RO", [Role.OFFICE_STAFF]),
    ("admin@demo.example", "田中", "誠", "Tanaka", "Makoto", "RO", [Role.ADMIN, Role.OFFICE_STAFF]),
]


@transaction.atomic
def load(stdout=None) -> None:
    category = InstitutionCategory.objects.get(code="national_university")
    home = Institution.objects.filter(code="DEMO01").first() or Institution(code="DEMO01")
    home.name_ja = "デモ大学"
    home.name_en = "Demo University"
    home.category = category
    home.is_home = True
    services.institution_save(instance=home)
    departments: dict[str, Department] = {}
    for code, name_ja, name_en, parent in DEPARTMENTS:
        dept = Department.objects.filter(institution=home, code=code).first() or Department(
            institution=home, code=code
        )
        dept.name_ja, dept.name_en = name_ja, name_en
        dept.parent = departments.get(parent)
        departments[code] = services.department_save(instance=dept)
    for email, family, given, family_en, given_en, dept_code, roles in USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, family_name=family, given_name=given,
                        family_name_en=family_en, given_name_en=given_en,
                        department=departments[dept_code])
            user.set_password(DEMO_PASSWORD)
            services.user_save(instance=user)
        for role in roles:
            if isinstance(role, tuple):
                services.role_assign(user=user, role=role[0], department=departments[role[1]])
            else:
                services.role_assign(user=user, role=role)
        # Mark the address verified so that the demo logins work with verification on.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    if stdout is not None:
        stdout.write(f"  core: home institution, {len(DEPARTMENTS)} departments, {len(USERS)} users")
