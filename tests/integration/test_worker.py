import uuid

import pytest
from django.core.cache import cache

from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_real_worker_consumes_a_task_through_redis(celery_worker_process):
    from portal.tasks import ping

    token = uuid.uuid4().hex
    ping.delay(token)
    assert wait_for(lambda: cache.get(f"portal-ping-{token}") == token, timeout=60)
