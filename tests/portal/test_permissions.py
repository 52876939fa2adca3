"""has_perm / scope_queryset: roles as data, department reviewers see their subtree only."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from portal.models import User
from portal.permissions import (
    REGISTRY,
    declare,
    department_subtree_ids,
    get_object_in_scope,
    has_perm,
    scope_queryset,
)

pytestmark = pytest.mark.django_db

declare("tests.record.review", "Review records", ["dept_reviewer", "office_staff", "admin"])
declare("tests.record.edit_own", "Edit own records", ["researcher"], own=True)


class Record:
    """A stand-in object exposing the scope attributes the permission layer reads."""

    def __init__(self, owner, department):
        self.scope_owner_id = owner.pk
        self.scope_department_id = department.pk


def test_reviewer_sees_the_department_subtree_only(reviewer, researcher, other_researcher, departments):
    in_scope = Record(researcher, departments["mech"])      # 機械工学専攻 under 工学研究科
    top = Record(researcher, departments["eng"])
    outside = Record(other_researcher, departments["chem"])  # 理学研究科
    assert has_perm(reviewer, "tests.record.review", in_scope)
    assert has_perm(reviewer, "tests.record.review", top)
    assert not has_perm(reviewer, "tests.record.review", outside)
    assert has_perm(reviewer, "tests.record.review")  # holds the permission somewhere


def test_scope_queryset_filters_users_to_the_subtree(reviewer, researcher, other_researcher, staff):
    qs = scope_queryset(reviewer, "tests.record.review", User.objects.all(),
                        department_field="department")
    emails = set(qs.values_list("email", flat=True))
    assert researcher.email in emails and reviewer.email in emails
    assert other_researcher.email not in emails and staff.email not in emails
    everyone = scope_queryset(staff, "tests.record.review", User.objects.all(),
                              department_field="department")
    assert other_researcher.email in set(everyone.values_list("email", flat=True))


def test_own_permission_holds_only_on_own_objects(researcher, other_researcher, departments):
    mine = Record(researcher, departments["mech"])
    theirs = Record(other_researcher, departments["chem"])
    assert has_perm(researcher, "tests.record.edit_own", mine)
    assert not has_perm(researcher, "tests.record.edit_own", theirs)
    qs = scope_queryset(researcher, "tests.record.edit_own", User.objects.all(), owner_field="pk")
    assert list(qs) == [researcher]


def test_get_object_in_scope_raises_404_outside_the_scope(reviewer, researcher, other_researcher):
    qs = User.objects.all()
    User.SCOPE_DEPARTMENT_FIELD = "department"
    try:
        assert get_object_in_scope(reviewer, "tests.record.review", qs, pk=researcher.pk) == researcher
        with pytest.raises(Http404):
            get_object_in_scope(reviewer, "tests.record.review", qs, pk=other_researcher.pk)
    finally:
        del User.SCOPE_DEPARTMENT_FIELD


def test_anonymous_inactive_and_roleless_users_have_no_permission(outsider, researcher, departments):
    from django.contrib.auth.models import AnonymousUser

    assert not has_perm(AnonymousUser(), "portal.dashboard.view")
    assert not has_perm(outsider, "portal.dashboard.view")
    researcher.is_active = False
    assert not has_perm(researcher, "portal.dashboard.view")
    assert scope_queryset(AnonymousUser(), "portal.dashboard.view", User.objects.all()).count() == 0


def test_a_researcher_may_also_hold_a_staff_role(departments):
    from tests.factories import UserFactory

    both = UserFactory(roles=["researcher", "office_staff"], department=departments["mech"])
    assert has_perm(both, "portal.audit.view")
    assert has_perm(both, "tests.record.edit_own", Record(both, departments["mech"]))


def test_undeclared_codes_and_conflicting_declarations_fail_loudly(researcher):
    with pytest.raises(ImproperlyConfigured):
        has_perm(researcher, "no.such.permission")
    with pytest.raises(ImproperlyConfigured):
        declare("tests.record.review", "again", ["admin"])
    assert "portal.roster.import" in REGISTRY


def test_subtree_is_computed_in_one_query(departments, django_assert_num_queries):
    with django_assert_num_queries(1):
        ids = department_subtree_ids([departments["eng"].pk])
    assert ids == {departments["eng"].pk, departments["mech"].pk}
