"""Browser journey at phone width (375 px): the disclosure editor and the review queues fit
the screen. "Fit" is measured: the page never scrolls sideways (its scroll width is its width;
a wide table scrolls inside its own box) and no button of the editor wraps a character per
line (each is wider than tall)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
NARROW_BUTTONS = """() => [...document.querySelectorAll('main .btn, main button')]
  .filter((b) => b.offsetParent !== null)
  .filter((b) => { const r = b.getBoundingClientRect(); return r.height > r.width; })
  .map((b) => b.textContent.trim())"""


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 375, "height": 740})
    return page


def test_the_editor_fits_a_phone(phone, login, researcher):
    from tests.disclosures.factories import add_item, org, side_job

    add_item(researcher, "position", side_job(org()))
    login(phone, researcher)
    phone.goto("/disclosures/edit/")
    phone.wait_for_load_state()
    assert phone.evaluate(OVERFLOW) <= 0
    assert phone.evaluate(NARROW_BUTTONS) == []


@pytest.mark.parametrize("path", ["/disclosures/", "/risk/"])
def test_the_queues_fit_a_phone(phone, login, staff, researcher, path):
    from tests.disclosures.factories import foreign_grant, org, submitted_disclosure
    submitted_disclosure(researcher,
                         ("funding", foreign_grant(org(name_en="A funder with a rather long name"))))
    login(phone, staff)
    phone.goto(path)
    phone.wait_for_load_state()
    assert phone.evaluate(OVERFLOW) <= 0
