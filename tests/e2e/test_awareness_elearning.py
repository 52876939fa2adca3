"""Browser journey: a researcher takes the e-learning quiz, fails, retries, passes and sees the
course done in their training history."""

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_researcher_completes_elearning_after_passing_the_quiz(page, login, transactional_db,
                                                                researcher):
    from followup.awareness import services
    from followup.awareness.models import ActivityKind, Attendance, AwarenessActivity
    from portal.fiscal import fiscal_year_of

    activity = services.activity_save(actor=None, instance=AwarenessActivity(
        kind=ActivityKind.ELEARNING, title="e-ラーニング基礎", date=dt.date(fiscal_year_of(), 4, 1),
        is_required=True, self_completion=True, pass_mark=100))
    services.quiz_question_add(
        actor=None, activity=activity, text="海外の客員教授の称号は届け出る？",
        choices=[("届け出る", True), ("届け出ない", False)])

    login(page, researcher)
    page.goto("/awareness/my-training/")
    page.get_by_role("link", name="今すぐ受講").click()
    page.get_by_label("届け出ない").check()
    page.locator("form.aw-form button[type=submit]").click()
    expect(page.locator(".errorlist")).to_contain_text("0%")
    assert not Attendance.objects.exists()

    page.get_by_label("届け出る", exact=True).check()
    page.locator("form.aw-form button[type=submit]").click()
    page.wait_for_url("**/awareness/my-training/")
    expect(page.locator("section:has(#aw-req) .status-done")).to_have_count(1)
    expect(page.locator("section:has(#aw-req) .status-pending")).to_have_count(0)
    attendance = Attendance.objects.get(user=researcher, activity=activity)
    assert attendance.quiz_score == 100 and attendance.source == "self"
