"""The benchmark harness at a tiny scale: the generator's counts and determinism, the bench
database guard, and that bench/run.py's figure lines follow ``name value unit``."""

import dataclasses
import hashlib
import os

import pytest
from django.db import transaction

from bench import env
from bench import generate as G
from bench.measure import Figure, parse_line, target

TINY = dataclasses.replace(G.SCALES["tiny"], researchers=40, organisations=60, institutions=8,
                           disclosure_items=300, screening_entries=15, cases=8)


def _digest() -> str:
    from portal.models import Organisation, User

    h = hashlib.sha256()
    for row in User.objects.order_by("email").values_list("email", "family_name", "given_name",
                                                           "department__code"):
        h.update(repr(row).encode())
    for row in Organisation.objects.order_by("name_en", "name_ja").values_list(
            "name_ja", "name_en", "country", "kind"):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_generator_fills_the_tiny_scale_with_the_expected_counts():
    from django.db.models import Count

    from portal.models import (
        Institution,
        Organisation,
        OrganisationAlias,
        Role,
        RoleAssignment,
        User,
    )
    from portal.names import normalize_name

    ctx = G.generate(TINY, seed=7, out=lambda line: None)

    assert not ctx.skipped, ctx.skipped
    researchers = RoleAssignment.objects.filter(role=Role.RESEARCHER, user__email__startswith="r").exclude(
        user__email__startswith="reviewer-")
    assert researchers.count() == TINY.researchers
    assert User.objects.filter(email=G.LONG_HISTORY_RESEARCHER).exists()
    assert Organisation.objects.count() == TINY.organisations
    assert Organisation.objects.filter(country="JP").exists()
    assert Organisation.objects.exclude(country="JP").exclude(country="").exists()
    # bulk_create skips save(): the generator sets the comparison key itself
    alias = OrganisationAlias.objects.first()
    assert alias is not None and alias.normalized == normalize_name(alias.name)
    assert Institution.objects.count() == TINY.institutions
    assert Institution.objects.filter(is_home=True).count() == 1
    # staff can use the portal: their roles need TOTP
    from allauth.mfa.models import Authenticator

    for email in G.OFFICE_STAFF + G.ADMINS:
        assert Authenticator.objects.filter(user__email=email, type="totp").exists()

    from disclosures.models import Disclosure, DisclosureVersion

    long = Disclosure.objects.get(owner__email=G.LONG_HISTORY_RESEARCHER)
    assert long.versions.count() == 12
    current = long.current_version
    assert sum(len(v) for v in current.content["sections"].values()) == 50
    assert DisclosureVersion.objects.filter(status="draft").values("disclosure").annotate(
        n=Count("id")).filter(n__gt=1).count() == 0
    from riskmgmt.models import Case, ScreeningEntry

    assert ScreeningEntry.objects.count() == TINY.screening_entries
    assert Case.objects.count() == TINY.cases
    from followup.models import SurveyAnswer, SurveyResponse

    assert SurveyResponse.objects.count() == TINY.institutions * TINY.fiscal_years
    assert SurveyAnswer.objects.count() == TINY.institutions * TINY.fiscal_years * 7
    assert ctx.counts["portal.Organisation"] == TINY.organisations


@pytest.mark.django_db
def test_generator_is_deterministic_for_a_seed():
    digests = []
    for seed in (11, 11, 12):
        with transaction.atomic():
            G.generate(TINY, seed=seed, out=lambda line: None, only_core=True)
            digests.append(_digest())
            transaction.set_rollback(True)
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_figure_lines_parse_as_name_value_unit():
    lines = [
        Figure("disclosure_page_p95", 23.14, "ms", target("< 50 ms")).line(),
        Figure("review_queue_queries", 14, "queries", target("<= 12 queries")).line(),
        Figure("disclosure_page_median", 12.5, "ms").line(),
        Figure("campaign_fanout_time", None, reason="not built").line(),
        Figure("rescreen_registry_time", None, reason="error: KeyError (x)").line(),
    ]
    assert lines[0] == "disclosure_page_p95 23.1 ms (target < 50 ms) OK"
    assert lines[1] == "review_queue_queries 14 queries (target <= 12 queries) MISS"
    assert lines[3] == "campaign_fanout_time n/a (not built)"
    parsed = [parse_line(line) for line in lines]
    assert parsed[0]["value"] == 23.1 and parsed[0]["unit"] == "ms" and parsed[0]["ok"] is True
    assert parsed[1]["ok"] is False and parsed[1]["target"] == "<= 12 queries"
    assert parsed[2]["target"] is None
    assert parsed[3]["value"] is None and parsed[3]["reason"] == "not built"
    with pytest.raises(ValueError):
        parse_line("disclosure page 23 ms")


@pytest.mark.django_db
def test_run_measures_pages_writes_and_jobs_and_prints_parsable_lines(settings):
    from bench import benchmarks  # noqa: F401 - registers the benchmarks
    from bench.run import Bench, run_benchmarks

    settings.DEBUG = False
    G.generate(TINY, seed=3, out=lambda line: None)
    lines = []
    bench = Bench(scale=TINY, scale_key="tiny", repeats=3, inprocess_children=True)
    only = {"researcher_dashboard", "disclosure_page", "review_queue", "followup_results",
            "disclosure_item_save", "campaign_fanout", "followup_excel_export"}
    figures = run_benchmarks(bench, only=only, emit=lambda f: lines.append(f.line()))

    assert len(lines) == len(figures) >= 18
    parsed = {p["name"]: p for p in map(parse_line, lines)}
    for name in ("researcher_dashboard_queries", "disclosure_page_p95", "review_queue_p95",
                 "followup_results_queries", "disclosure_item_save_p95", "campaign_fanout_time",
                 "followup_excel_export_peak_memory"):
        assert parsed[name]["value"] is not None, (name, parsed[name])
    assert parsed["disclosure_page_p95"]["target"] == "< 50 ms"
    assert parsed["campaign_fanout_time"]["unit"] == "s"
    assert parsed["followup_excel_export_peak_memory"]["unit"] == "MB"


def test_bench_database_is_never_another_database(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    target = env.configure("quick")
    assert target["name"] == "portal_bench_quick"
    assert os.environ["DATABASE_URL"].endswith("/portal_bench_quick")
    monkeypatch.delenv("DATABASE_URL")
    target = env.configure("full")
    assert target["vendor"] == "sqlite"
    assert target["name"].endswith(os.path.join("var", "bench", "full", "portal.sqlite3"))
    monkeypatch.setenv("BENCH_DATABASE_NAME", "portal")
    with pytest.raises(SystemExit):
        env.bench_database_name("quick")
