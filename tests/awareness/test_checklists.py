"""Versioned checklists, answers per fiscal year, risk answers opening cases."""

import pytest
import time_machine

from followup.awareness import services
from followup.awareness.models import (
    ChecklistResponse,
    ChecklistTarget,
    ResponseStatus,
    VersionStatus,
)
from portal.errors import ApplicationError, NotAllowed, ValidationFailed
from riskmgmt.models import Case, Flag
from tests.awareness.factories import make_checklist

pytestmark = pytest.mark.django_db


def answers_for(response, **by_key):
    items = {i.key: i for i in response.version.items.all()}
    result = {i.pk: ("yes" if i.answer_kind != "text" else "", "特になし") for i in items.values()}
    for key, value in by_key.items():
        result[items[key.replace("_", "-")].pk] = (value, "")
    return result


def test_editing_a_published_checklist_creates_a_new_version_and_old_answers_keep_theirs(
    staff, researcher
):
    checklist = make_checklist()
    v1 = services.published_version(checklist)
    response = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
    services.response_save(actor=researcher, response=response,
                           answers=answers_for(response), submit=True)
    old_text = v1.items.get(key="side-jobs").text

    services.checklist_item_save(actor=staff, checklist=checklist, key="side-jobs",
                                 data={"text": "兼業・兼職（称号を含む）はすべて届け出ていますか。"})
    versions = list(checklist.versions.order_by("number"))
    assert [(v.number, v.status) for v in versions] == [(1, VersionStatus.PUBLISHED),
                                                        (2, VersionStatus.DRAFT)]
    v1.refresh_from_db()
    assert v1.items.get(key="side-jobs").text == old_text
    assert versions[1].items.count() == v1.items.count()

    services.checklist_publish(actor=staff, checklist=checklist, note="文言の修正")
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED
    response.refresh_from_db()
    assert response.version_id == v1.pk
    assert {a.item.version_id for a in response.answers.select_related("item")} == {v1.pk}
    assert response.answers.get(item__key="side-jobs").item.text == old_text


def test_a_second_edit_goes_into_the_same_draft(staff):
    checklist = make_checklist()
    services.checklist_item_save(actor=staff, checklist=checklist, key="export", data={"order": 9})
    services.checklist_item_delete(actor=staff, checklist=checklist, key="free")
    assert checklist.versions.count() == 2
    draft = checklist.versions.get(status=VersionStatus.DRAFT)
    assert not draft.items.filter(key="free").exists()
    assert services.published_version(checklist).items.filter(key="free").exists()


def test_new_responses_after_publishing_answer_the_new_version(staff, researcher, other_researcher):
    checklist = make_checklist()
    services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
    services.checklist_item_save(actor=staff, checklist=checklist,
                                 data={"key": "new-q", "order": 5, "category": "funding",
                                       "text": "新しい質問", "answer_kind": "yes_no"})
    v2 = services.checklist_publish(actor=staff, checklist=checklist)
    response = services.response_start(actor=other_researcher, checklist=checklist,
                                       respondent=other_researcher)
    assert response.version == v2
    assert response.version.items.filter(key="new-q").exists()


def test_publishing_without_a_draft_or_without_questions_is_refused(staff):
    checklist = make_checklist()
    with pytest.raises(ApplicationError):
        services.checklist_publish(actor=staff, checklist=checklist)
    empty = make_checklist(code="empty", items=[], publish=False)
    with pytest.raises(ApplicationError):
        services.checklist_publish(actor=staff, checklist=empty)


def test_researcher_cannot_edit_checklists(researcher):
    checklist = make_checklist()
    with pytest.raises(NotAllowed):
        services.checklist_item_save(actor=researcher, checklist=checklist, key="export",
                                     data={"text": "x"})


def test_answers_are_stored_per_fiscal_year(researcher):
    checklist = make_checklist()
    with time_machine.travel("2025-03-20 10:00 +09:00"):
        r2024 = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
        services.response_save(actor=researcher, response=r2024, answers=answers_for(r2024),
                               submit=True)
    with time_machine.travel("2025-04-02 10:00 +09:00"):
        r2025 = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
        with pytest.raises(ApplicationError):
            services.response_save(actor=researcher, response=r2024, answers=answers_for(r2024))
    assert (r2024.fiscal_year, r2025.fiscal_year) == (2024, 2025)
    assert r2024.pk != r2025.pk
    assert ChecklistResponse.objects.filter(respondent=researcher).count() == 2


def test_submitting_needs_every_answer_and_keeps_what_was_typed(researcher):
    checklist = make_checklist()
    response = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
    answers = answers_for(response)
    first = next(iter(answers))
    answers[first] = ("", "コメント")
    with pytest.raises(ValidationFailed) as exc:
        services.response_save(actor=researcher, response=response, answers=answers, submit=True)
    assert first in exc.value.extra["items"]
    response.refresh_from_db()
    assert response.status == ResponseStatus.DRAFT
    services.response_save(actor=researcher, response=response, answers=answers, submit=False)
    assert response.answers.get(item_id=first).comment == "コメント"


def test_a_risk_answer_opens_a_case_in_risk_management(researcher, staff):
    checklist = make_checklist()
    response = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
    services.response_save(actor=researcher, response=response,
                           answers=answers_for(response, talent="yes", export="no"), submit=True)
    case = Case.objects.get(researcher=researcher)
    assert case.concern == "talent_programme"
    answer = response.answers.get(item__key="talent")
    assert answer.signals_risk and answer.case == case
    flag = Flag.objects.get(case=case)
    assert flag.source_id == str(answer.pk)
    assert "人材登用" in flag.reason
    # "export" signals a risk but is not set to open a case
    assert response.answers.get(item__key="export").signals_risk
    assert Case.objects.count() == 1


def test_resubmitting_does_not_open_the_same_case_twice(researcher):
    checklist = make_checklist()
    response = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
    answers = answers_for(response, side_jobs="no", talent="no")
    services.response_save(actor=researcher, response=response, answers=answers, submit=True)
    services.response_save(actor=researcher, response=response, answers=answers, submit=True)
    assert Case.objects.count() == 1
    assert Flag.objects.count() == 1


def test_answers_without_risk_open_no_case(researcher):
    checklist = make_checklist()
    response = services.response_start(actor=researcher, checklist=checklist, respondent=researcher)
    services.response_save(actor=researcher, response=response,
                           answers=answers_for(response, talent="no"), submit=True)
    assert not Case.objects.exists()


def test_a_researcher_cannot_fill_someone_elses_checklist(researcher, other_researcher):
    checklist = make_checklist()
    with pytest.raises(NotAllowed):
        services.response_start(actor=researcher, checklist=checklist, respondent=other_researcher)
    response = services.response_start(actor=other_researcher, checklist=checklist,
                                       respondent=other_researcher)
    with pytest.raises(NotAllowed):
        services.response_save(actor=researcher, response=response, answers={})


def test_the_office_fills_the_institution_checklist_once_a_year(staff, researcher):
    checklist = make_checklist(target=ChecklistTarget.INSTITUTION, code="inst")
    response = services.response_start(actor=staff, checklist=checklist, respondent=None)
    again = services.response_start(actor=staff, checklist=checklist, respondent=None)
    assert response.pk == again.pk and response.respondent is None
    services.response_save(actor=staff, response=response, answers=answers_for(response),
                           submit=True)
    with pytest.raises(NotAllowed):
        services.response_start(actor=researcher, checklist=checklist, respondent=None)


def _post_all_yes(client, url, response_items):
    data = {"submit": "1"}
    for item in response_items:
        if item.answer_kind == "text":
            data[f"comment-{item.pk}"] = "特になし"
        else:
            data[f"item-{item.pk}"] = "no" if item.risk_answer == "yes" else "yes"
    return client.post(url, data)


def test_opening_the_fill_page_writes_nothing(client_as, researcher):
    checklist = make_checklist()
    resp = client_as(researcher).get(f"/awareness/checklists/{checklist.public_id}/fill/")
    assert resp.status_code == 200
    assert not ChecklistResponse.objects.exists()


def test_fill_page_keeps_what_was_typed_when_an_answer_is_missing(client_as, researcher):
    checklist = make_checklist()
    items = list(services.published_version(checklist).items.all())
    free = next(i for i in items if i.answer_kind == "text")
    data = {"submit": "1", f"comment-{free.pk}": "相談したい内容です"}
    resp = client_as(researcher).post(f"/awareness/checklists/{checklist.public_id}/fill/", data)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "相談したい内容です" in html and "aw-has-error" in html
    assert not ChecklistResponse.objects.filter(status=ResponseStatus.SUBMITTED).exists()


def test_researcher_submits_through_the_page(client_as, researcher):
    checklist = make_checklist()
    url = f"/awareness/checklists/{checklist.public_id}/fill/"
    resp = _post_all_yes(client_as(researcher), url, services.published_version(checklist).items.all())
    assert resp.status_code == 302
    response = ChecklistResponse.objects.get()
    assert response.status == ResponseStatus.SUBMITTED and response.respondent == researcher


def test_the_office_fills_a_researchers_checklist_on_their_behalf(client_as, staff, researcher):
    checklist = make_checklist()
    url = f"/awareness/checklists/{checklist.public_id}/fill/?for={researcher.email}"
    assert client_as(staff).get(url).status_code == 200
    resp = _post_all_yes(client_as(staff), url, services.published_version(checklist).items.all())
    assert resp.status_code == 302
    response = ChecklistResponse.objects.get()
    assert (response.respondent, response.filled_by) == (researcher, staff)


def test_a_researcher_cannot_fill_on_someone_elses_behalf(client_as, researcher, other_researcher):
    checklist = make_checklist()
    url = f"/awareness/checklists/{checklist.public_id}/fill/?for={other_researcher.email}"
    assert client_as(researcher).get(url).status_code == 403


def test_response_list_filters_by_department_and_risk(client_as, staff, researcher,
                                                       other_researcher, departments):
    checklist = make_checklist()
    for person, talent in ((researcher, "yes"), (other_researcher, "no")):
        response = services.response_start(actor=person, checklist=checklist, respondent=person)
        services.response_save(actor=person, response=response, submit=True,
                               answers=answers_for(response, talent=talent))
    client = client_as(staff)
    html = client.get("/awareness/responses/", {"department": departments["eng"].pk}).content.decode()
    assert "有栖" in html and "坊" not in html
    html = client.get("/awareness/responses/", {"risk": "true"}).content.decode()
    assert "有栖" in html and "坊" not in html
    html = client.get("/awareness/responses/").content.decode()
    assert "有栖" in html and "坊" in html
