"""Browser journey of issue 3: two windows editing the same draft.

Only the researcher edits their disclosure, so "two people" on one draft are two sessions of
it (two windows, a laptop and a desk computer). The second save made on a page opened before
the first one is refused with a message, and nothing of the first save is lost.
"""

import re

import pytest
from playwright.sync_api import expect

from disclosures.models import PositionItem
from portal.models import Organisation
from tests.disclosures.factories import add_item, side_job

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EDIT = re.compile("編集|Edit")


def _second_window(browser, live_server, login, user):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    return login(context.new_page(), user)


def test_second_save_on_a_stale_page_is_refused_and_the_first_is_kept(
        page, login, browser, live_server, researcher):
    acme = Organisation.objects.create(name_en="Acme Robotics Inc.", country="US",
                                       kind="company")
    item = add_item(researcher, "position", side_job(acme))
    row = f"#item-{item.item_key}"

    first = login(page, researcher)
    second = _second_window(browser, live_server, login, researcher)
    first.goto("/disclosures/edit/")
    second.goto("/disclosures/edit/")

    # The second window opens the item's form while it still reads "Technical adviser".
    second.locator("#section-position a", has_text=EDIT).first.click()
    expect(second.locator("#id_position-role")).to_have_value("Technical adviser")

    # The first window changes the role and saves.
    first.locator("#section-position a", has_text=EDIT).first.click()
    first.fill("#id_position-role", "Chief technical adviser")
    first.fill("#id_position-notes", "Board meetings twice a year")
    first.click("[data-testid=save-position]")
    expect(first.locator(row)).to_contain_text("Chief technical adviser")

    # The second window saves what it typed on its stale form: refused, with the reason.
    second.fill("#id_position-role", "Senior adviser")
    second.click("[data-testid=save-position]")
    error = second.locator("[data-testid=section-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("あなたの変更は保存されていません")
    # What was typed is still in the form, and above it the item as the first window saved it.
    expect(second.locator("#id_position-role")).to_have_value("Senior adviser")
    expect(second.locator(row)).to_contain_text("Chief technical adviser")
    expect(second.locator(row)).to_contain_text("Board meetings twice a year")

    # Nothing of the first save was overwritten.
    saved = PositionItem.objects.get(pk=item.pk)
    assert (saved.role, saved.notes) == ("Chief technical adviser", "Board meetings twice a year")
    first.reload()
    expect(first.locator(row)).to_contain_text("Chief technical adviser")
    expect(first.locator("#section-position")).not_to_contain_text("Senior adviser")

    # Having seen it, the second window keeps the notes and saves its role on purpose.
    second.fill("#id_position-notes", "Board meetings twice a year")
    second.click("[data-testid=save-position]")
    expect(second.locator("[data-testid=section-error]")).to_have_count(0)
    expect(second.locator(row)).to_contain_text("Senior adviser")
    saved.refresh_from_db()
    assert (saved.role, saved.notes) == ("Senior adviser", "Board meetings twice a year")
    second.context.close()
