"""Every built-in flagging rule, its switch and tuning, and the non-discrimination guarantee."""
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from riskmgmt import rules, services
from riskmgmt.models import Case, Flag, FlagItem, FlagVersion, Rule, RuleChange
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db


def flags_of(version, code):
    return list(Flag.objects.filter(version=version, rule__code=code).prefetch_related("items"))


def evaluate(v):
    return services.version_evaluate(version_id=v.pk)


def test_foreign_funding_raises_a_flag_linked_to_the_funding_item(researcher):
    v = f.version(researcher)
    item = f.funding(v, f.org("Foreign Foundation", country="US"))
    f.funding(v, f.org("JSPS", country="JP"))
    evaluate(v)
    flags = flags_of(v, "foreign_support")
    assert len(flags) == 1
    assert [i.item_key for i in flags[0].items.all()] == [item.item_key]
    case = flags[0].case
    assert case.researcher == researcher and case.concern == "foreign_support"
    assert case.department == researcher.department


def test_foreign_in_kind_support_and_donations_are_flagged(researcher):
    v = f.version(researcher)
    f.support(v, f.org("Overseas Lab", country="DE"))
    f.donation(v, f.org("Overseas Donor", country="FR"))
    evaluate(v)
    flags = flags_of(v, "foreign_support")
    assert len(flags) == 1 and flags[0].items.count() == 2  # one flag per rule, both items
    assert len(flags[0].item_labels) == 2


def test_foreign_support_rule_can_be_limited_to_organisations_of_some_countries(researcher, admin_user):
    services.rules_ensure_builtin()
    rule = Rule.objects.get(code="foreign_support")
    services.rule_update(rule=rule, is_enabled=True, actor=admin_user, note="focus",
                         params={**rule.params, "countries": ["CN"]})
    v = f.version(researcher)
    f.funding(v, f.org("US Fund", country="US"))
    evaluate(v)
    assert flags_of(v, "foreign_support") == []


def test_talent_programme_participation_is_flagged(researcher):
    v = f.version(researcher)
    item = f.programme(v, f.org("Some Ministry", country="CN"))
    evaluate(v)
    flags = flags_of(v, "talent_programme")
    assert len(flags) == 1 and flags[0].items.get().item_key == item.item_key


def test_screening_list_match_of_a_counterpart_is_flagged_with_score_and_reason(researcher):
    f.import_list()
    v = f.version(researcher)
    item = f.position(v, f.org("HARBIN INST. OF TECHNOLOGY", country="CN"))
    evaluate(v)
    flags = flags_of(v, "screening_match")
    assert len(flags) == 1
    assert flags[0].hit is not None and flags[0].hit.score >= 88
    assert "Harbin Institute of Technology" in flags[0].reason
    assert flags[0].items.get().item_key == item.item_key
    from riskmgmt.models import ScreeningRun

    run = ScreeningRun.objects.get(kind="disclosure")
    assert run.names_checked == 1 and run.new_hits == 1 and run.status == "done"


def test_funding_not_declared_in_applications_is_flagged(researcher):
    v = f.version(researcher)
    f.funding(v, f.org("Domestic Co", country="JP"), declared_in_applications=False)
    f.funding(v, f.org("Declared Co", country="JP"), declared_in_applications=True)
    evaluate(v)
    assert len(flags_of(v, "undeclared_funding")) == 1


def test_total_effort_over_the_threshold_is_flagged(researcher):
    v = f.version(researcher)
    f.funding(v, f.org("A", country="JP"), effort_percent=Decimal("70"))
    f.position(v, f.org("B", country="JP"), effort_percent=Decimal("40"))
    evaluate(v)
    flags = flags_of(v, "effort_threshold")
    assert len(flags) == 1 and "110" in flags[0].reason


def test_effort_of_items_that_have_ended_does_not_count(researcher):
    import datetime as dt

    v = f.version(researcher)
    f.funding(v, f.org("A", country="JP"), effort_percent=Decimal("70"))
    f.position(v, f.org("B", country="JP"), effort_percent=Decimal("40"),
               start_date=dt.date(2019, 4, 1), end_date=dt.date(2020, 3, 31))
    evaluate(v)
    assert flags_of(v, "effort_threshold") == []


def test_effort_threshold_is_tunable(researcher, admin_user):
    services.rules_ensure_builtin()
    rule = Rule.objects.get(code="effort_threshold")
    services.rule_update(rule=rule, is_enabled=True, params={**rule.params, "threshold": 150},
                         actor=admin_user)
    v = f.version(researcher)
    f.funding(v, f.org("A", country="JP"), effort_percent=Decimal("70"))
    f.position(v, f.org("B", country="JP"), effort_percent=Decimal("40"))
    evaluate(v)
    assert flags_of(v, "effort_threshold") == []


def test_contract_clauses_of_concern_are_flagged(researcher):
    v = f.version(researcher)
    f.contract(v, f.org("Partner", country="JP"), restricts_publication=True, exclusivity=True)
    f.contract(v, f.org("Harmless", country="JP"))
    evaluate(v)
    flags = flags_of(v, "contract_clauses")
    assert len(flags) == 1
    assert str(rules.CLAUSES["restricts_publication"]) in flags[0].reason
    assert str(rules.CLAUSES["exclusivity"]) in flags[0].reason


def test_specified_category_relationship_is_flagged(researcher):
    v = f.version(researcher)
    f.specified(v, f.org("Foreign Gov Agency", country="CN"))
    evaluate(v)
    assert len(flags_of(v, "specified_category")) == 1


def test_substantive_change_since_the_last_accepted_version_is_flagged(researcher):
    old = f.version(researcher, status="accepted", accepted=True)
    kept = f.position(old, f.org("Old Partner", country="US"))
    new = f.version(researcher, number=2)
    f.position(new, kept.organisation).__class__.objects.filter(version=new).update(
        item_key=kept.item_key)
    added = f.position(new, f.org("New Partner", country="KR"))
    evaluate(new)
    flags = flags_of(new, "substantive_change")
    assert len(flags) == 1 and flags[0].items.get().item_key == added.item_key


def test_first_version_has_no_substantive_change(researcher):
    v = f.version(researcher)
    f.position(v, f.org("Partner", country="US"))
    evaluate(v)
    assert flags_of(v, "substantive_change") == []


def test_discrepancy_with_external_records_is_flagged(researcher):
    v = f.version(researcher)
    disclosed = f.org("Disclosed University", country="US")
    f.position(v, disclosed)
    f.external_record(researcher, organisation_name="Disclosed University", country="US")
    f.external_record(researcher, organisation_name="Undisclosed Institute", country="CN")
    evaluate(v)
    flags = flags_of(v, "record_discrepancy")
    assert len(flags) == 1 and "Undisclosed Institute" in flags[0].reason


def test_a_disabled_rule_does_not_fire_and_the_change_is_recorded(researcher, admin_user):
    services.rules_ensure_builtin()
    rule = Rule.objects.get(code="talent_programme")
    services.rule_update(rule=rule, is_enabled=False, params=rule.params, actor=admin_user,
                         note="pilot")
    change = RuleChange.objects.get(rule=rule)
    assert change.before["is_enabled"] is True and change.after["is_enabled"] is False
    assert change.changed_by == admin_user
    v = f.version(researcher)
    f.programme(v, f.org("Ministry", country="CN"))
    evaluate(v)
    assert flags_of(v, "talent_programme") == []


def test_a_concern_that_changes_between_versions_stays_one_flag_marked_changed(researcher):
    v1 = f.version(researcher)
    f.funding(v1, f.org("Fund A", country="US"))
    evaluate(v1)
    v2 = f.version(researcher, number=2)
    item = f.funding(v2, f.org("Fund B", country="GB"))
    evaluate(v2)
    flag = Flag.objects.get(rule__code="foreign_support")
    assert [(s.version_id, s.state) for s in flag.versions.all()] == [
        (v1.pk, "new"), (v2.pk, "changed")]
    assert "Fund B" in flag.reason and [i.item_key for i in flag.items.all()] == [item.item_key]
    cases = Case.objects.filter(researcher=researcher, concern="foreign_support")
    assert cases.count() == 1 and cases.get().flag_count == 1


def test_a_flag_from_elsewhere_joins_the_open_case_of_the_same_concern(researcher):
    v1 = f.version(researcher)
    f.funding(v1, f.org("Fund A", country="US"))
    evaluate(v1)
    services.case_open_or_join(researcher=researcher, concern="foreign_support",
                               reason="Reported by the funding agency")
    cases = Case.objects.filter(researcher=researcher, concern="foreign_support")
    assert cases.count() == 1 and cases.get().flag_count == 2


def _fifty_item_version(researcher, number, orgs, keys):
    """A version of the same 50 items (a resubmission copies the items with their keys)."""
    v = f.version(researcher, number=number)
    for n in range(25):
        f.funding(v, orgs[n], declared_in_applications=False, item_key=keys[n])
        f.contract(v, orgs[25 + n], exclusivity=True, item_key=keys[25 + n])
    return v


def test_resubmitting_a_fifty_item_disclosure_ten_times_keeps_flags_and_cases_constant(researcher):
    orgs = [f.org(f"Foreign Fund {n}", country="US") for n in range(25)] + [
        f.org(f"Partner {n}", country="CN") for n in range(25)]
    keys = [uuid.uuid4() for _n in range(50)]
    v = _fifty_item_version(researcher, 1, orgs, keys)
    evaluate(v)
    flags, cases, items = Flag.objects.count(), Case.objects.count(), FlagItem.objects.count()
    assert flags >= 3
    for number in range(2, 12):
        v = _fifty_item_version(researcher, number, orgs, keys)
        evaluate(v)
    assert (Flag.objects.count(), Case.objects.count(), FlagItem.objects.count()) == (
        flags, cases, items)
    assert set(Case.objects.values_list("flag_count", flat=True)) == {1}
    states = FlagVersion.objects.filter(version=v).values_list("state", flat=True)
    assert list(states) == ["unchanged"] * flags


def test_a_concern_no_longer_raised_is_resolved_and_a_later_one_is_a_new_flag(researcher):
    v1 = f.version(researcher)
    f.programme(v1, f.org("Ministry", country="CN"))
    evaluate(v1)
    v2 = f.version(researcher, number=2)
    evaluate(v2)
    flag = Flag.objects.get(rule__code="talent_programme")
    assert flag.resolved_version == v2
    assert flag.versions.get(version=v2).state == "resolved"
    v3 = f.version(researcher, number=3)
    f.programme(v3, f.org("Ministry", country="CN"))
    evaluate(v3)
    assert Flag.objects.filter(rule__code="talent_programme").count() == 2
    assert Case.objects.filter(concern="talent_programme").count() == 1


def test_evaluating_the_same_version_twice_adds_no_flags(researcher):
    v = f.version(researcher)
    f.funding(v, f.org("Fund A", country="US"))
    evaluate(v)
    n = Flag.objects.count()
    evaluate(v)
    assert Flag.objects.count() == n


def test_submission_signal_evaluates_the_rules_after_commit(researcher, django_capture_on_commit_callbacks):
    from disclosures.signals import version_submitted

    v = f.version(researcher)
    f.programme(v, f.org("Ministry", country="CN"))
    with django_capture_on_commit_callbacks(execute=True):
        version_submitted.send(sender=type(v), version=v)
    assert Case.objects.filter(researcher=researcher, concern="talent_programme").exists()


def test_with_the_broker_down_the_submission_stands_and_the_sweep_evaluates_it_later(
        researcher, monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from disclosures.signals import version_submitted
    from portal.outbox import services as outbox
    from portal.outbox import tasks as outbox_tasks

    v = f.version(researcher)
    f.programme(v, f.org("Ministry", country="CN"))
    real = outbox_tasks.run_job.apply_async
    monkeypatch.setattr(outbox_tasks.run_job, "apply_async",
                        lambda *a, **k: (_ for _ in ()).throw(OperationalError("down")))
    with django_capture_on_commit_callbacks(execute=True):
        version_submitted.send(sender=type(v), version=v)  # does not raise
    assert not Case.objects.exists()
    monkeypatch.setattr(outbox_tasks.run_job, "apply_async", real)
    outbox.sweep()
    assert Case.objects.filter(researcher=researcher, concern="talent_programme").exists()


def test_a_version_is_evaluated_in_one_transaction_all_flags_or_none(
        researcher, monkeypatch, django_capture_on_commit_callbacks):
    import dataclasses

    from django.db import OperationalError

    from disclosures.signals import version_submitted
    from portal.outbox.models import Job
    from riskmgmt import rules

    def connection_lost(facts, params):
        raise OperationalError("server closed the connection unexpectedly")

    v = f.version(researcher)
    f.funding(v, f.org("Fund A", country="US"))  # foreign_support fires first (rules by code)
    f.programme(v, f.org("Ministry", country="CN"))
    monkeypatch.setitem(rules.RULE_TYPES, "talent_programme", dataclasses.replace(
        rules.RULE_TYPES["talent_programme"], evaluate=connection_lost))
    with django_capture_on_commit_callbacks(execute=True):
        version_submitted.send(sender=type(v), version=v)
    job = Job.objects.get(kind="riskmgmt.evaluate_version")
    assert (Flag.objects.count(), job.state, job.attempts) == (0, "pending", 1)


# --- Non-discrimination --------------------------------------------------------------------

FORBIDDEN = ("nationality", "national", "citizen", "race", "ethnic", "religion", "faith",
             "birth", "born")


def test_rule_model_has_no_field_about_a_person():
    names = [fld.name.lower() for fld in Rule._meta.get_fields()]
    assert not [n for n in names if any(w in n for w in FORBIDDEN)]


@pytest.mark.parametrize("code", sorted(rules.RULE_TYPES))
@pytest.mark.parametrize("key", ["nationality", "race", "religion", "birthplace",
                                 "researcher_country", "citizenship"])
def test_no_rule_accepts_a_parameter_about_a_person(code, key):
    with pytest.raises(ValidationError):
        rules.validate_params(code, {key: ["CN"]})
    rule = Rule(code=f"x-{code}", rule_type=code, name="x", concern="other", params={key: "CN"})
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_rule_parameters_are_only_numbers_switches_choices_or_organisation_countries():
    for rt in rules.RULE_TYPES.values():
        for key, spec in rt.params.items():
            assert spec.kind in ("number", "bool", "choices", "org_countries")
            assert not any(w in key.lower() for w in FORBIDDEN)
    with pytest.raises(ValueError):
        rules.Param("person_attribute", "x", None)


def test_rules_see_items_and_organisations_never_the_person(researcher):
    v = f.version(researcher)
    f.funding(v, f.org("Fund", country="US"))
    facts = rules.DisclosureFacts.for_version(v)
    public = sorted(a for a in dir(facts) if not a.startswith("_"))
    assert public == ["external_records", "for_version", "items", "names_of", "previous",
                      "screened", "sections"]
    from portal.models import User

    for items in facts.sections.values():
        for item in items:
            assert not isinstance(item, User)


def test_the_user_model_stores_no_nationality_race_religion_or_birthplace():
    from portal.models import User

    names = [fld.name.lower() for fld in User._meta.get_fields()]
    assert not [n for n in names if any(w in n for w in ("nationality", "race", "religion", "birth"))]
