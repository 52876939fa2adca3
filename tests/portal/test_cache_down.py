"""Redis down: the cache degrades to local memory; logins, rate limits and lockouts keep working."""

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": {
        "BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    yield
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_a_dead_redis_cache_answers_from_local_memory(redis_down):
    cache.set("k", "v")
    assert (cache.get("k"), cache.degraded) == ("v", True)


def test_login_works_with_redis_down(client, researcher, redis_down):
    response = client.post("/accounts/login/", {"login": researcher.email, "password": PASSWORD})
    assert response.status_code == 302


def test_pages_answer_with_redis_down(client, researcher, redis_down):
    client.force_login(researcher)
    assert client.get("/").status_code == 200


def test_the_lockout_still_works_with_redis_down(client, researcher, settings, redis_down):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"login": researcher.email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"login": researcher.email, "password": PASSWORD})
    assert response.status_code == 429


def test_the_login_rate_limit_still_works_with_redis_down(client, researcher, settings, redis_down):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/ip"}
    for _ in range(2):
        client.post("/accounts/login/", {"login": researcher.email, "password": "wrong-password"})
    client.post("/accounts/login/", {"login": researcher.email, "password": PASSWORD})
    assert not client.get("/").wsgi_request.user.is_authenticated
