"""Cycles, question sets and the home institution's answers: draft → approved → locked → amend."""

import pytest

from followup import services
from followup.models import QuestionSet, SurveyResponse
from followup.reports import answer_needs_warning
from portal.errors import ApplicationError, NotAllowed
from portal.models import AuditEntry

QUESTIONS_2024 = {
    1: "関係者（研究者・職員等）に適切な理解を促す取組（文部科学省からの通知等の周知、会議での説明・報告、研修・セミナーの実施等）を実施しているか。",
    6: "研究者・職員から報告された情報をもとに、リスクを特定・分析した結果、リスクが高いと判断した場合に、リスクが顕在化する前に対処する(リスク軽減策、有事対応策を検討する等)仕組みを整備しているか。",
    7: "研究者・職員から報告された情報の更新（定期的な更新や、実質的な変化があった場合の更新等）を受けるための仕組みを整備していますか。",
}


def all_answered(code=1, evidence="研修を実施"):
    return {n: services.AnswerInput(option_code=code, evidence=evidence) for n in range(1, 8)}


def test_question_set_of_2024_has_the_exact_wording_and_year_specific_options(cycle):
    qs = cycle.question_set
    texts = {q.number: q.text_ja for q in qs.questions.all()}
    assert len(texts) == 7
    for n, text in QUESTIONS_2024.items():
        assert texts[n] == text
    labels = [o.label_ja for o in qs.options.all()]
    assert labels == ["実施している", "検討している（令和6年度実施予定）",
                      "検討している（令和7年度実施予定）", "検討している（実施時期未定）",
                      "検討していない"]
    assert all(q.text_en for q in qs.questions.all())


def test_a_year_without_a_question_set_copies_the_latest_and_renames_the_planned_options(db):
    cycle = services.cycle_open(fiscal_year=2027)
    labels = [o.label_ja for o in cycle.question_set.options.order_by("code")]
    assert labels[1] == "検討している（令和9年度実施予定）"
    assert labels[2] == "検討している（令和10年度実施予定）"
    assert cycle.question_set.questions.count() == 7
    assert QuestionSet.objects.filter(fiscal_year=2027).count() == 1


def test_opening_a_cycle_twice_returns_the_same_cycle(cycle):
    assert services.cycle_open(fiscal_year=2024) == cycle


def test_draft_approved_locked_then_amendment_creates_a_new_version(cycle, admin_user):
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    assert response.status == SurveyResponse.Status.DRAFT
    services.answers_save(response=response, answers=all_answered(), actor=admin_user)
    services.response_approve(response=response, actor=admin_user)
    response.refresh_from_db()
    assert response.status == "approved" and response.approved_by == admin_user
    services.response_lock(response=response, actor=admin_user)
    with pytest.raises(ApplicationError):
        services.answers_save(response=response, answers=all_answered(2), actor=admin_user)
    new = services.response_amend(response=response, reason="Q2の規程改正を反映", actor=admin_user)
    response.refresh_from_db()
    assert new.version == 2 and new.is_current and new.status == "draft"
    assert not response.is_current and response.status == "locked"
    assert new.amendment_reason == "Q2の規程改正を反映"
    assert list(new.answers.values_list("option__code", flat=True)) == [1] * 7
    assert AuditEntry.objects.filter(action="followup.response.amended").exists()


def test_amendment_needs_a_reason(cycle, admin_user):
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    services.answers_save(response=response, answers=all_answered(), actor=admin_user)
    services.response_approve(response=response, actor=admin_user)
    services.response_lock(response=response, actor=admin_user)
    with pytest.raises(ApplicationError):
        services.response_amend(response=response, reason="  ", actor=admin_user)


def test_approval_needs_every_question_answered(cycle, admin_user):
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    services.answers_save(response=response, actor=admin_user,
                          answers={1: services.AnswerInput(option_code=1)})
    with pytest.raises(ApplicationError, match="Q2"):
        services.response_approve(response=response, actor=admin_user)


def test_staff_can_edit_but_not_approve(cycle, staff):
    response = services.home_response_start(cycle=cycle, actor=staff)
    services.answers_save(response=response, answers=all_answered(), actor=staff)
    with pytest.raises(NotAllowed):
        services.response_approve(response=response, actor=staff)


def test_researcher_cannot_edit_answers(cycle, researcher):
    response = services.home_response_start(cycle=cycle)
    with pytest.raises(NotAllowed):
        services.answers_save(response=response, answers=all_answered(), actor=researcher)


def test_implemented_without_evidence_is_warned(cycle, admin_user):
    response = services.home_response_start(cycle=cycle, actor=admin_user)
    services.answers_save(response=response, actor=admin_user, answers={
        1: services.AnswerInput(option_code=1, evidence=""),
        2: services.AnswerInput(option_code=1, evidence="利益相反規程（2022年4月1日制定）"),
        3: services.AnswerInput(option_code=3, evidence=""),
    })
    answers = {a.question.number: a for a in response.answers.select_related("question", "option")}
    assert answer_needs_warning(answers[1]) is True
    assert answer_needs_warning(answers[2]) is False
    assert answer_needs_warning(answers[3]) is False


def test_imported_answers_of_the_home_institution_are_refused(cycle, home_institution):
    with pytest.raises(ApplicationError):
        services.response_import(cycle=cycle, institution=home_institution,
                                 codes=dict.fromkeys(range(1, 8), 1))


def test_loading_the_question_set_fixture_twice_changes_nothing(cycle):
    from django.core.management import call_command

    from followup.models import AnswerOption, Question

    before = (QuestionSet.objects.count(), Question.objects.count(), AnswerOption.objects.count(),
              list(Question.objects.values_list("pk", "text_ja").order_by("pk")))
    call_command("loaddata", "fixtures/followup_question_sets.json", verbosity=0)
    after = (QuestionSet.objects.count(), Question.objects.count(), AnswerOption.objects.count(),
             list(Question.objects.values_list("pk", "text_ja").order_by("pk")))
    assert before == after
    assert before[:3] == (4, 28, 20)  # 令和4〜7年度


def test_the_cycle_history_reads_in_the_readers_language_whatever_language_wrote_it(
        cycle, admin_user, home_institution):
    from django.utils import translation

    from portal.audit import render_entry

    with translation.override("ja"):
        services.home_response_start(cycle=cycle, actor=admin_user)
    old = AuditEntry.objects.create(action="followup.response.started",
                                    data={"cycle": "令和5年度"})  # written before fiscal_year was kept
    started = AuditEntry.objects.filter(action="followup.response.started").exclude(pk=old.pk).get()
    opened = AuditEntry.objects.get(action="followup.cycle.opened")
    with translation.override("en"):
        read = [render_entry(e) for e in (opened, started, old)]
    assert read == ["Opened the survey cycle FY2024 (Reiwa 6)",
                    "Started the answers to FY2024 (Reiwa 6)",
                    "Started the answers to FY2023 (Reiwa 5)"]
