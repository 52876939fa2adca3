import pytest


@pytest.fixture(autouse=True)
def _persist_outsider_password(request):
    # tests/factories.UserFactory saves the hashed password only when roles are given; without
    # this the outsider's forced login is dropped on the next request.
    if "outsider" in request.fixturenames or "personas" in request.fixturenames:
        request.getfixturevalue("outsider").save()
