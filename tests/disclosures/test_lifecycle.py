import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from disclosures import services, signals
from disclosures.models import Disclosure, DisclosureVersion, FundingItem, PositionItem
from portal.errors import ApplicationError, ConcurrentEdit, NotAllowed, ValidationFailed
from tests.disclosures.factories import (
    add_item,
    draft_for,
    equipment_gift,
    foreign_grant,
    org,
    side_job,
    submitted_disclosure,
)

pytestmark = pytest.mark.django_db


def test_first_draft_copies_the_researchers_department(researcher):
    draft = draft_for(researcher)
    assert draft.number == 1
    assert draft.kind == DisclosureVersion.Kind.INITIAL
    assert draft.disclosure.department == researcher.department


def test_staff_without_researcher_role_cannot_file(staff):
    with pytest.raises(NotAllowed):
        services.disclosure_get_or_create(owner=staff, actor=staff)


def test_submit_freezes_the_version_and_sends_the_signal(researcher, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, version, **kwargs):
        received.append(version.pk)

    signals.version_submitted.connect(listener)
    try:
        add_item(researcher, "position", side_job(org()))
        draft = draft_for(researcher)
        with django_capture_on_commit_callbacks(execute=True):
            version = services.version_submit(version=draft, actor=researcher, attest=True,
                                              lock_version=draft.lock_version)
    finally:
        signals.version_submitted.disconnect(listener)
    assert received == [version.pk]
    assert version.status == "submitted"
    assert version.attested_at is not None
    assert version.content["sections"]["position"][0]["values"]["role"] == "Technical adviser"
    # A submitted version is immutable: item changes are refused.
    item = PositionItem.objects.get(version=version)
    item.role = "changed"
    with pytest.raises(ApplicationError):
        services.item_save(version=version, section_code="position", item=item,
                           actor=researcher, lock_version=version.lock_version)


def test_submit_needs_the_attestation(researcher):
    draft = draft_for(researcher)
    with pytest.raises(ValidationFailed):
        services.version_submit(version=draft, actor=researcher, attest=False,
                                lock_version=draft.lock_version)


def test_return_then_resubmit_keeps_item_keys_and_numbers_versions(researcher, reviewer):
    funder = org("US Science Foundation")
    v1 = submitted_disclosure(researcher, ("funding", foreign_grant(funder)))
    services.version_review_start(version=v1, actor=reviewer)
    with pytest.raises(ValidationFailed):
        services.version_return(version=v1, actor=reviewer, comment=" ")
    services.version_return(version=v1, actor=reviewer, comment="Give the effort of the grant.")
    v1.refresh_from_db()
    assert v1.status == "returned"
    v2 = draft_for(researcher)
    assert v2.number == 2 and v2.based_on_id == v1.pk
    item = FundingItem.objects.get(version=v2)
    assert str(item.item_key) == v1.content["sections"]["funding"][0]["key"]
    item.effort_percent = Decimal("25")
    services.item_save(version=v2, section_code="funding", item=item, actor=researcher,
                       lock_version=v2.lock_version)
    services.version_submit(version=v2, actor=researcher, attest=True,
                            lock_version=v2.lock_version)
    accepted = services.version_accept(version=v2, actor=reviewer)
    disclosure = Disclosure.objects.get(owner=researcher)
    assert disclosure.last_accepted_version == accepted
    assert FundingItem.objects.get(version=v1).effort_percent == Decimal("20")


def test_researcher_cannot_review_own_disclosure(reviewer):
    version = submitted_disclosure(reviewer)
    with pytest.raises(NotAllowed):
        services.version_accept(version=version, actor=reviewer)


def test_reviewer_cannot_review_outside_their_departments(other_researcher, reviewer):
    version = submitted_disclosure(other_researcher)
    with pytest.raises(NotAllowed):
        services.version_accept(version=version, actor=reviewer)


def test_no_new_draft_while_waiting_for_review(researcher):
    submitted_disclosure(researcher)
    with pytest.raises(ApplicationError):
        draft_for(researcher)


def test_second_save_from_a_stale_page_is_refused_and_keeps_the_first(researcher):
    draft = draft_for(researcher)
    item = add_item(researcher, "position", side_job(org()))
    draft.refresh_from_db()
    page_lock = draft.lock_version  # both people loaded the page now
    first = PositionItem.objects.get(pk=item.pk)
    first.role = "Adviser (first person)"
    services.item_save(version=draft, section_code="position", item=first, actor=researcher,
                       lock_version=page_lock)
    second = PositionItem.objects.get(pk=item.pk)
    second.role = "Adviser (second person)"
    with pytest.raises(ConcurrentEdit):
        services.item_save(version=draft, section_code="position", item=second,
                           actor=researcher, lock_version=page_lock)
    assert PositionItem.objects.get(pk=item.pk).role == "Adviser (first person)"


def test_stale_delete_is_refused(researcher):
    item = add_item(researcher, "position", side_job(org()))
    draft = draft_for(researcher)
    stale = draft.lock_version - 1
    with pytest.raises(ConcurrentEdit):
        services.item_delete(version=draft, section_code="position", item_key=item.item_key,
                             actor=researcher, lock_version=stale)
    assert PositionItem.objects.filter(pk=item.pk).exists()


def test_total_effort_above_100_is_refused(researcher):
    add_item(researcher, "position", side_job(org(), effort_percent=Decimal("60")))
    with pytest.raises(ValidationFailed) as exc:
        add_item(researcher, "funding", foreign_grant(org("Funder"), effort_percent=Decimal("50")))
    assert "110" in exc.value.message
    assert FundingItem.objects.count() == 0


def test_ended_positions_do_not_count_towards_effort(researcher):
    add_item(researcher, "position", side_job(org(), effort_percent=Decimal("90"),
                                              start_date=dt.date(2010, 4, 1),
                                              end_date=dt.date(2012, 3, 31)))
    add_item(researcher, "funding", foreign_grant(org("Funder"), effort_percent=Decimal("50")))
    assert services.effort_total(draft_for(researcher)) == Decimal("50")


def test_other_researcher_cannot_edit_someone_elses_draft(researcher, other_researcher):
    draft = draft_for(researcher)
    with pytest.raises(NotAllowed):
        services.item_save(version=draft, section_code="position", item=side_job(org()),
                           actor=other_researcher, lock_version=draft.lock_version)


def test_equipment_gift_is_stored_with_value_and_currency(researcher):
    item = add_item(researcher, "support", equipment_gift(org("Gift Co", country="JP")))
    assert item.estimated_value == Decimal("3000000") and item.currency == "JPY"


def test_bulk_replace_saves_fifty_items_in_few_queries(researcher, django_assert_max_num_queries):
    draft = draft_for(researcher)
    organisation = org()
    items = [side_job(organisation, role=f"Role {i}", effort_percent=Decimal("1"))
             for i in range(50)]
    with django_assert_max_num_queries(25):
        services.version_items_replace(version=draft, items={"position": items},
                                       actor=researcher, lock_version=draft.lock_version)
    assert PositionItem.objects.filter(version=draft).count() == 50
    draft.refresh_from_db()
    assert len(draft.content["sections"]["position"]) == 50


def test_bulk_replace_applies_the_rules(researcher):
    draft = draft_for(researcher)
    with pytest.raises(ValidationError):
        services.version_items_replace(
            version=draft, items={"position": [side_job(org(), paid=True, remuneration_band="")]},
            actor=researcher, lock_version=draft.lock_version)


def test_discarding_an_update_returns_to_the_previous_version(researcher, reviewer):
    v1 = submitted_disclosure(researcher, ("position", side_job(org())))
    services.version_accept(version=v1, actor=reviewer)
    draft = draft_for(researcher)
    assert draft.kind == DisclosureVersion.Kind.CHANGE
    services.draft_discard(disclosure=draft.disclosure, actor=researcher)
    disclosure = Disclosure.objects.get(owner=researcher)
    assert disclosure.current_version_id == v1.pk
    assert not DisclosureVersion.objects.filter(pk=draft.pk).exists()


def test_submission_follows_the_researcher_to_their_current_department(researcher, departments,
                                                                       reviewer):
    draft = draft_for(researcher)
    researcher.department = departments["chem"]
    researcher.save()
    version = services.version_submit(version=draft, actor=researcher, attest=True)
    assert Disclosure.objects.get(pk=version.disclosure_id).department == departments["chem"]
    with pytest.raises(NotAllowed):  # no longer in the engineering reviewer's scope
        services.version_accept(version=version, actor=reviewer)
