"""Case library: Japanese full-text search, publication, links to trainings and measures."""

import datetime as dt

import pytest
from django.core.management import call_command

from followup.awareness import selectors, services
from followup.awareness.models import (
    CaseStudy,
    CaseStudyStatus,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    RiskType,
    VersionStatus,
)
from portal.errors import NotAllowed
from tests.awareness.factories import ActivityFactory, CaseStudyFactory, RiskTypeFactory

pytestmark = pytest.mark.django_db


def search(user, query="", risk_type=""):
    return set(selectors.case_study_search(selectors.case_study_list_for(user=user),
                                           query=query, risk_type=risk_type)
               .values_list("title", flat=True))


@pytest.fixture
def library():
    leak = RiskTypeFactory(code="technology_leakage", name_ja="技術流出")
    CaseStudyFactory(title="客員教授の称号", scenario="海外機関の客員教授に就任したが兼業の届出がなかった。",
                     lessons="称号でも兼業として届け出る。")
    CaseStudyFactory(title="共同研究契約", scenario="成果を相手方に帰属させる条項があった。",
                     warning_signs="署名を急がせる。", risk_types=[leak])
    CaseStudyFactory(title="ＵＳＢメモリの持ち出し", scenario="試料データをＵＳＢで持ち出した。",
                     related_rules="情報セキュリティポリシー")
    CaseStudyFactory(title="下書きの事例", scenario="兼業の話", status=CaseStudyStatus.DRAFT,
                     published_at=None)


def test_japanese_words_are_found_without_segmentation(researcher, library):
    assert search(researcher, "兼業") == {"客員教授の称号"}
    assert search(researcher, "帰属") == {"共同研究契約"}
    assert search(researcher, "急がせる") == {"共同研究契約"}  # in the warning signs


def test_search_folds_width_and_case(researcher, library):
    assert search(researcher, "usb") == {"ＵＳＢメモリの持ち出し"}
    assert search(researcher, "ＵＳＢ") == {"ＵＳＢメモリの持ち出し"}
    assert search(researcher, "セキュリティ") == {"ＵＳＢメモリの持ち出し"}  # related rules
    assert search(researcher, "ｾｷｭﾘﾃｨ") == {"ＵＳＢメモリの持ち出し"}  # half-width kana


def test_every_word_must_match(researcher, library):
    assert search(researcher, "兼業　届出") == {"客員教授の称号"}  # full-width space
    assert search(researcher, "兼業 契約") == set()


def test_filter_by_risk_type(researcher, library):
    assert search(researcher, risk_type="technology_leakage") == {"共同研究契約"}


def test_researchers_see_only_published_cases_staff_see_drafts(researcher, staff, library):
    assert "下書きの事例" not in search(researcher, "兼業")
    assert "下書きの事例" in search(staff, "兼業")


def test_editing_a_case_updates_the_search_text(staff, researcher):
    case = CaseStudyFactory(title="事例", scenario="最初の文章")
    case.scenario = "輸出管理の該非判定を行った"
    services.case_study_save(actor=staff, instance=case)
    assert search(researcher, "該非判定") == {"事例"}


def test_only_the_office_writes_and_publishes_cases(researcher, staff):
    case = CaseStudy(title="新しい事例", scenario="内容")
    with pytest.raises(NotAllowed):
        services.case_study_save(actor=researcher, instance=case)
    case = services.case_study_save(actor=staff, instance=case)
    assert case.status == CaseStudyStatus.DRAFT and case.author == staff
    services.case_study_publish(actor=staff, case_study=case)
    case.refresh_from_db()
    assert case.status == CaseStudyStatus.PUBLISHED and case.published_at


def test_case_list_page_search_and_htmx_partial(client_as, researcher, library):
    client = client_as(researcher)
    html = client.get("/awareness/cases/", {"q": "兼業"}).content.decode()
    assert "客員教授の称号" in html and "共同研究契約" not in html
    resp = client.get("/awareness/cases/", {"q": "帰属"}, HTTP_HX_REQUEST="true")
    body = resp.content.decode()
    assert "共同研究契約" in body and "<html" not in body


def test_case_study_linked_from_a_training_and_a_mitigation_measure(client_as, staff, researcher):
    from riskmgmt.models import Case, MitigationMeasure

    case_study = CaseStudyFactory(title="事例X")
    activity = ActivityFactory(title="研修で事例Xを扱った")
    activity.case_studies.add(case_study)
    risk_case = Case.objects.create(reference="RC-T-1", researcher=researcher,
                                    concern="awareness", title="t")
    measure = MitigationMeasure.objects.create(case=risk_case, kind="training", owner=staff,
                                               due_date=dt.date(2030, 1, 1))
    services.case_study_save(actor=staff, instance=case_study, related_measures=[measure])
    assert list(measure.case_studies.all()) == [case_study]
    html = client_as(staff).get(f"/awareness/cases/{case_study.public_id}/").content.decode()
    assert "研修で事例Xを扱った" in html and "RC-T-1" in html
    html = client_as(researcher).get(f"/awareness/cases/{case_study.public_id}/").content.decode()
    assert "研修で事例Xを扱った" in html and "RC-T-1" not in html


def test_shipped_fixtures_load_twice_without_changes_and_keep_edits(staff):
    files = ["fixtures/awareness_risk_types.json", "fixtures/awareness_checklists.json",
             "fixtures/awareness_case_studies.json"]
    call_command("loaddata", *files, verbosity=0)
    counts = (RiskType.objects.count(), Checklist.objects.count(), ChecklistItem.objects.count(),
              CaseStudy.objects.count())
    assert counts[0] >= 6 and counts[3] >= 5
    researcher_list = Checklist.objects.get(code="researcher-self-check")
    assert researcher_list.versions.get().items.filter(opens_case=True).exists()
    assert set(researcher_list.versions.get().items.values_list("category", flat=True)) >= {
        "foreign_contracts", "side_jobs", "funding", "disclosure", "tech_leakage", "export_control"}
    # the office edits the shipped checklist: version 2 is published, version 1 retired
    services.checklist_item_save(actor=staff, checklist=researcher_list, key="effort-total",
                                 data={"text": "エフォートの合計を確認していますか。"})
    services.checklist_publish(actor=staff, checklist=researcher_list)
    call_command("loaddata", *files, verbosity=0)
    assert ChecklistVersion.objects.get(checklist=researcher_list, number=1).status == VersionStatus.RETIRED
    assert services.published_version(researcher_list).number == 2
    assert CaseStudy.objects.filter(search_text__contains="兼業").exists()
    assert (RiskType.objects.count(), Checklist.objects.count(), CaseStudy.objects.count()) == (
        counts[0], counts[1], counts[3])


def test_administrators_edit_risk_types_in_the_admin(client_as, admin_user, staff):
    from portal.models import AuditEntry

    resp = client_as(admin_user).post("/admin/awareness/risktype/add/", {
        "code": "research_misconduct", "name_ja": "研究不正", "name_en": "Misconduct", "order": 99})
    assert resp.status_code == 302
    assert RiskType.objects.filter(code="research_misconduct").exists()
    assert AuditEntry.objects.filter(action="awareness.risktype.saved").exists()
    assert client_as(staff).get("/admin/awareness/risktype/").status_code in (302, 403)
    assert client_as(admin_user).get("/admin/awareness/casestudy/").status_code == 200
