"""factory_boy factories of the core. Apps keep theirs in tests/<app>/factories.py."""

import factory
from factory.django import DjangoModelFactory

from portal.models import (
    Department,
    Institution,
    InstitutionCategory,
    Organisation,
    RoleAssignment,
    User,
)

PASSWORD = "correct-horse-battery"  # noqa: S105


class InstitutionCategoryFactory(DjangoModelFactory):
    class Meta:
        model = InstitutionCategory
        django_get_or_create = ("code",)

    code = "national_university"
    name_ja = "国立大学"
    name_en = "National university"


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    code = factory.Sequence(lambda n: f"I{n:05d}")
    name_ja = factory.Sequence(lambda n: f"テスト大学{n}")
    name_en = factory.Sequence(lambda n: f"Test University {n}")
    category = factory.SubFactory(InstitutionCategoryFactory)
    is_home = False


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    institution = factory.LazyFunction(
        lambda: Institution.objects.filter(is_home=True).first()
        or InstitutionFactory(is_home=True)
    )
    code = factory.Sequence(lambda n: f"D{n:04d}")
    name_ja = factory.Sequence(lambda n: f"研究科{n}")
    name_en = factory.Sequence(lambda n: f"Graduate School {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.ac.jp")
    family_name = "山田"
    given_name = factory.Sequence(lambda n: f"太郎{n}")
    family_name_en = "Yamada"
    given_name_en = factory.Sequence(lambda n: f"Taro{n}")
    department = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """``UserFactory(roles=["researcher", ("dept_reviewer", dept)])``."""
        if not create:
            return
        for role in extracted or []:
            if isinstance(role, tuple):
                RoleAssignment.objects.create(user=self, role=role[0], department=role[1])
            else:
                RoleAssignment.objects.create(user=self, role=role)
        self.save()


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name_ja = factory.Sequence(lambda n: f"テスト機関{n}")
    name_en = factory.Sequence(lambda n: f"Test Organisation {n}")
    country = "JP"


def give_totp(user):
    """Give ``user`` an activated TOTP authenticator (staff roles need one to use the portal)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code_for(user) -> str:
    """The current TOTP code of ``user``'s authenticator (what the phone app would show)."""
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    auth = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(auth.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
