#!/usr/bin/env python
"""Fill the benchmark database with a realistic, deterministic university.

    .venv/bin/python bench/generate.py                 # full scale, SQLite in var/bench/full/
    .venv/bin/python bench/generate.py --scale quick   # the --quick scale of bench/run.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/generate.py
                                                       # PostgreSQL database portal_bench

The database is dropped, recreated and migrated by this script (see bench/env.py: it is never
the developers' database nor a test database). Everything is seeded (``--seed``) so two runs give
the same rows, and written with ``bulk_create`` in batches (no per-row ``save()``).

Sections: the core (home institution, department tree, researchers with roles, staff with TOTP,
the organisation registry with Japanese/English names and aliases, the institution registry),
then each app's data when the app's models exist: disclosures with versions and items, the
screening list and cases with measures, the follow-up answers of every institution and year,
the update campaign. A section whose app is not built yet is reported and skipped.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import hashlib
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import names as N  # noqa: E402

BATCH = 2000
BENCH_DOMAIN = "bench.example.ac.jp"
STAFF_TOTP_SECRET_SEED = "bench-totp"


@dataclasses.dataclass(frozen=True)
class Scale:
    name: str
    researchers: int
    organisations: int
    institutions: int
    disclosure_items: int
    max_versions: int
    screening_entries: int
    cases: int
    fiscal_years: int = 4

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


SCALES = {
    "full": Scale("full", researchers=30_000, organisations=50_000, institutions=2_000,
                  disclosure_items=300_000, max_versions=6, screening_entries=10_000,
                  cases=20_000),
    "quick": Scale("quick", researchers=3_000, organisations=5_000, institutions=300,
                   disclosure_items=30_000, max_versions=6, screening_entries=1_000,
                   cases=2_000),
    "tiny": Scale("tiny", researchers=60, organisations=80, institutions=12,
                  disclosure_items=400, max_versions=3, screening_entries=20, cases=10,
                  fiscal_years=2),
}

# Fixed identities that bench/run.py and bench/load.py look up.
LONG_HISTORY_RESEARCHER = f"r-long@{BENCH_DOMAIN}"
OFFICE_STAFF = [f"office{n:02d}@{BENCH_DOMAIN}" for n in range(1, 9)]
ADMINS = [f"admin{n:02d}@{BENCH_DOMAIN}" for n in range(1, 3)]


def researcher_email(n: int) -> str:
    return f"r{n:05d}@{BENCH_DOMAIN}"


def reviewer_email(faculty_code: str) -> str:
    return f"reviewer-{faculty_code.lower()}@{BENCH_DOMAIN}"


class NotBuilt(Exception):
    """The app part a section needs is not there yet."""


class Ctx:
    """State shared by the sections: the seeded RNG, ids created so far, counts, timings."""

    def __init__(self, scale: Scale, seed: int, out: Callable[[str], None]):
        self.scale = scale
        self.seed = seed
        self.out = out
        self.rng = random.Random(seed)
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.skipped: dict[str, str] = {}
        # Dates are relative to the day of generation (pages show what is due or overdue).
        self.today = dt.datetime.now(dt.UTC).date()
        self.now = dt.datetime.combine(self.today, dt.time(0, 0), tzinfo=dt.UTC)
        # filled by the core
        self.home = None
        self.departments: list = []  # leaf departments (researchers live there)
        self.faculties: dict[str, object] = {}
        self.researcher_ids: list[int] = []
        self.researcher_dept: dict[int, int] = {}
        self.staff_ids: list[int] = []
        self.admin_ids: list[int] = []
        self.reviewer_ids: dict[str, int] = {}
        self.organisation_ids: list[int] = []
        self.foreign_organisation_ids: list[int] = []
        self.funder_ids: list[int] = []
        self.org_names: dict[int, tuple[str, str, str]] = {}
        self.institution_ids: list[int] = []

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def count(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n


def bulk(model, objs: Iterable, batch: int = BATCH) -> list:
    """bulk_create in batches; returns the created objects (with ids on SQLite and PostgreSQL)."""
    created: list = []
    chunk: list = []
    for obj in objs:
        chunk.append(obj)
        if len(chunk) >= batch:
            created.extend(model.objects.bulk_create(chunk, batch_size=batch))
            chunk = []
    if chunk:
        created.extend(model.objects.bulk_create(chunk, batch_size=batch))
    return created


def copy_insert(model, objs: Iterable) -> int:
    """Insert rows that already carry their primary key; COPY on PostgreSQL (much faster than
    an INSERT with parameter arrays), bulk_create elsewhere. Returns the number of rows."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return len(bulk(model, objs))
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Raw attribute values (no descriptors: a CountryField's would build a Country per read);
    # auto_now fields left empty get the time now, as pre_save would.
    plan = [(f.attname, f, bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)))
            for f in fields]
    now = dt.datetime.now(dt.UTC)
    n = 0
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for obj in objs:
            if obj.pk is None:
                raise ValueError(f"copy_insert needs explicit primary keys ({model.__name__})")
            values = obj.__dict__
            row = []
            for attname, f, auto in plan:
                value = values.get(attname)
                if auto and value is None:
                    value = now
                row.append(f.get_db_prep_save(value, connection))
            copy.write_row(row)
            n += 1
    return n


# --- core ------------------------------------------------------------------------------------


def gen_core(ctx: Ctx) -> None:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from portal.models import (
        Department,
        Institution,
        InstitutionCategory,
        Role,
        RoleAssignment,
        User,
    )

    base = Path(__file__).resolve().parent.parent
    if not InstitutionCategory.objects.exists():
        call_command("loaddata", str(base / "fixtures" / "institution_categories.json"),
                     verbosity=0)
    national = InstitutionCategory.objects.get(code="national_university")
    ctx.home = Institution.objects.create(
        code="BENCH01", name_ja="ベンチマーク大学", name_en="Benchmark University",
        category=national, is_home=True, public_id=ctx.uuid(),
    )
    ctx.count("portal.Institution", 1)

    # Department tree: faculties (研究科) → departments (専攻) → a few divisions (講座).
    faculties = bulk(Department, [
        Department(institution=ctx.home, code=code, name_ja=ja, name_en=en, public_id=ctx.uuid())
        for code, ja, en, _deps in N.FACULTIES
    ] + [Department(institution=ctx.home, code="RO", name_ja="研究推進部",
                    name_en="Research Promotion Office", public_id=ctx.uuid())])
    ctx.faculties = {f.code: f for f in faculties}
    second = []
    for code, _ja, _en, deps in N.FACULTIES:
        for i, (dja, den) in enumerate(deps, start=1):
            second.append(Department(institution=ctx.home, parent=ctx.faculties[code],
                                     code=f"{code}-{i:02d}", name_ja=dja, name_en=den,
                                     public_id=ctx.uuid()))
    second = bulk(Department, second)
    third = []
    for dep in second:
        for k, (kja, ken) in enumerate([("第一講座", "Division I"), ("第二講座", "Division II"),
                                        ("第三講座", "Division III")], start=1):
            if k == 3 and ctx.rng.random() < 0.5:
                continue
            third.append(Department(institution=ctx.home, parent=dep, code=f"{dep.code}-{k}",
                                    name_ja=f"{dep.name_ja}{kja}", name_en=f"{dep.name_en} {ken}",
                                    public_id=ctx.uuid()))
    third = bulk(Department, third)
    ctx.departments = third
    ctx.count("portal.Department", len(faculties) + len(second) + len(third))

    password = make_password("bench-password-not-secret")
    users = []
    weights = [ctx.rng.uniform(0.3, 3.0) for _ in third]
    depts = ctx.rng.choices(third, weights=weights, k=ctx.scale.researchers)
    for n in range(1, ctx.scale.researchers + 1):
        fam, fam_en = ctx.rng.choice(N.FAMILY_NAMES)
        giv, giv_en = ctx.rng.choice(N.GIVEN_NAMES)
        email = LONG_HISTORY_RESEARCHER if n == 1 else researcher_email(n)
        users.append(User(
            email=email, password=password, family_name=fam, given_name=giv,
            family_name_en=fam_en, given_name_en=giv_en, department=depts[n - 1],
            employee_number=f"E{n:07d}", researcher_number=f"{10000000 + n * 7:08d}",
            job_title=ctx.rng.choice(["教授", "准教授", "講師", "助教", "特任研究員"]),
            public_id=ctx.uuid(), is_active=True, date_joined=ctx.now,
        ))
    users = bulk(User, users)
    ctx.researcher_ids = [u.pk for u in users]
    ctx.researcher_dept = {u.pk: u.department_id for u in users}
    ctx.count("portal.User (researchers)", len(users))

    staff = []
    ro = ctx.faculties["RO"]
    for email in OFFICE_STAFF + ADMINS:
        fam, fam_en = ctx.rng.choice(N.FAMILY_NAMES)
        giv, giv_en = ctx.rng.choice(N.GIVEN_NAMES)
        staff.append(User(email=email, password=password, family_name=fam, given_name=giv,
                          family_name_en=fam_en, given_name_en=giv_en, department=ro,
                          public_id=ctx.uuid(), date_joined=ctx.now))
    reviewers = []
    for code, fac in ctx.faculties.items():
        if code == "RO":
            continue
        fam, fam_en = ctx.rng.choice(N.FAMILY_NAMES)
        giv, giv_en = ctx.rng.choice(N.GIVEN_NAMES)
        reviewers.append(User(email=reviewer_email(code), password=password, family_name=fam,
                              given_name=giv, family_name_en=fam_en, given_name_en=giv_en,
                              department=fac, public_id=ctx.uuid(), date_joined=ctx.now))
    staff = bulk(User, staff)
    reviewers = bulk(User, reviewers)
    ctx.staff_ids = [u.pk for u in staff if u.email in OFFICE_STAFF]
    ctx.admin_ids = [u.pk for u in staff if u.email in ADMINS]
    ctx.reviewer_ids = {u.email.split("@")[0].split("-", 1)[1].upper(): u.pk for u in reviewers}
    ctx.count("portal.User (staff)", len(staff) + len(reviewers))

    roles = [RoleAssignment(user_id=pk, role=Role.RESEARCHER) for pk in ctx.researcher_ids]
    roles += [RoleAssignment(user_id=pk, role=Role.OFFICE_STAFF) for pk in ctx.staff_ids]
    roles += [RoleAssignment(user_id=pk, role=r) for pk in ctx.admin_ids
              for r in (Role.ADMIN, Role.OFFICE_STAFF)]
    for code, pk in ctx.reviewer_ids.items():
        roles.append(RoleAssignment(user_id=pk, role=Role.RESEARCHER))
        roles.append(RoleAssignment(user_id=pk, role=Role.DEPT_REVIEWER,
                                    department=ctx.faculties[code]))
    bulk(RoleAssignment, roles)
    ctx.count("portal.RoleAssignment", len(roles))

    # Staff roles need TOTP before they reach any page (MFARequiredMiddleware).
    from allauth.mfa.totp.internal.auth import TOTP

    for user in staff:
        TOTP.activate(user, staff_totp_secret(user.email))
    ctx.count("allauth.Authenticator", len(staff))


def staff_totp_secret(email: str) -> str:
    digest = hashlib.sha256(f"{STAFF_TOTP_SECRET_SEED}:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def _fill(template: str, **parts) -> str:
    return template.format(**parts).strip()


def gen_organisations(ctx: Ctx) -> None:
    from portal.models import Organisation, OrganisationAlias, OrganisationKind
    from portal.names import normalize_name

    rng = ctx.rng
    total = ctx.scale.organisations
    seen: set[tuple[str, str]] = set()
    orgs: list[Organisation] = []
    alias_names: list[list[str]] = []
    west_brands = ["Apex", "Summit", "Meridian", "Vertex", "Aurora", "Keystone", "Pioneer",
                   "Horizon", "Sterling", "Beacon", "Atlas", "Orion", "Nova", "Crest"]
    cn_brands = [("华芯", "Huaxin"), ("中科", "Zhongke"), ("国芯", "Guoxin"), ("天工", "Tiangong"),
                 ("长城", "Changcheng"), ("东方", "Dongfang"), ("星河", "Xinghe"), ("神州", "Shenzhou"),
                 ("海纳", "Haina"), ("金桥", "Jinqiao"), ("远航", "Yuanhang"), ("博远", "Boyuan")]

    for ja, en, country in N.FUNDERS:
        seen.add((ja, en))
        orgs.append(Organisation(name_ja=ja, name_en=en, country=country,
                                 kind=OrganisationKind.FUNDER, is_verified=True,
                                 public_id=ctx.uuid()))
        alias_names.append([])

    def make_one():
        r = rng.random()
        if r < 0.50:  # Japanese company / lab / foundation
            tpl_ja, tpl_en, aliases = rng.choice(N.JP_FORMS)
            h1, h2 = rng.sample(N.HOUSES, 2)
            f = rng.choice(N.FIELDS)
            use_two = rng.random() < 0.8
            h = (h1[0] + h2[0]) if use_two else h1[0]
            hh = f"{h1[1]}-{h2[1]}" if use_two else h1[1]
            kind = OrganisationKind.COMPANY if "会社" in tpl_ja else (
                OrganisationKind.NONPROFIT if "財団" in tpl_ja else OrganisationKind.OTHER)
            parts = {"h": h, "H": hh, "f": f[0], "F": f[1]}
            return "JP", kind, parts, tpl_ja, tpl_en, aliases
        if r < 0.62:  # Japanese university
            tpl_ja, tpl_en, aliases = rng.choice(N.UNIVERSITY_FORMS)
            h1, h2 = rng.sample(N.HOUSES, 2)
            f = rng.choice(N.FIELDS)
            use_two = rng.random() < 0.6
            parts = {"h": (h1[0] + h2[0]) if use_two else h1[0],
                     "H": f"{h1[1]}-{h2[1]}" if use_two else h1[1], "f": f[0], "F": f[1]}
            return "JP", OrganisationKind.UNIVERSITY, parts, tpl_ja, tpl_en, aliases
        if r < 0.77:  # Chinese organisation with a Chinese-script name
            tpl_ja, tpl_en, aliases = rng.choice(N.CN_FORMS)
            p = rng.choice(N.FOREIGN_PLACES["CN"] + N.FOREIGN_PLACES["TW"][:1])
            b = rng.choice(cn_brands)
            f = rng.choice(N.CN_FIELDS)
            country = "TW" if p[1] == "Taipei" else "CN"
            parts = {"p": p[0] + b[0], "P": f"{p[1]} {b[1]}", "f": f[0], "F": f[1]}
            kind = (OrganisationKind.UNIVERSITY if "大学" in tpl_ja else
                    OrganisationKind.COMPANY if "公司" in tpl_ja else OrganisationKind.OTHER)
            return country, kind, parts, tpl_ja, tpl_en, aliases
        country = rng.choice([c for c in N.FOREIGN_PLACES if c not in {"CN", "TW"}])
        tpl_ja, tpl_en, aliases = rng.choice(N.WEST_FORMS)
        p = rng.choice(N.FOREIGN_PLACES[country])
        b = rng.choice(west_brands)
        f = rng.choice(N.FIELDS)
        parts = {"p": "", "P": f"{p[1]} {b}", "f": f[0], "F": f[1]}
        kind = (OrganisationKind.UNIVERSITY if "Univ" in tpl_en else
                OrganisationKind.NONPROFIT if "Foundation" in tpl_en else
                OrganisationKind.COMPANY if any(x in tpl_en for x in ("Inc", "Ltd", "GmbH"))
                else OrganisationKind.OTHER)
        return country, kind, parts, tpl_ja, tpl_en, aliases

    while len(orgs) < total:
        for _attempt in range(20):
            country, kind, parts, tpl_ja, tpl_en, aliases = make_one()
            name_ja = _fill(tpl_ja, **parts) if tpl_ja else ""
            name_en = _fill(tpl_en, **parts)
            if (name_ja, name_en) not in seen:
                break
        seen.add((name_ja, name_en))
        n = len(orgs)
        orgs.append(Organisation(
            name_ja=name_ja, name_en=name_en, country=country, kind=kind,
            ror_id=f"0bench{n:06d}" if rng.random() < 0.1 else "",
            is_verified=rng.random() < 0.3, public_id=ctx.uuid(),
        ))
        k = rng.choices([0, 1, 2], weights=[3, 5, 2])[0]
        chosen = rng.sample(aliases, min(k, len(aliases))) if aliases else []
        alias_names.append([_fill(a, **parts) for a in chosen])

    orgs = bulk(Organisation, orgs)
    aliases_objs = []
    for org, names in zip(orgs, alias_names, strict=True):
        for name in dict.fromkeys(names):
            if name and name not in (org.name_ja, org.name_en):
                aliases_objs.append(OrganisationAlias(
                    organisation=org, name=name, normalized=normalize_name(name),
                    language="en" if name.isascii() else "ja"))
    bulk(OrganisationAlias, aliases_objs)
    ctx.organisation_ids = [o.pk for o in orgs]
    ctx.funder_ids = [o.pk for o in orgs[: len(N.FUNDERS)]]
    ctx.foreign_organisation_ids = [o.pk for o in orgs if o.country and o.country != "JP"]
    ctx.org_names = {o.pk: (o.name_ja, o.name_en, str(o.country)) for o in orgs}
    ctx.count("portal.Organisation", len(orgs))
    ctx.count("portal.OrganisationAlias", len(aliases_objs))


CATEGORY_WEIGHTS = {
    "private_university": 55, "public_university": 12, "national_university": 8, "kosen": 6,
    "national_rd_agency": 6, "iai_research": 8, "inter_university": 2, "funding_agency": 3,
}
CATEGORY_SUFFIX = {
    "private_university": ("学院大学", "Gakuin University"),
    "public_university": ("県立大学", "Prefectural University"),
    "national_university": ("大学", "University"),
    "kosen": ("工業高等専門学校", "National Institute of Technology, {} College"),
    "national_rd_agency": ("総合研究機構", "Research Organization"),
    "iai_research": ("技術研究所", "Technology Research Institute"),
    "inter_university": ("共同利用研究機構", "Inter-University Research Institute"),
    "funding_agency": ("研究振興機構", "Research Promotion Agency"),
}


def gen_institutions(ctx: Ctx) -> None:
    from portal.models import Institution, InstitutionCategory

    cats = {c.code: c for c in InstitutionCategory.objects.all()}
    codes = [c for c in CATEGORY_WEIGHTS if c in cats]
    weights = [CATEGORY_WEIGHTS[c] for c in codes]
    places = [(h[0], h[1]) for h in N.HOUSES]
    seen = set()
    objs = []
    n = 0
    while len(objs) < ctx.scale.institutions - 1:
        n += 1
        code = ctx.rng.choices(codes, weights=weights)[0]
        p1, p2 = ctx.rng.sample(places, 2)
        two = ctx.rng.random() < 0.7
        pja = p1[0] + p2[0] if two else p1[0]
        pen = f"{p1[1]}-{p2[1]}" if two else p1[1]
        sja, sen = CATEGORY_SUFFIX[code]
        name_ja = pja + sja
        name_en = sen.format(pen) if "{}" in sen else f"{pen} {sen}"
        if name_ja in seen:
            name_ja += f"第{n}キャンパス"
            name_en += f" Campus {n}"
        seen.add(name_ja)
        objs.append(Institution(code=f"B{n:05d}", name_ja=name_ja, name_en=name_en,
                                category=cats[code], public_id=ctx.uuid()))
    objs = bulk(Institution, objs)
    ctx.institution_ids = [ctx.home.pk] + [o.pk for o in objs]
    ctx.count("portal.Institution", len(objs))


# --- app sections (each raises NotBuilt when its app part is missing) ------------------------

APP_SECTIONS: list[tuple[str, Callable[[Ctx], None]]] = []


def app_section(label: str):
    def decorator(fn):
        APP_SECTIONS.append((label, fn))
        return fn

    return decorator


def _model(app_label: str, name: str):
    from django.apps import apps

    try:
        return apps.get_model(app_label, name)
    except LookupError:
        raise NotBuilt(f"{app_label}.{name} model missing") from None


# --- driver ----------------------------------------------------------------------------------


CORE_SECTIONS: list[tuple[str, Callable[[Ctx], None]]] = [
    ("core", gen_core),
    ("organisations", gen_organisations),
    ("institutions", gen_institutions),
]


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def generate(scale: Scale, *, seed: int = 20251101, out: Callable[[str], None] = print,
             only_core: bool = False) -> Ctx:
    """Fill the (empty, migrated) current database; returns the context with counts."""
    from django.db import transaction

    ctx = Ctx(scale, seed, out)
    sections = CORE_SECTIONS + ([] if only_core else APP_SECTIONS)
    for label, fn in sections:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                fn(ctx)
        except NotBuilt as exc:
            ctx.skipped[label] = str(exc)
            out(f"  {label:<14} n/a (not built: {exc})")
            continue
        ctx.timings[label] = round(time.perf_counter() - started, 2)
        out(f"  {label:<14} {ctx.timings[label]:7.1f} s")
    started = time.perf_counter()
    analyze()
    ctx.timings["analyze"] = round(time.perf_counter() - started, 2)
    return ctx


def migration_fingerprint() -> str:
    """A digest of the code that shapes the data: migrations on disk and this generator."""
    base = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    files = sorted(base.glob("*/migrations/0*.py")) + sorted(base.glob("*/*/migrations/0*.py"))
    files += [base / "bench" / "generate.py", base / "bench" / "generate_apps.py",
              base / "bench" / "names.py"]
    for f in files:
        if f.exists():
            h.update(str(f.relative_to(base)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


META_TABLE = "bench_meta"


def read_meta() -> dict | None:
    from django.db import connection

    if META_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cur:
        cur.execute(f"SELECT v FROM {META_TABLE} WHERE k = 'generated'")  # noqa: S608
        row = cur.fetchone()
    return json.loads(row[0]) if row else None


def write_meta(meta: dict) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (k varchar(40) PRIMARY KEY, v text)")
        cur.execute(f"DELETE FROM {META_TABLE} WHERE k = 'generated'")  # noqa: S608
        cur.execute(f"INSERT INTO {META_TABLE} (k, v) VALUES ('generated', %s)",  # noqa: S608
                    [json.dumps(meta)])


def prepare(scale: Scale, target: dict, *, seed: int, regenerate: bool,
            out: Callable[[str], None] = print, keep_stale: bool = False) -> dict:
    """Make sure the benchmark database holds ``scale``'s data; regenerate when stale.

    Call after bench.env.configure() and django.setup().
    """
    from django.core.management import call_command
    from django.db import connection

    from bench import env

    fingerprint = migration_fingerprint()
    wanted = {"scale": scale.as_dict(), "seed": seed, "fingerprint": fingerprint}
    if not regenerate:
        env.ensure_database(target)
        try:
            meta = read_meta()
        except Exception:  # noqa: BLE001 - an unreadable database is regenerated
            meta = None
        if meta and all(meta.get(k) == v for k, v in wanted.items()):
            out(f"Reusing the generated data in {target['name']} (generated {meta['at']}).")
            return meta
        if keep_stale and meta and meta.get("scale") == wanted["scale"]:
            # Migrations or the generator changed since: apply the new migrations, keep the rows
            # (tables added since stay empty). Faster than regenerating a full scale.
            call_command("migrate", interactive=False, verbosity=0)
            out(f"Reusing the stale generated data in {target['name']} (generated {meta['at']}, "
                "migrated forward; --regenerate to refresh).")
            return {**meta, "stale": True}
    connection.close()
    env.reset_database(target)
    out(f"Generating scale '{scale.name}' into {target['vendor']} {target['name']} ...")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_s = round(time.perf_counter() - started, 1)
    out(f"  {'migrate':<14} {migrate_s:7.1f} s")
    ctx = generate(scale, seed=seed, out=out)
    total = round(time.perf_counter() - started, 1)
    meta = {**wanted, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": total, "migrate_seconds": migrate_s, "timings": ctx.timings,
            "counts": ctx.counts, "skipped": ctx.skipped}
    write_meta(meta)
    out(f"Generated in {total} s: " + ", ".join(f"{k} {v:,}" for k, v in ctx.counts.items()))
    return meta


def parse_scale(args) -> Scale:
    scale = SCALES[args.scale]
    overrides = {k: v for k, v in {
        "researchers": args.researchers, "organisations": args.organisations,
        "institutions": args.institutions, "disclosure_items": args.disclosure_items,
        "screening_entries": args.screening_entries, "cases": args.cases,
    }.items() if v is not None}
    if overrides:
        scale = dataclasses.replace(scale, name=f"{scale.name}-custom", **overrides)
    return scale


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--seed", type=int, default=20251101)
    for knob in ("researchers", "organisations", "institutions", "disclosure_items",
                 "screening_entries", "cases"):
        parser.add_argument(f"--{knob.replace('_', '-')}", dest=knob, type=int, default=None,
                            help=f"override the scale's number of {knob.replace('_', ' ')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_scale_arguments(parser)
    parser.add_argument("--keep", action="store_true",
                        help="reuse the database when it already holds this scale's data")
    args = parser.parse_args(argv)
    scale = parse_scale(args)
    from bench import env

    target = env.configure(scale.name.split("-")[0])
    env.setup_django()
    prepare(scale, target, seed=args.seed, regenerate=not args.keep)
    return 0


# The app sections live in their own module; importing it registers them.
from bench import generate_apps  # noqa: E402,F401

if __name__ == "__main__":
    # Run the imported module's main so that every module sees one ``bench.generate``.
    from bench.generate import main as _main

    raise SystemExit(_main())
