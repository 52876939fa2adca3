"""Staff merge two cases of a researcher and split flags out of a case; the case page links
each flag to the disclosure version and the items that raised it."""
import pytest
from django.urls import reverse

from portal.errors import ApplicationError
from portal.models import AuditEntry
from riskmgmt import services
from riskmgmt.models import Case, Concern, Flag
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db


def open_case(researcher, concern, reason="r"):
    return services.case_open_or_join(researcher=researcher, concern=concern, reason=reason)[0]


def test_merging_moves_the_flags_and_closes_the_merged_case(researcher, staff):
    a = open_case(researcher, Concern.FOREIGN_SUPPORT, "grant")
    b = open_case(researcher, Concern.CONTRACT_CLAUSES, "contract")
    services.case_merge(case=b, into=a, actor=staff)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.flag_count == 2 and set(a.flags.values_list("reason", flat=True)) == {"grant",
                                                                                  "contract"}
    assert b.status == Case.Status.CLOSED and b.flag_count == 0 and a.reference in b.closure_reason
    assert AuditEntry.objects.filter(action="riskmgmt.case.merged", actor=staff).count() == 1


def test_cases_of_different_researchers_cannot_be_merged(researcher, other_researcher, staff):
    a = open_case(researcher, Concern.FOREIGN_SUPPORT)
    b = open_case(other_researcher, Concern.FOREIGN_SUPPORT)
    with pytest.raises(ApplicationError):
        services.case_merge(case=b, into=a, actor=staff)
    assert Flag.objects.filter(case=b).count() == 1


def test_splitting_moves_flags_to_the_open_case_of_another_concern(researcher, staff):
    a = open_case(researcher, Concern.FOREIGN_SUPPORT, "grant")
    services.case_open_or_join(researcher=researcher, concern=Concern.FOREIGN_SUPPORT,
                               reason="contract really")
    flag = a.flags.get(reason="contract really")
    target = services.case_split(case=a, flags=[flag], concern=Concern.CONTRACT_CLAUSES,
                                 actor=staff)
    a.refresh_from_db()
    assert target.concern == Concern.CONTRACT_CLAUSES and target.researcher == researcher
    assert list(target.flags.all()) == [flag] and target.flag_count == 1 and a.flag_count == 1
    assert AuditEntry.objects.filter(action="riskmgmt.case.split", object_id=str(a.pk)).exists()


def test_splitting_every_flag_out_is_refused(researcher, staff):
    a = open_case(researcher, Concern.FOREIGN_SUPPORT)
    with pytest.raises(ApplicationError):
        services.case_split(case=a, flags=list(a.flags.all()), concern=Concern.OTHER, actor=staff)


def test_only_office_staff_merge_and_split_cases(client_as, researcher, reviewer, staff):
    a = open_case(researcher, Concern.FOREIGN_SUPPORT)
    b = open_case(researcher, Concern.CONTRACT_CLAUSES)
    url = reverse("riskmgmt:case_action", args=[b.public_id, "merge"])
    assert client_as(researcher).post(url, {"into": a.pk}).status_code == 403
    assert client_as(reviewer).post(url, {"into": a.pk}).status_code == 403
    assert Case.objects.get(pk=b.pk).status == Case.Status.OPEN
    response = client_as(staff).post(url, {"into": a.pk})
    assert response.status_code == 302 and response["Location"] == a.get_absolute_url()
    assert Case.objects.get(pk=b.pk).status == Case.Status.CLOSED


def test_split_through_the_page(client_as, researcher, staff):
    a = open_case(researcher, Concern.FOREIGN_SUPPORT, "one")
    services.case_open_or_join(researcher=researcher, concern=Concern.FOREIGN_SUPPORT,
                               reason="two")
    flag = a.flags.get(reason="two")
    url = reverse("riskmgmt:case_action", args=[a.public_id, "split"])
    response = client_as(staff).post(url, {"flags": [flag.pk], "concern": Concern.OTHER})
    assert response.status_code == 302
    assert Flag.objects.get(pk=flag.pk).case.concern == Concern.OTHER


def test_case_page_links_the_flag_to_its_disclosure_version_and_items(client_as, researcher,
                                                                      staff):
    v = f.version(researcher)
    item = f.funding(v, f.org("Foreign Foundation", country="US"))
    services.version_evaluate(version_id=v.pk)
    case = Case.objects.get(concern="foreign_support")
    html = client_as(staff).get(case.get_absolute_url()).content.decode()
    detail = reverse("disclosures:detail", args=[v.disclosure.public_id])
    assert f'href="{detail}?v=1"' in html
    assert f'{detail}?v=1#item-{item.item_key}' in html


def test_case_page_query_count_is_bounded(client_as, researcher, staff,
                                          django_assert_max_num_queries):
    for number in range(1, 4):
        v = f.version(researcher, number=number)
        for n in range(5):
            f.funding(v, f.org(f"Fund {number}-{n}", country="US"), declared_in_applications=False)
        services.version_evaluate(version_id=v.pk)
    case = Case.objects.get(concern="foreign_support")
    client = client_as(staff)
    client.get(case.get_absolute_url())
    # 11 to read the page (the office part of the owner picker is cached), and one INSERT:
    # the read log of the disclosure the case quotes.
    with django_assert_max_num_queries(12):
        assert client.get(case.get_absolute_url()).status_code == 200


def test_regroup_page_is_for_office_staff_only(client_as, researcher, reviewer, staff):
    case = open_case(researcher, Concern.FOREIGN_SUPPORT)
    url = reverse("riskmgmt:case_regroup", args=[case.public_id])
    assert client_as(researcher).get(url).status_code == 403
    assert client_as(reviewer).get(url).status_code == 403
    assert client_as(staff).get(url).status_code == 200
    assert client_as(staff).post(url).status_code == 405


def test_case_page_shows_the_flag_state_of_the_last_version(client_as, researcher, staff):
    v1 = f.version(researcher)
    f.programme(v1, f.org("Ministry", country="CN"))
    services.version_evaluate(version_id=v1.pk)
    v2 = f.version(researcher, number=2)
    services.version_evaluate(version_id=v2.pk)
    case = Case.objects.get(concern="talent_programme")
    response = client_as(staff).get(case.get_absolute_url())
    assert 'data-testid="flag-resolved"' in response.content.decode()


def _owner_options(client, case) -> str:
    html = client.get(case.get_absolute_url()).content.decode()
    start = html.index('name="owner"')
    return html[start:html.index("</select>", start)]


def test_a_new_office_member_is_offered_as_owner_on_the_next_case_page(
        client_as, researcher, staff, departments):
    from tests.factories import UserFactory

    case = open_case(researcher, Concern.FOREIGN_SUPPORT)
    client = client_as(staff)
    _owner_options(client, case)  # the office part of the picker is cached now
    UserFactory(email="new-office@example.ac.jp", department=departments["ro"],
                roles=["office_staff"])
    assert "new-office@example.ac.jp" in _owner_options(client, case)


def test_a_deactivated_office_member_is_no_longer_offered_as_owner(
        client_as, researcher, staff, departments):
    from tests.factories import UserFactory

    leaving = UserFactory(email="leaving@example.ac.jp", department=departments["ro"],
                          roles=["office_staff"])
    case = open_case(researcher, Concern.FOREIGN_SUPPORT)
    client = client_as(staff)
    _owner_options(client, case)
    leaving.is_active = False
    leaving.save(update_fields=["is_active"])
    assert "leaving@example.ac.jp" not in _owner_options(client, case)
