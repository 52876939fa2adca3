"""Counts are rows actually inserted: a conflicting row is neither inserted nor counted."""

import pytest

from portal.bulk import insert_ignoring_conflicts
from portal.notifications import services
from portal.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _draft(user, period="p"):
    return services.Draft(user.pk, "disclosure_stale", {"last": "2025-01-01"}, "/",
                          services.Target(), period, "ja")


def test_only_the_inserted_rows_are_returned(researcher):
    services.notifications_create([_draft(researcher)])
    row = Notification.objects.get()
    twin = Notification(recipient=researcher, kind=row.kind, dedupe_key=row.dedupe_key)
    fresh = Notification(recipient=researcher, kind=row.kind, dedupe_key="other")
    assert len(insert_ignoring_conflicts(Notification, [twin, fresh])) == 1
