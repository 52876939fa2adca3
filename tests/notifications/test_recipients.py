"""Recipients come from the permission declarations: ``users_with_perm`` mirrors ``has_perm``."""

import pytest

from portal.permissions import has_perm, users_with_perm

pytestmark = pytest.mark.django_db


def _objects(researcher, other_researcher):
    from disclosures.models import Disclosure

    alice = Disclosure.objects.create(owner=researcher, department=researcher.department)
    bob = Disclosure.objects.create(owner=other_researcher, department=other_researcher.department)
    return [None, alice, bob]


@pytest.mark.parametrize("code", [
    "disclosures.disclosure.review",       # department-scoped for reviewers, global for office
    "disclosures.disclosure.file",         # own
    "disclosures.review.notify",           # reviewers only
    "disclosures.campaign.manage",         # administrators
    "notifications.staff_digest.receive",
])
def test_users_with_perm_holds_exactly_the_users_has_perm_allows(code, personas, researcher,
                                                                 other_researcher):
    for obj in _objects(researcher, other_researcher):
        expected = {u.pk for u in personas.values() if has_perm(u, code, obj)}
        assert set(users_with_perm(code, obj).values_list("pk", flat=True)) == expected, obj


def test_a_reviewer_of_a_parent_department_is_told_of_a_child_departments_disclosure(
        personas, researcher, reviewer, staff):
    from disclosures.models import Disclosure

    disclosure = Disclosure.objects.create(owner=researcher, department=researcher.department)
    assert set(users_with_perm("disclosures.review.notify", disclosure)) == {reviewer}
    assert staff in users_with_perm("disclosures.disclosure.review", disclosure)


def test_inactive_users_are_never_recipients(personas, staff):
    staff.is_active = False
    staff.save()
    assert staff not in users_with_perm("riskmgmt.case.manage")


def test_users_with_perm_is_one_queryset_not_a_loop(personas, researcher,
                                                    django_assert_max_num_queries):
    from disclosures.models import Disclosure

    disclosure = Disclosure.objects.create(owner=researcher, department=researcher.department)
    with django_assert_max_num_queries(2):  # the department chain, then the users
        list(users_with_perm("disclosures.disclosure.review", disclosure))
