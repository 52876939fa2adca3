"""Browser journey at phone width (375 px): the disclosure editor, the review queues and the
risk register's heat map (also at desktop width, inside its card) fit the screen. "Fit" is measured: the page never scrolls sideways (its scroll width is its width;
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


HEATMAP_OVERFLOW = """() => { const w = document.querySelector('.heatmap-wrap');
  const card = w.closest('.card').getBoundingClientRect();
  const t = w.querySelector('table').getBoundingClientRect();
  return {inBox: w.scrollWidth - w.clientWidth, pastCard: t.right - card.right}; }"""


def test_the_register_heat_map_fits_its_card_at_desktop_and_scrolls_in_its_box_on_a_phone(
        page, login, staff):
    login(page, staff)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/risk/register/")
    page.wait_for_load_state()
    desktop = page.evaluate(HEATMAP_OVERFLOW)
    assert desktop["inBox"] <= 0 and desktop["pastCard"] <= 0
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/risk/register/")
    page.wait_for_load_state()
    assert page.evaluate(OVERFLOW) <= 0
    assert page.evaluate(HEATMAP_OVERFLOW)["pastCard"] <= 0
