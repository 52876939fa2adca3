"""Re-screening the registry against a new release: the incremental pass (new or changed entries
against every organisation, every entry against changed organisations) finds exactly what a
full pass would flag as new; flags are recorded in batches."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosures.models import ITEM_MODELS, DisclosureVersion, PositionItem
from portal.models import AuditEntry, Organisation
from portal.services import organisation_save
from riskmgmt import matching, services
from riskmgmt.models import (
    Case,
    Concern,
    FalsePositiveClearance,
    Flag,
    FlagItem,
    RegistrySnapshot,
    ScreeningEntry,
    ScreeningHit,
    ScreeningRun,
)
from tests.factories import UserFactory
from tests.riskmgmt import factories as f

pytestmark = pytest.mark.django_db

FULL, INCREMENTAL = ScreeningRun.Mode.FULL, ScreeningRun.Mode.INCREMENTAL

LIST_CSV = (
    "name,aliases,country,source,note\n"
    "Harbin Institute of Technology,HIT;哈爾浜工業大学,CN,METI,\n"
    "Kim Il Sung University,金日成総合大学,KP,METI,\n"
    "Rosatom State Atomic Energy Corporation,Rosatom;ロスアトム,RU,Test,\n"
    "Beihang University,Beijing University of Aeronautics and Astronautics;BUAA,CN,CSL,\n"
    "Sharif University of Technology,SHFT,IR,METI,\n"
    "Mabrooka Trading Co L.L.C.,,AE,METI,\n"
)


def rescreen(csv=LIST_CSV, **kw):
    return services.screening_rescreen_registry(release=f.import_list(csv), **kw)


def pairs(run):
    return set(ScreeningHit.objects.filter(run=run).values_list(
        "organisation__name_en", "matched_name"))


def test_a_first_run_is_a_full_pass_and_keeps_a_snapshot_of_the_registry():
    f.org("Harbin Institute of Technology", country="CN")
    run = rescreen()
    assert run.mode == FULL and run.baseline is None and run.new_hits == 1
    assert run.threshold == matching.DEFAULT_THRESHOLD
    assert run.matcher_version == matching.matcher_version()
    assert run.registry_snapshot.organisations == Organisation.objects.count()


def test_a_changed_entry_is_screened_against_every_organisation():
    f.org("Harbin Institute of Technology", country="CN")
    tianjin = f.org("Tianjin Precision Optics Institute", country="CN")
    first = rescreen()
    changed = LIST_CSV.replace("Rosatom;ロスアトム", "Rosatom;ロスアトム;Tianjin Precision Optics Inst.")
    run = rescreen(changed)
    assert run.mode == INCREMENTAL and run.baseline == first
    assert pairs(run) == {("Tianjin Precision Optics Institute", "Tianjin Precision Optics Inst.")}
    assert ScreeningHit.objects.get(run=run).organisation == tianjin


def test_an_organisation_added_after_the_previous_run_meets_the_unchanged_entries():
    rescreen()
    f.org("Kim Il-Sung University", country="KP")
    run = rescreen()  # the same list again: no entry changed
    assert run.mode == INCREMENTAL
    assert pairs(run) == {("Kim Il-Sung University", "Kim Il Sung University")}


def test_an_alias_added_after_the_previous_run_is_screened():
    kisu = f.org("KISU Pyongyang", country="KP")
    assert rescreen().new_hits == 0
    organisation_save(instance=kisu, aliases=["金日成総合大学"])
    run = rescreen()
    assert run.mode == INCREMENTAL and pairs(run) == {("KISU Pyongyang", "金日成総合大学")}


def test_an_alias_added_through_the_orm_alone_is_screened_too():
    """No timestamp is trusted: the snapshot compares the names themselves."""
    sharif = f.org("SUT Tehran", country="IR")
    rescreen()
    sharif.aliases.create(name="Sharif Univ. of Technology")
    Organisation.objects.filter(pk=sharif.pk).update(name_ja="シャリフ工科大学")
    run = rescreen()
    assert run.mode == INCREMENTAL and ScreeningHit.objects.get(run=run).organisation == sharif


def test_unchanged_pairs_are_not_hit_again_even_when_the_organisation_changes():
    harbin = f.org("Harbin Institute of Technology", country="CN")
    rescreen()
    harbin.aliases.create(name="HIT Harbin")  # re-screened, still the same (known) hit
    f.org("Unrelated Optics GmbH", country="DE")
    for _n in range(2):
        run = rescreen()
        assert run.mode == INCREMENTAL and run.new_hits == 0
    assert ScreeningHit.objects.filter(organisation=harbin).count() == 1


def test_a_cleared_pair_stays_cleared_until_the_entry_changes(staff):
    harbin = f.org("Harbin Institute of Technology", country="CN")
    rescreen()
    services.screening_hit_clear(hit=ScreeningHit.objects.get(organisation=harbin),
                                 reason="A namesake", actor=staff)
    harbin.aliases.create(name="Harbin Inst. of Technology")  # the organisation changes
    assert rescreen().new_hits == 0
    assert FalsePositiveClearance.objects.count() == 1
    changed = LIST_CSV.replace("HIT;哈爾浜工業大学", "HIT;哈爾浜工業大学;HIT Harbin")
    run = rescreen(changed)
    assert run.mode == INCREMENTAL and run.new_hits == 1
    assert ScreeningHit.objects.get(run=run).organisation == harbin


def test_a_changed_threshold_makes_a_full_pass():
    f.org("Harbin Institute of Technology", country="CN")
    rescreen(threshold=88)
    run = rescreen(threshold=95)
    assert run.mode == FULL and run.baseline is None and run.threshold == 95
    assert rescreen(threshold=95).mode == INCREMENTAL


def test_a_changed_matcher_makes_a_full_pass(monkeypatch):
    rescreen()
    monkeypatch.setattr(matching, "_version", "something-else")
    assert rescreen().mode == FULL
    assert rescreen().mode == INCREMENTAL


def test_full_can_be_asked_for_and_only_the_latest_run_keeps_a_snapshot():
    rescreen()
    second = rescreen(full=True)
    assert second.mode == FULL
    third = rescreen()
    assert third.mode == INCREMENTAL and third.baseline == second
    assert list(RegistrySnapshot.objects.values_list("run", flat=True)) == [third.pk]


def test_a_failed_run_is_not_built_on(monkeypatch):
    first = rescreen()

    def broken(*args, **kwargs):
        raise RuntimeError("flagging failed")

    f.org("Kim Il-Sung University", country="KP")
    monkeypatch.setattr(services, "_flag_researchers_for_hits", broken)
    with pytest.raises(RuntimeError):
        rescreen()
    failed = ScreeningRun.objects.get(status=ScreeningRun.Status.FAILED)
    assert not ScreeningHit.objects.filter(run=failed).exists()  # nothing half-recorded
    monkeypatch.undo()
    run = rescreen()
    assert run.baseline == first and run.new_hits == 1


def test_the_job_can_ask_for_a_full_pass():
    from portal.outbox.services import job_run

    release = f.import_list()
    job_run(services.screening_rescreen_enqueue(release=release).pk)
    job_run(services.screening_rescreen_enqueue(release=release, full=True).pk)
    assert list(ScreeningRun.objects.order_by("started_at").values_list("mode", flat=True)) == [
        FULL, FULL]


def _new_pairs_of_a_full_pass(release, threshold=matching.DEFAULT_THRESHOLD):
    """What a full pass over ``release`` would record as new, computed apart."""
    rows = ScreeningEntry.objects.filter(release=release).values_list(
        "pk", "entry_key", "fingerprint", "release_id", "release__screening_list__name", "name",
        "keys")
    results = matching.match_organisations(services._registry_names(), threshold=threshold,
                                           index=matching.Index(rows), limit=None)
    known = set(ScreeningHit.objects.values_list("organisation_id", "entry_key",
                                                 "entry_fingerprint"))
    known |= set(FalsePositiveClearance.objects.values_list("organisation_id", "entry_key",
                                                            "entry_fingerprint"))
    return {(oid, m.entry_key, m.fingerprint) for oid, ms in results.items() for m in ms
            if (oid, m.entry_key, m.fingerprint) not in known}


def test_the_incremental_pass_records_exactly_what_a_full_pass_would(staff):
    names = ["Harbin Institute of Technology", "Kim Il-Sung Univ.", "ROSATOM Corp.",
             "Beijing Univ. of Aeronautics & Astronautics", "Mabrooka Trading Co., Ltd.",
             "Sharif University", "University of Tokyo", "Tianjin Optics", "ハルビン工業大学",
             "Pyongyang Trading Co.", "Tehran Polymer Institute", "Harvard University"]
    orgs = [f.org(name, country="CN") for name in names]
    rescreen()
    services.screening_hit_clear(hit=ScreeningHit.objects.filter(
        organisation=orgs[4]).first(), reason="namesake", actor=staff)
    # Entries change, arrive and leave; organisations arrive, are renamed, get aliases.
    changed = (LIST_CSV.replace("SHFT", "SHFT;Sharif University")
               .replace("Mabrooka Trading Co L.L.C.,,", "Mabrooka Trading Co L.L.C.,Mabrouka Trading,")
               .replace("Kim Il Sung University,金日成総合大学,KP,METI,\n", "")
               + "Tehran Polymer Research Institute,TPRI,IR,METI,\n"
               + "Pyongyang Trading Company,,KP,METI,\n")
    f.org("Kim Il Sung Univ", country="KP")
    orgs[7].aliases.create(name="Rosatom State Atomic Energy Corp.")
    Organisation.objects.filter(pk=orgs[11].pk).update(name_en="Beihang University")
    release = f.import_list(changed)
    expected = _new_pairs_of_a_full_pass(release)
    run = services.screening_rescreen_registry(release=release)
    assert run.mode == INCREMENTAL
    got = set(ScreeningHit.objects.filter(run=run).values_list(
        "organisation_id", "entry_key", "entry_fingerprint"))
    assert got == expected and len(got) >= 4


def test_a_name_blocked_differently_by_the_new_release_is_searched_in_every_entry():
    """Blocking depends on how many entries carry a token: dropping one entry makes "zeta" rare
    (on at most 40 variants), and an unchanged name now meets an unchanged entry it was never
    scored against. A full pass would find that hit; the incremental pass must too."""
    entries = (["Zeta Quantum Works", "Zeta Only Corp", "Quantum Other Lab", "Work Tools Inc"]
               + [f"Zeta Quantum {chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(39)])
    old = "name,aliases,country,source,note\n" + "".join(f"{e},,CN,T,\n" for e in entries)
    new = old.replace("Zeta Only Corp,,CN,T,\n", "")
    f.org("Zeta Quantum Work", country="JP")
    assert rescreen(old).new_hits == 0  # scored only against "work": no candidate
    release = f.import_list(new)
    expected = _new_pairs_of_a_full_pass(release)
    run = services.screening_rescreen_registry(release=release)
    assert run.mode == INCREMENTAL
    assert pairs(run) == {("Zeta Quantum Work", "Zeta Quantum Works")}
    assert set(ScreeningHit.objects.filter(run=run).values_list(
        "organisation_id", "entry_key", "entry_fingerprint")) == expected


def test_a_restricted_view_finds_what_the_whole_index_finds_for_its_entries(sample_data):
    """The guarantee the incremental pass rests on: blocking decides with the whole index's
    token frequencies, so restricting to some entries changes nothing else."""
    release = f.import_list((sample_data / "export_control" / "meti_end_user_list_20250929.xlsx")
                            .read_bytes(), code="meti", fmt="meti")
    rows = list(ScreeningEntry.objects.filter(release=release).values_list(
        "pk", "entry_key", "fingerprint", "release_id", "release__screening_list__name", "name",
        "keys"))
    index = matching.Index(rows)
    some = {row[0] for row in rows[::3]}
    view = index.restricted(some)
    queries = [row[5] for row in rows[::7]] + [
        "KIM IL-SUNG UNIV.", "Harbin Inst. of Technology", "シャリフ工科大学", "Beijing Institute",
        "Islamic Republic of Iran Shipping Lines", "University of Tokyo", "Trading Co., Ltd."]
    compared = 0
    for name in queries:
        for threshold in (80, 88):
            whole = [(m.entry_id, m.score) for m in index.search(name, threshold=threshold,
                                                                 limit=None)]
            part = [(m.entry_id, m.score) for m in view.search(name, threshold=threshold,
                                                               limit=None)]
            assert part == [x for x in whole if x[0] in some], name
            compared += len(part)
    assert compared > 50


# --- Flagging in batches --------------------------------------------------------------------


def _researchers_naming(orgs, departments):
    people = []
    for n, o in enumerate(orgs):
        person = UserFactory(email=f"r{n}@example.ac.jp", department=departments["mech"],
                             roles=["researcher"])
        v = f.version(person)
        f.position(v, o)
        people.append(person)
    return people


def test_flagging_many_hits_takes_a_fixed_number_of_queries_plus_one_audit_entry_per_case(
        departments, django_assert_max_num_queries):
    orgs = [f.org(f"Harbin Institute of Technology {n}", country="CN") for n in range(30)]
    people = _researchers_naming(orgs, departments)
    # A case already open for the first researcher: joined, not opened again.
    existing = services.case_open_or_join(researcher=people[0],
                                          concern=Concern.SCREENING_MATCH, reason="earlier")[0]
    release = f.import_list()
    entry = ScreeningEntry.objects.get(release=release, name="Harbin Institute of Technology")
    for o in orgs:
        ScreeningHit.objects.create(organisation=o, query_name=o.name_en, entry=entry,
                                    entry_key=entry.entry_key, entry_fingerprint=entry.fingerprint,
                                    matched_name=entry.name, score=95, explanation="x")
    hits = list(ScreeningHit.objects.only("organisation_id", "entry_id", "score",
                                          "explanation", "explanation_params"))
    for model in (DisclosureVersion, PositionItem):  # content types are cached in a process
        ContentType.objects.get_for_model(model)
    audits = AuditEntry.objects.count()
    # The rule, the items of each section, the names of the entries hit, a savepoint and its
    # release, the open cases, the new cases and their second read, flags, flag items, flag
    # counts (one UPDATE per distinct increment: here one); and one audit entry per case.
    with django_assert_max_num_queries(1 + len(ITEM_MODELS) + 1 + 2 + 6 + len(people)):
        assert services._flag_researchers_for_hits(hits) == 30
    assert Case.objects.filter(concern=Concern.SCREENING_MATCH).count() == 30
    assert Flag.objects.filter(hit__isnull=False).count() == 30
    assert FlagItem.objects.count() == 30
    flag = Flag.objects.get(case__researcher=people[3])
    assert flag.reason == ("Harbin Institute of Technology 3 が List test-list (その他) の Harbin Institute "
                           "of Technology と一致するようになりました（スコア 95.0）: x")
    existing.refresh_from_db()
    assert existing.flag_count == 2 and existing.flags.count() == 2
    assert AuditEntry.objects.count() - audits == 30
    assert AuditEntry.objects.filter(action="riskmgmt.case.flag_joined",
                                     object_id=str(existing.pk)).exists()


def test_batches_cost_the_same_queries_whatever_their_size(departments):
    people = [UserFactory(email=f"p{n}@example.ac.jp", department=departments["mech"],
                          roles=["researcher"]) for n in range(40)]

    def queries(group):
        specs = [services.FlagSpec(researcher=p, reason=f"reason {p.pk}") for p in group]
        with CaptureQueriesContext(connection) as ctx:
            services.cases_open_or_join(concern=Concern.AWARENESS, flags=specs)
        return len(ctx) - len(group)  # less one audit entry per case

    assert queries(people[:5]) == queries(people[5:40])


def test_several_flags_of_one_researcher_land_on_one_case(researcher):
    specs = [services.FlagSpec(researcher=researcher, reason=r) for r in ("one", "two", "three")]
    flags = services.cases_open_or_join(concern=Concern.SCREENING_MATCH, flags=specs)
    case = Case.objects.get(researcher=researcher)
    assert {fl.case_id for fl in flags} == {case.pk} and case.flag_count == 3
    entry = AuditEntry.objects.get(action="riskmgmt.case.opened", object_id=str(case.pk))
    assert entry.data["flags"] == 3 and entry.data["reason"] == "one\ntwo\nthree"


def test_a_case_opened_at_the_same_moment_elsewhere_is_joined(researcher, monkeypatch):
    original = Case.objects.bulk_create
    theirs = {}

    def racing_bulk_create(objs, **kwargs):
        # Another transaction opens the same case between our read and our insert.
        theirs["case"] = Case.objects.create(
            reference="RC-2026-THEIRS0001", researcher=researcher, concern=Concern.SCREENING_MATCH,
            title="theirs", department=researcher.department)
        return original(objs, **kwargs)

    monkeypatch.setattr(Case.objects, "bulk_create", racing_bulk_create)
    flags = services.cases_open_or_join(concern=Concern.SCREENING_MATCH, flags=[
        services.FlagSpec(researcher=researcher, reason="hit")])
    assert flags[0].case == theirs["case"]
    assert Case.objects.filter(researcher=researcher).count() == 1
    assert AuditEntry.objects.filter(action="riskmgmt.case.flag_joined").exists()
    assert not AuditEntry.objects.filter(action="riskmgmt.case.opened").exists()


def test_a_clash_of_case_references_is_tried_again(researcher, other_researcher, monkeypatch):
    taken = services.case_open_or_join(researcher=other_researcher, concern=Concern.AWARENESS,
                                       reason="x")[0].reference
    refs = iter([taken, "RC-2026-FRESH00001"])
    monkeypatch.setattr(services, "_new_reference", lambda prefix: next(refs))
    case, _flag = services.case_open_or_join(researcher=researcher, concern=Concern.AWARENESS,
                                             reason="y")
    assert case.reference == "RC-2026-FRESH00001" and case.researcher == researcher


def test_a_flag_raised_by_re_screening_in_japanese_reads_in_english(departments):
    from django.utils import translation

    org = f.org("Harbin Inst. of Technology", country="CN")
    [person] = _researchers_naming([org], departments)
    release = f.import_list()
    entry = ScreeningEntry.objects.get(release=release, name="Harbin Institute of Technology")
    why = matching.explanation_params("Harbin Inst. of Technology", entry.name, entry.name, 93.0,
                                      "norm", "harbin inst of technology",
                                      "harbin institute of technology")
    with translation.override("ja"):
        hit = ScreeningHit.objects.create(
            organisation=org, query_name=org.name_en, entry=entry, entry_key=entry.entry_key,
            entry_fingerprint=entry.fingerprint, matched_name=entry.name, score=93,
            explanation=matching.explain(**why), explanation_params=why)
        services._flag_researchers_for_hits([ScreeningHit.objects.get(pk=hit.pk)])
    flag = Flag.objects.get(case__researcher=person)
    with translation.override("en"):
        assert flag.reason_display == (
            "Harbin Inst. of Technology now matches Harbin Institute of Technology on List "
            "test-list (Other) (score 93.0): Similar to the listed name (score 93: spelling or "
            "word order differ). “Harbin Inst. of Technology” → “harbin inst of technology” met "
            "“Harbin Institute of Technology” → “harbin institute of technology”.")
