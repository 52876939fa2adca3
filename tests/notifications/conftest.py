import pytest


@pytest.fixture
def outsider(outsider):
    # tests/factories.UserFactory(roles=[]) never saves the hashed password it sets, so the
    # session of a force-logged-in outsider is invalidated; save it so the outsider is signed in.
    outsider.save()
    return outsider
