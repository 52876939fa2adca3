import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def followup_reference_data(db):
    """The reference fixtures every deployment loads: categories and question sets."""
    call_command("loaddata", "fixtures/institution_categories.json",
                 "fixtures/followup_question_sets.json", verbosity=0)


@pytest.fixture(autouse=True)
def _one_administrator_drafts_and_approves(settings):
    """Most follow-up tests have one administrator draft and approve; the four-eyes rule is
    tested on its own (tests/followup/test_four_eyes.py)."""
    settings.PORTAL_FOUR_EYES_APPROVAL = False


@pytest.fixture
def cycle(db):
    from followup import services

    return services.cycle_open(fiscal_year=2024)


@pytest.fixture
def previous_cycle(db):
    from followup import services

    return services.cycle_open(fiscal_year=2023)


@pytest.fixture
def outsider(outsider):
    # UserFactory(roles=[]) skips the post-generation save, so the hashed password set by the
    # factory is not stored and the forced login of the outsider is dropped on the next request.
    outsider.save()
    return outsider
