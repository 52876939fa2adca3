"""Hostile input to every view: no server error, and no write from a refused post.

Nothing here names a view. The URL conf is walked (``get_resolver``); every pattern is filled
with objects of the demo data (every app's ``demo.py``) found by the names of its arguments; each
view is then asked once per persona with an empty query and an empty form, while the keys it
reads from ``request.GET`` / ``request.POST`` (its filterset's and forms' fields included, since
forms read their data through the same ``QueryDict``) are recorded. Those keys are then sent
hostile values: a NUL byte, "²", huge and negative numbers, "nan", non-UUIDs, 10,000-character
strings, invalid percent-encodings and invalid UTF-8. A new view, filter or form field is thus
covered without touching this file; a new kind of URL argument with no sample makes the test
fail, naming it, until ``SLUG_SAMPLES`` knows a value.

Every request runs in a savepoint rolled back afterwards, so one view's writes never change what
the next one sees. A post answered with a refusal (4xx, or 200: the form shown again with its
errors) must leave the row count of every table it wrote to as it was (the tables are those of
its INSERT/DELETE statements; the counts are read before the savepoint is rolled back).
"""

from __future__ import annotations

import itertools
import os
import re
import traceback
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.datastructures import MultiValueDict

from tests import files

pytestmark = pytest.mark.django_db

# One value per kind of parser it breaks: "²" (isdigit() then int()), 40 nines (overflow),
# "nan" (float() accepts it; it is also a word that no integer, UUID, date or choice parses:
# a separate "not-a-uuid" reached exactly the same branches), 10,000 characters (lengths),
# deep JSON. The NUL byte is refused at the edge (RejectNulMiddleware, before the view and
# whoever asks), so it is sent once per URL, not once per persona.
HOSTILE = [
    "a\x00b", "²", "9" * 40, "nan", "x" * 10_000,
    "{\"a\": " + "[" * 200 + "]" * 200 + "}",
]
# sent raw in the query string / body: invalid percent-encodings and invalid UTF-8
RAW_HOSTILE = ["%ZZ", "%E3%81", "%FF%FE", "%", "%C0%AF"]

# values for URL arguments that are not objects (enumerated: each value is its own page)
SLUG_SAMPLES = {
    "section": None,  # filled from disclosures.sections
    ("disclosures:review_action", "action"): ["start", "return", "accept"],
    ("riskmgmt:case_action", "action"): None,  # filled from riskmgmt.views.CASE_FORMS
    ("followup:response_action", "action"): ["amend", "submit", "confirm"],
    ("followup:export", "fmt"): ["xlsx", "pdf"],
    ("awareness:export", "name"): ["activities", "attendance", "answers"],
    ("disclosures:import_decide", "decision"): ["accept", "reject"],
    ("portal:roster_sample", "kind"): ["people", "departments"],
    ("notifications:schedule_preview", "name"): None,  # filled from the schedules registry
    ("notifications:schedule_run", "name"): None,
    ("notifications:schedule_edit", "name"): None,
    ("duediligence:declaration_link", "token"): None,  # a team member's link
    ("duediligence:project_action", "action"): None,  # filled from the view's actions
}
# URL prefixes not fuzzed, with the reason
SKIPPED_PREFIXES = {
    "accounts/": "django-allauth's own views (login, MFA): its forms, not ours",
    "admin/": "covered by tests/portal/test_admin.py; the admin's forms are Django's",
    "i18n/": "Django's set_language",
}
DESTRUCTIVE = re.compile(r"delete|remove|discard|purge")
# Bob takes Alice's code paths and the outsider is refused everywhere (the permission-matrix
# tests ask them); the others each reach different branches of the views.
PERSONAS = ["anonymous", "researcher", "reviewer", "staff", "admin"]
IGNORED_WRITES = ("django_session", "axes_")


#: Institutions of each MEXT type the demo loads here (the full list is ~820): what is fuzzed
#: is every URL, form and filter with three objects each, which a few institutions per type
#: fill as well as all of them; the ROR subset only feeds the organisation picker's choices.
INSTITUTIONS_PER_TYPE = 8


@pytest.fixture
def departments(home_institution, monkeypatch):
    """The personas live in the demo's departments, so that they see the demo's records."""
    from django.core.management import call_command

    from disclosures import demo as disclosures_demo
    from followup import mext
    from portal.models import Department

    records, by_type = mext.default_records(), {}
    for record in records:
        by_type.setdefault(record.get("type"), []).append(record)
    few = [r for same in by_type.values() for r in same[:INSTITUTIONS_PER_TYPE]]
    monkeypatch.setattr(mext, "default_records", lambda: few)
    monkeypatch.setattr(disclosures_demo, "_load_ror_subset", lambda stdout=None: None)
    call_command("demo_setup", stdout=_Null())
    by_code = {d.code: d for d in Department.objects.all()}
    return {"eng": by_code["ENG"], "mech": by_code["ENG-MECH"], "sci": by_code["SCI"],
            "chem": by_code["SCI-CHEM"], "ro": by_code["RO"]}


class _Null:
    def write(self, *_a, **_k):
        pass


# --- what a view reads ---------------------------------------------------------------------

_reads: dict[str, set[str]] | None = None


def _recording(method):
    def wrapper(self, key, *args, **kwargs):
        if _reads is not None and isinstance(key, str):
            kind = "files" if type(self) is MultiValueDict else "data"
            _reads[kind].add(key)
        return method(self, key, *args, **kwargs)
    return wrapper


@contextmanager
def recording_reads():
    global _reads
    originals = {}
    for cls in (QueryDict, MultiValueDict):
        for name in ("__getitem__", "get", "getlist", "__contains__"):
            originals[(cls, name)] = cls.__dict__.get(name)
            base = getattr(cls, name)
            setattr(cls, name, _recording(base))
    _reads = {"data": set(), "files": set()}
    try:
        yield _reads
    finally:
        _reads = None
        for (cls, name), original in originals.items():
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)


# --- writes --------------------------------------------------------------------------------

@contextmanager
def recording_writes():
    writes: list[str] = []

    def wrapper(execute, sql, params, many, context):
        head = sql.lstrip()[:6].upper()
        if head in ("INSERT", "UPDATE", "DELETE") and not any(t in sql for t in IGNORED_WRITES):
            writes.append(sql[:160])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield writes


def _table(sql: str) -> str:
    match = re.search(r'(?:INTO|UPDATE|FROM)\s+"?(\w+)', sql)
    return match[1] if match else sql


class _Rollback(Exception):
    pass


def request(client, method, url, *, query="", body=None, files=None):
    """One request in a savepoint rolled back afterwards → (status, writes, error)."""
    writes: list[str] = []
    status, error, tables, after = None, None, [], {}
    try:
        with transaction.atomic():
            with recording_writes() as writes:
                try:
                    if method == "get":
                        response = client.get(url, QUERY_STRING=query)
                    elif body is not None and isinstance(body, str):
                        response = client.generic("POST", url, body,
                                                  content_type="application/x-www-form-urlencoded")
                    else:
                        response = client.post(url, {**(body or {}), **(files or {})})
                    status = response.status_code
                except Exception as exc:  # noqa: BLE001 - every server error is the finding
                    status = 500
                    if os.environ.get("FUZZ_TRACEBACK"):
                        traceback.print_exc()
                    error = "".join(traceback.format_exception_only(exc)).strip()[:300]
                    tb = traceback.extract_tb(exc.__traceback__)
                    ours = [f for f in tb if "/.venv/" not in f.filename and "site-packages" not in f.filename]
                    if ours:
                        error += f" at {ours[-1].filename.rsplit('/', 3)[-3:]}:{ours[-1].lineno}"
            tables = sorted({_table(sql) for sql in writes})
            after = _counts(tables)
            raise _Rollback
    except _Rollback:
        pass
    before = _counts(tables)  # rolled back: as it was before the request
    changed = [f"{t}: {before[t]} → {after[t]} rows" for t in tables if before[t] != after[t]]
    return status, changed, error


def _counts(tables):
    with connection.cursor() as cursor:
        out = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from our SQL
            out[table] = cursor.fetchone()[0]
        return out


# --- the URL conf --------------------------------------------------------------------------

def walk(resolver=None, prefix="", ns=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            sub = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from walk(p, prefix + str(p.pattern), sub)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield prefix + str(p.pattern), name, p


_ARG = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _app_models(view):
    module = getattr(view, "__module__", "") or ""
    configs = [c for c in apps.get_app_configs() if module.startswith(c.name + ".")]
    configs.sort(key=lambda c: -len(c.name))
    return list(configs[0].get_models()) if configs else []


def _tokens(text):
    return {t for t in re.split(r"[^a-z]+", text.lower()) if len(t) > 2}


def _samples(url_name, arg, conv, view, world):
    explicit = SLUG_SAMPLES.get((url_name, arg), SLUG_SAMPLES.get(arg, ...))
    if explicit is not ...:
        return explicit, True
    models = _app_models(view) or list(apps.get_models())
    wanted = _tokens(url_name.split(":")[-1])
    models.sort(key=lambda m: -len(wanted & _tokens(m.__name__ + " " + m._meta.verbose_name)))
    values = []
    for model in models:
        fields = {f.name for f in model._meta.concrete_fields}
        field = arg if arg in fields else None
        if field is None and arg.endswith("_id") and arg[:-3] in model.__name__.lower():
            field = "pk"
        if field is None and arg == "pk":
            field = "pk"
        if field is None:
            continue
        values += list(model._base_manager.values_list(field, flat=True).distinct()[:3])
    return [str(v) for v in values if v not in (None, "")], False


def concrete_urls(world, clients):
    """Every fuzzed URL filled with demo objects → [(route, name, url)], and unfillable routes."""
    from disclosures.sections import SECTIONS
    from riskmgmt.views import CASE_FORMS

    SLUG_SAMPLES["section"] = [s.code for s in SECTIONS]
    SLUG_SAMPLES[("riskmgmt:case_action", "action")] = list(CASE_FORMS)
    from portal.notifications.schedules import SCHEDULES

    for key in ("notifications:schedule_preview", "notifications:schedule_run",
                "notifications:schedule_edit"):
        SLUG_SAMPLES[(key, "name")] = [SCHEDULES[0].name]
    from riskmgmt.duediligence.models import TeamMember
    from riskmgmt.duediligence.views import EXPORTS

    SLUG_SAMPLES[("duediligence:project_action", "action")] = [
        "member", "check", "questionnaire", "sign_off", "pi_confirm", "measure", "inquiry",
        *EXPORTS]

    tokens = list(TeamMember.objects.values_list("access_token", flat=True)[:1])
    for key in list(SLUG_SAMPLES):
        if isinstance(key, tuple) and key[1] == "token" and key[0].endswith("declaration_link"):
            SLUG_SAMPLES[key] = tokens
    out, missing = [], []
    # Files removed from storage are not rolled back with the database: removing views last.
    routes = sorted(walk(), key=lambda r: bool(DESTRUCTIVE.search(r[1])))
    for route, name, pattern in routes:
        if route.startswith(tuple(SKIPPED_PREFIXES)) or "(?P" in route or "^" in route:
            continue
        args = _ARG.findall(route)
        if not args:
            out.append((route, name, "/" + route))
            continue
        enumerated, probed = [], []
        for conv, arg in args:
            values, enumerate_all = _samples(name, arg, conv, pattern.callback, world)
            if not values:
                missing.append((route, arg))
                break
            (enumerated if enumerate_all else probed).append((arg, values))
        else:
            found = False
            for enum_combo in itertools.product(*[v for _a, v in enumerated]) if enumerated else [()]:
                kw = dict(zip([a for a, _v in enumerated], enum_combo, strict=True))
                for combo in itertools.islice(itertools.product(*[v for _a, v in probed]), 40):
                    kwargs = {**kw, **dict(zip([a for a, _v in probed], combo, strict=True))}
                    url = "/" + _ARG.sub(lambda m, kwargs=kwargs: quote(kwargs[m["name"]]), route)
                    if not probed or _exists(clients, url):
                        out.append((route, name, url))
                        found = True
                        break
            if not found:
                missing.append((route, "no object found"))
    return out, missing


#: The probe's GET of a URL, kept for the fuzz loop (the same request: not sent twice).
_probed: dict[tuple[int, str], tuple] = {}


def _exists(clients, url):
    for client in clients:
        with recording_reads() as reads:
            status, _w, error = request(client, "get", url)
        _probed[(id(client), url)] = (status, error, set(reads["data"]))
        if status == 405:
            status, _w, _e = request(client, "post", url, body={"_probe": "1"})
        if status != 404:
            return True
    return False


def _records_the_demo_lacks(personas):
    """One of each record a URL points at that the demo data does not make."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from disclosures.models import Attachment
    from followup.awareness.models import (
        ActivityMaterial,
        AwarenessActivity,
        ChecklistResponse,
        ChecklistVersion,
    )
    from portal import imports
    from portal.models import GeneratedFile, ImportUpload
    from portal.notifications.models import Notification
    from riskmgmt.models import FundingAgencyInquiry
    from tests.disclosures.factories import add_item, draft_for, org, side_job

    admin, alice = personas["admin"], personas["researcher"]
    add_item(alice, "position", side_job(org("Fuzz Corp")))  # a draft with an item to edit
    pdf = files.PDF
    for owner in (admin, alice):
        gf = GeneratedFile.objects.create(owner=owner, exporter="test.export", title="export",
                                          status=GeneratedFile.Status.DONE, progress=100,
                                          filename="x.csv", mimetype="text/csv")
        gf.file.save("x.csv", ContentFile(b"a,b\n1,2\n"), save=True)
        Notification.objects.create(recipient=owner, kind=Notification._meta.get_field("kind").choices[0][0], stored_title="t", stored_body="b", dedupe_key=f"fuzz-{owner.pk}")
    attachment = Attachment(version=draft_for(alice), original_name="a.pdf", mimetype="application/pdf",
                            size=len(pdf), uploaded_by=alice)
    attachment.file.save("a.pdf", ContentFile(pdf), save=True)
    FundingAgencyInquiry.objects.create(reference="FZ-1", programme="p", project_title="t",
                                        question="q", deadline=dt.date(2030, 1, 1))
    material = ActivityMaterial(activity=AwarenessActivity.objects.first(), filename="m.pdf",
                                mimetype="application/pdf", size=len(pdf), uploaded_by=admin)
    material.file.save("m.pdf", ContentFile(pdf), save=True)
    # an upload of every import kind, checked and waiting for confirmation, for each persona
    from django.utils import timezone

    for owner in (admin, alice):
        for code in imports.KINDS:
            ImportUpload.objects.create(
                owner=owner, kind=code, params={}, status=ImportUpload.Status.CHECKED,
                step="check", expires_at=timezone.now() + imports.MAX_AGE, files=[])
    # a due-diligence project with a member (a declaration and its link)
    from tests.riskmgmt.duediligence import factories as dd

    project = dd.project(admin)
    dd.member(project, admin, user=alice)
    version = ChecklistVersion.objects.select_related("checklist").first()
    ChecklistResponse.objects.create(checklist=version.checklist, version=version,
                                     fiscal_year=2025, respondent=alice, filled_by=alice)


# --- the test ------------------------------------------------------------------------------

NUL_LABEL = repr(HOSTILE[0])


def _rotated(keys, values, shift):
    keys = sorted(keys)
    return [(k, values[(i + shift) % len(values)]) for i, k in enumerate(keys)]


def _queries(keys):
    """One query per hostile value on every key, then the raw encodings rotated over the keys."""
    for value in HOSTILE:
        yield "&".join(f"{quote(k)}={quote(value, safe='')}" for k in sorted(keys)), repr(value[:20])
    for shift in range(len(RAW_HOSTILE) if len(keys) < len(RAW_HOSTILE) else 1):
        pairs = _rotated(keys, RAW_HOSTILE, shift)
        yield "&".join(f"{quote(k)}={raw}" for k, raw in pairs), "raw encodings"


def _bodies(keys):
    for value in HOSTILE:
        yield dict.fromkeys(keys, value), repr(value[:20])
    for shift in range(len(RAW_HOSTILE) if len(keys) < len(RAW_HOSTILE) else 1):
        pairs = _rotated(keys, RAW_HOSTILE, shift)
        yield "&".join(f"{quote(k)}={raw}" for k, raw in pairs), "raw encodings"


def _hostile_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    # a Windows executable carrying "%PDF-" in its first KiB, named like a PDF
    return SimpleUploadedFile("invoice.pdf.exe", b"MZ\x90\x00" + b"\x00" * 60 + b"%PDF-1.4 " * 8,
                              content_type="application/pdf")


def test_no_server_error_and_no_partial_write_on_hostile_input(personas, client_as, django_db_blocker):
    from portal.models import User

    for user in personas.values():
        user.save()  # the outsider's password (see test_permission_matrix)
    _records_the_demo_lacks(personas)

    clients = {}
    for persona in PERSONAS:
        client = Client(raise_request_exception=True)
        if persona != "anonymous":
            client.force_login(personas[persona])
        clients[persona] = client
    _probed.clear()
    urls, missing = concrete_urls(None, [clients["admin"], clients["researcher"]])
    assert not missing, f"URL arguments with no sample (add to SLUG_SAMPLES or demo data): {missing}"

    failures, refused_writes, fuzzed = [], [], 0
    nul_sent_to: set[tuple[str, str]] = set()  # (method, url): the edge's answer is the same for all

    def first_nul(method, url, label):
        if label != NUL_LABEL:
            return True
        if (method, url) in nul_sent_to:
            return False
        nul_sent_to.add((method, url))
        return True
    for _route, _name, url in urls:
        # the path: a NUL byte is refused at the edge, before any view (one persona suffices)
        status, _w, error = request(clients["researcher"], "get", url + "%00/")
        if error or status != 400:
            failures.append(("researcher", "GET", url + "%00/", "", error or f"status {status}"))
        for persona, client in clients.items():
            # what the view reads on a GET and on a POST
            probed = _probed.pop((id(client), url), None)
            if probed is not None:
                status, error, read_keys = probed
            else:
                with recording_reads() as reads:
                    status, _w, error = request(client, "get", url)
                read_keys = set(reads["data"])
            if error:
                failures.append((persona, "GET", url, "", error))
                continue
            get_keys, get_status = read_keys, status
            if get_status in (403, 404) or persona == "anonymous":
                continue  # refused before reading anything: nothing to fuzz
            with recording_reads() as reads:
                post_status, _w, error = request(client, "post", url, body={"_probe": "1"})
            if error:
                failures.append((persona, "POST", url, "_probe", error))
                continue
            post_keys = set(reads["data"]) - {"_probe", "csrfmiddlewaretoken"}
            file_keys = set(reads["files"])
            if get_status in (200, 302) and get_keys:
                for query, label in _queries(get_keys):
                    if not first_nul("GET", url, label):
                        continue
                    fuzzed += 1
                    status, _w, error = request(client, "get", url, query=query)
                    if error or status >= 500 or (label == NUL_LABEL and status != 400):
                        failures.append((persona, "GET", url, f"{sorted(get_keys)}={label}",
                                         error or f"status {status}"))
            if post_status not in (403, 404, 405) and (post_keys or file_keys):
                for body, label in _bodies(post_keys):
                    if not first_nul("POST", url, label):
                        continue
                    fuzzed += 1
                    files = None
                    if isinstance(body, dict) and file_keys:
                        files = {k: _hostile_upload() for k in file_keys}
                    status, writes, error = request(client, "post", url, body=body, files=files)
                    nul_sent = label == NUL_LABEL and post_keys
                    if error or status >= 500 or (nul_sent and status != 400):
                        failures.append((persona, "POST", url, f"{sorted(post_keys)}={label}",
                                         error or f"status {status}"))
                    elif status != 302 and writes:
                        refused_writes.append((persona, url, label, status, writes[:3]))
    by_place: dict[str, list] = {}
    for f in failures:
        by_place.setdefault(f[4].split(" at ")[-1] if " at " in f[4] else f[4], []).append(f)
    failures = [places[0] + (f"×{len(places)}",) for places in by_place.values()]
    report = "\n".join(" | ".join(map(str, f)) for f in failures[:60])
    assert not failures, f"{len(failures)} server errors ({fuzzed} fuzzed requests):\n{report}"
    writes = "\n".join(map(str, refused_writes[:30]))
    assert not refused_writes, f"refused posts that wrote ({len(refused_writes)}):\n{writes}"
    assert fuzzed > 500  # the walk really found the filters and forms
    assert User.objects.count() >= 6
