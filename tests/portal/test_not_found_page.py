"""The demo (DEBUG on) answers a missing page with the portal's own page, not Django's."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_page_in_debug_is_the_portals_own_page(client, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Django tried these URL patterns" not in response.content.decode()
    assert "404.html" in [t.name for t in response.templates]


def test_a_developer_can_ask_for_djangos_page(client, settings):
    settings.DEBUG = True
    settings.PORTAL_TECHNICAL_404 = True
    response = client.get("/no-such-page/")
    assert "404.html" not in [t.name for t in response.templates]
