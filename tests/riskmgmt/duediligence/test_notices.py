"""Reminders through the notification engine: a member is told when added and reminded
before the declarations are due until they sign."""
import datetime as dt

import pytest
from django.utils import timezone

from portal.notifications.models import Notification
from riskmgmt.duediligence import notices, services
from tests.riskmgmt.duediligence import factories as f

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 12, 15, 9, 0))


def test_a_member_with_an_account_is_asked_to_sign(researcher, staff):
    f.member(f.project(staff), staff, user=researcher)
    assert Notification.objects.filter(recipient=researcher,
                                       kind=notices.DECLARATION_REQUESTED.code).count() == 1


def test_an_unsigned_declaration_due_within_a_week_is_reminded(researcher, staff):
    m = f.member(f.project(staff, declarations_due=dt.date(2026, 12, 20)), staff, user=researcher)
    drafts = list(notices.plan_declarations(now=NOW))
    assert [(d.recipient_id, d.target.object_id) for d in drafts] == [(researcher.pk, str(m.declaration.pk))]


def test_a_signed_declaration_is_not_reminded(researcher, staff):
    m = f.member(f.project(staff, declarations_due=dt.date(2026, 12, 20)), staff, user=researcher)
    services.declaration_sign(declaration=m.declaration, consent=True, signed_name="R")
    assert list(notices.plan_declarations(now=NOW)) == []
