"""The annual turn of the survey: the fiscal year's cycle opened, locked older cycles closed."""

import datetime as dt

import pytest

from followup import services
from followup.models import SurveyCycle, SurveyResponse
from portal.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(home_institution):
    return home_institution


def lock_home_answers(cycle, admin):
    response = services.home_response_start(cycle=cycle, actor=admin)
    services.answers_save(response=response, actor=admin, answers={
        n: services.AnswerInput(option_code=1, evidence="研修") for n in range(1, 8)})
    services.response_approve(response=response, actor=admin)
    return services.response_lock(response=response, actor=admin)


def test_in_december_2026_the_newest_cycle_is_fiscal_2026(home, admin_user):
    services.cycle_open(fiscal_year=2024)
    assert services.cycles_roll(today=dt.date(2026, 12, 2))["opened"] == [2026]
    assert SurveyCycle.objects.order_by("-fiscal_year").first().label == "令和8年度"


def test_before_april_the_current_cycle_is_the_previous_calendar_years(home):
    assert services.cycles_roll(today=dt.date(2027, 3, 31))["opened"] == [2026]


def test_an_older_cycle_is_closed_once_its_home_answers_are_locked(home, admin_user):
    old = services.cycle_open(fiscal_year=2024)
    lock_home_answers(old, admin_user)
    assert services.cycles_roll(today=dt.date(2026, 12, 2))["closed"] == [2024]
    old.refresh_from_db()
    assert old.status == SurveyCycle.Status.CLOSED
    assert AuditEntry.objects.filter(action="followup.cycle.status_changed").count() == 1


def test_an_older_cycle_still_being_answered_stays_open(home, admin_user):
    old = services.cycle_open(fiscal_year=2024)
    services.home_response_start(cycle=old, actor=admin_user)
    services.cycles_roll(today=dt.date(2026, 12, 2))
    old.refresh_from_db()
    assert old.status == SurveyCycle.Status.OPEN


def test_the_turn_twice_on_a_day_changes_nothing_more(home):
    services.cycles_roll(today=dt.date(2026, 12, 2))
    assert services.cycles_roll(today=dt.date(2026, 12, 2)) == {"opened": [], "closed": []}
    assert SurveyResponse.objects.count() == 0


def test_the_annual_turn_is_a_declared_schedule():
    from portal.notifications import schedules

    assert schedules.get_schedule("followup_cycles").cron == {"minute": "15", "hour": "6"}


def test_the_demo_in_december_2026_answers_fiscal_2026_and_the_dashboard_says_so(
        home, departments, rf):
    import time_machine
    from django.utils import translation

    from followup import demo
    from followup.dashboard import followup_status
    from tests.factories import UserFactory, give_totp

    admin = UserFactory(email="admin@demo.example", department=departments["ro"],
                        roles=["admin", "office_staff"])
    give_totp(admin)
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        demo.load()
    request = rf.get("/")
    request.user = admin
    with translation.override("ja"):
        title = followup_status(request).title
    open_years = list(SurveyCycle.objects.filter(status=SurveyCycle.Status.OPEN)
                      .values_list("fiscal_year", flat=True))
    assert (open_years, title) == ([2026], "フォローアップ調査 令和8年度")


def test_a_question_set_made_for_a_new_year_names_that_year_in_both_titles(home):
    cycle = services.cycle_open(fiscal_year=2027)
    assert (cycle.question_set.title_ja, cycle.question_set.title_en) == (
        "令和9年度 研究インテグリティの確保に係る取組状況のフォローアップ調査",
        "FY2027 (Reiwa 9) Follow-up survey on the status of efforts to ensure research integrity")
