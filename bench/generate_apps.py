"""The generator's app sections: disclosures, risk management, follow-up, notifications.

Each section uses the app's models (and pure helpers such as ``disclosures.sections``) as they
are in the tree; when something it needs is missing it raises ``NotBuilt`` and the generator
reports the section as not built. Rows get explicit primary keys where other rows (or the
denormalised JSON of a version) must refer to them before they are inserted; the sequences
are reset afterwards.
"""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

from bench.generate import Ctx, NotBuilt, app_section, bulk, copy_insert

CHUNK = 1500  # disclosures built and inserted at a time (bounded memory)


def _import(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise NotBuilt(f"{module} missing ({exc})") from None


def reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    sql = connection.ops.sequence_reset_sql(no_style(), list(models))
    if sql:
        with connection.cursor() as cur:
            for stmt in sql:
                cur.execute(stmt)


class Ids:
    """Explicit primary keys per model (the tables are empty after migrate)."""

    def __init__(self):
        self.next: dict[type, int] = {}

    def __call__(self, model) -> int:
        value = self.next.get(model, 0) + 1
        self.next[model] = value
        return value


# --- disclosures -----------------------------------------------------------------------------

SECTION_WEIGHTS = {
    "career": 30, "position": 20, "funding": 25, "support": 5, "programme": 2, "contract": 10,
    "donation": 6, "specified": 2,
}


def _d(ctx: Ctx, start_year: int = 2012, end_year: int = 2025) -> dt.date:
    return dt.date(ctx.rng.randint(start_year, end_year), ctx.rng.randint(1, 12),
                   ctx.rng.randint(1, 28))


class ItemMaker:
    """Builds valid, varied items of each section (validate_item's rules hold)."""

    def __init__(self, ctx: Ctx, models_mod, orgs: dict):
        self.ctx = ctx
        self.M = models_mod
        self.orgs = orgs
        ids = list(orgs)
        self.jp = [i for i in ids if orgs[i].country == "JP"]
        self.foreign = [i for i in ids if orgs[i].country and orgs[i].country != "JP"]
        self.funders = ctx.funder_ids
        self.all = ids

    def org(self, foreign_share: float):
        rng = self.ctx.rng
        pool = self.foreign if rng.random() < foreign_share else self.jp
        return self.orgs[rng.choice(pool or self.all)]

    def _base(self, model, org, *, ended: bool = False):
        rng = self.ctx.rng
        start = _d(self.ctx)
        end = None
        if ended or rng.random() < 0.3:
            end = start + dt.timedelta(days=rng.randint(90, 2000))
        obj = model(organisation=org, country=org.country if org else "",
                    start_date=start, end_date=end, item_key=self.ctx.uuid(),
                    created_at=self.ctx.now, updated_at=self.ctx.now)
        return obj

    def make(self, code: str, effort_budget: list[int]):
        rng = self.ctx.rng
        M = self.M
        if code == "career":
            org = self.org(0.15)
            item = self._base(M.CareerItem, org, ended=rng.random() < 0.7)
            item.department_name = rng.choice(["工学部", "理学部", "医学部", "研究所", "Department of Physics"])
            item.position = rng.choice(["助教", "准教授", "教授", "研究員", "Postdoctoral Fellow"])
            return item
        if code == "position":
            org = self.org(0.2)
            item = self._base(M.PositionItem, org)
            item.role = rng.choice(["社外取締役", "技術顧問", "客員教授", "Visiting Professor",
                                    "Advisory Board Member", "非常勤講師"])
            item.is_honorary = rng.random() < 0.15
            item.paid = (not item.is_honorary) and rng.random() < 0.6
            item.remuneration_band = rng.choice(["lt1m", "1m_5m", "5m_10m"]) if item.paid else ""
            item.hours_per_month = Decimal(rng.randint(2, 20))
            effort = min(rng.choice([0, 2, 5, 5, 10]), effort_budget[0])
            effort_budget[0] -= effort
            item.effort_percent = Decimal(effort)
            item.approved = rng.random() < 0.8
            item.approved_on = item.start_date if item.approved else None
            item.is_abroad = org.country not in ("", "JP")
            return item
        if code == "funding":
            foreign = rng.random() < 0.2
            org = self.org(1.0) if foreign else self.orgs[rng.choice(self.funders)]
            item = self._base(M.FundingItem, org)
            item.programme = rng.choice(["基盤研究(B)", "基盤研究(C)", "若手研究", "CREST", "さきがけ",
                                         "Horizon Europe", "Key R&D Program", "Research Grant"])
            item.project_title = f"{rng.choice(['次世代', '高効率', '革新的', '持続可能な'])}" \
                                 f"{rng.choice(['材料', '通信', '計測', 'エネルギー', '医療'])}の研究"
            item.role = rng.choice(["pi", "co_i"])
            item.status = "received" if rng.random() < 0.8 else "applied"
            item.amount = Decimal(rng.randint(1, 500) * 100_000)
            item.currency = "JPY" if org.country == "JP" else rng.choice(["USD", "EUR", "CNY", "JPY"])
            effort = min(rng.choice([5, 5, 10, 10, 15, 20]), effort_budget[0])
            effort_budget[0] -= effort
            item.effort_percent = Decimal(effort)
            item.managed_by_institution = rng.random() < 0.85
            item.under_confidentiality = rng.random() < 0.03
            item.declared_in_applications = rng.random() < 0.8
            return item
        if code == "support":
            org = self.org(0.3)
            item = self._base(M.SupportItem, org)
            item.kind = rng.choice(["equipment", "materials", "facilities", "personnel", "data_software"])
            item.description = rng.choice(["測定装置の貸与", "試料の無償提供", "Cluster time",
                                           "研究補助員の派遣", "Software licences"])
            item.estimated_value = Decimal(rng.randint(1, 100) * 10_000)
            item.currency = "JPY"
            return item
        if code == "programme":
            org = self.org(0.9)
            item = self._base(M.ProgrammeItem, org)
            item.programme_kind = rng.choice(["talent", "host"])
            item.programme_name = rng.choice(["Visiting Scholar Programme", "Talent Recruitment Plan",
                                              "Host Fellowship"])
            item.obligations = rng.choice(["", "年間2か月の滞在", "Annual report to the host"])
            return item
        if code == "contract":
            org = self.org(0.25)
            item = self._base(M.ContractItem, org)
            item.contract_type = rng.choice(["joint_research", "contract_research", "mta", "mou",
                                             "employment", "other"])
            item.title = rng.choice(["共同研究契約", "受託研究契約", "MTA", "Collaboration MoU"])
            item.assigns_results_or_ip = rng.random() < 0.1
            item.restricts_publication = rng.random() < 0.1
            item.exclusivity = rng.random() < 0.05
            item.obligation_recruit_or_work_abroad = rng.random() < 0.02
            return item
        if code == "donation":
            org = self.org(0.15)
            item = self._base(M.DonationItem, org)
            item.purpose = rng.choice(["研究助成", "奨学寄附金", "Equipment fund"])
            item.amount = Decimal(rng.randint(1, 50) * 100_000)
            item.currency = "JPY"
            item.received_on = item.start_date
            return item
        org = self.org(1.0)
        item = self._base(M.SpecifiedCategoryItem, org)
        item.relationship = rng.choice(["contract_control", "economic_control", "instructions"])
        item.description = "外国の研究機関との雇用契約"
        return item

    def mutate(self, item, code: str) -> None:
        """A change between versions: an end date, a new amount, a new role."""
        rng = self.ctx.rng
        if item.end_date is None and rng.random() < 0.5:
            item.end_date = item.start_date + dt.timedelta(days=rng.randint(60, 900))
        elif code == "funding" and item.amount is not None:
            item.amount = item.amount + Decimal(rng.randint(1, 20) * 100_000)
        elif code == "position":
            item.hours_per_month = Decimal(rng.randint(2, 20))
        else:
            item.notes = rng.choice(["更新", "内容を修正", "Updated"])


def _clone(item):
    """A fast copy of an unsaved item (same item_key, same cached organisation)."""
    from django.db.models.base import ModelState

    clone = type(item).__new__(type(item))
    clone.__dict__ = item.__dict__.copy()
    clone._state = ModelState()
    clone._state.fields_cache = dict(item._state.fields_cache)
    clone.id = None
    return clone


@app_section("disclosures")
def gen_disclosures(ctx: Ctx) -> None:
    M = _import("disclosures.models")
    sections = _import("disclosures.sections")
    for name in ("Disclosure", "DisclosureVersion", "ITEM_MODELS"):
        if not hasattr(M, name):
            raise NotBuilt(f"disclosures.models.{name} missing")
    if not hasattr(sections, "item_values") or not hasattr(sections, "SECTIONS"):
        raise NotBuilt("disclosures.sections.item_values missing")
    from portal.models import Organisation

    rng = ctx.rng
    orgs = {o.pk: o for o in Organisation.objects.only(
        "id", "public_id", "name_ja", "name_en", "country")}
    maker = ItemMaker(ctx, M, orgs)
    by_code = {s.code: s for s in sections.SECTIONS}
    codes = [c for c in SECTION_WEIGHTS if c in by_code]
    weights = [SECTION_WEIGHTS[c] for c in codes]
    ids = Ids()
    Status = M.DisclosureVersion.Status
    Kind = M.DisclosureVersion.Kind

    researchers = list(ctx.researcher_ids)
    # 85% of researchers have filed; the items (over all versions) add up to the scale's number.
    filers = [pk for pk in researchers if rng.random() < 0.85 or pk in researchers[:3]]
    versions_per = {pk: rng.choices(range(1, ctx.scale.max_versions + 1),
                                    weights=[30, 25, 20, 12, 8, 5][: ctx.scale.max_versions])[0]
                    for pk in filers}
    special = {researchers[0]: (12, 50, "accepted")}  # the long history (bench/run.py pages)
    if len(researchers) > 1:
        special[researchers[1]] = (3, 50, "draft")     # a 50-item draft (save benchmark)
    if len(researchers) > 2:
        special[researchers[2]] = (2, 50, "draft")     # a second one (HTTP load test)
    for pk, (nv, _n, _s) in special.items():
        versions_per[pk] = nv
    budget = max(ctx.scale.disclosure_items - sum(v[0] * v[1] for v in special.values()), 0)
    weighted_versions = sum(versions_per[pk] for pk in filers if pk not in special) or 1
    mean_items = max(budget / weighted_versions, 1.0)
    reviewers = ctx.staff_ids or ctx.admin_ids

    ctx.submitted_versions = {}  # owner id → (last submitted version id, a few of its items)
    # The open annual update campaign of this fiscal year (a third of researchers done).
    from portal.fiscal import fiscal_year_of

    campaign = M.UpdateCampaign.objects.create(
        fiscal_year=fiscal_year_of(ctx.today), title=f"FY{fiscal_year_of(ctx.today)} annual update",
        opens_on=ctx.today - dt.timedelta(days=20), due_date=ctx.today + dt.timedelta(days=30),
        status="open", opened_by_id=ctx.admin_ids[0] if ctx.admin_ids else None,
        public_id=ctx.uuid())
    ctx.campaign_id = campaign.pk
    total_items = 0
    total_versions = 0
    item_models = {s.code: s.model for s in sections.SECTIONS}
    for start in range(0, len(filers), CHUNK):
        chunk = filers[start:start + CHUNK]
        disclosures, versions = [], []
        items: dict[type, list] = {m: [] for m in item_models.values()}
        for owner_id in chunk:
            d_id = ids(M.Disclosure)
            nv = versions_per[owner_id]
            if owner_id in special:
                n_items = special[owner_id][1]
                last_status = special[owner_id][2]
            else:
                n_items = max(1, round(rng.gauss(mean_items, mean_items / 3)))
                last_status = rng.choices(
                    ["accepted", "submitted", "under_review", "returned", "draft"],
                    weights=[60, 15, 5, 5, 15])[0]
            effort_budget = [80]
            current = []
            for _ in range(n_items):
                code = rng.choices(codes, weights=weights)[0]
                current.append((code, maker.make(code, effort_budget)))
            submitted = ctx.now - dt.timedelta(days=365 * nv + rng.randint(0, 200))
            last_accepted_id = None
            version_ids = []
            for number in range(1, nv + 1):
                v_id = ids(M.DisclosureVersion)
                is_last = number == nv
                status = last_status if is_last else Status.ACCEPTED
                if is_last and status == "returned":
                    status = Status.RETURNED
                submitted = submitted + dt.timedelta(days=rng.randint(200, 400))
                if submitted > ctx.now:
                    submitted = ctx.now - dt.timedelta(days=rng.randint(1, 30))
                if number > 1:  # a later version: copy, change a few, add one
                    nxt = []
                    for code, item in current:
                        c = _clone(item)
                        if rng.random() < 0.15:
                            maker.mutate(c, code)
                        nxt.append((code, c))
                    if rng.random() < 0.5 and owner_id not in special:
                        code = rng.choices(codes, weights=weights)[0]
                        nxt.append((code, maker.make(code, [0])))
                    current = nxt
                content_sections = {c: [] for c in item_models}
                for order, (code, item) in enumerate(current):
                    model = item_models[code]
                    item.pk = item.id = ids(model)
                    item.version_id = v_id
                    item.order = order
                    items[model].append(item)
                    content_sections[code].append({
                        "key": str(item.item_key), "id": item.pk,
                        "values": sections.item_values(by_code[code], item)})
                is_draft = status == Status.DRAFT
                in_campaign = (is_last and number > 1 and not is_draft and rng.random() < 0.35)
                if in_campaign:
                    submitted = ctx.now - dt.timedelta(days=rng.randint(1, 19))
                reviewed = status in (Status.ACCEPTED, Status.RETURNED)
                version = M.DisclosureVersion(
                    id=v_id, disclosure_id=d_id, number=number, status=status,
                    kind=Kind.INITIAL if number == 1 else rng.choice(
                        [Kind.ANNUAL_UPDATE, Kind.CHANGE, Kind.NO_CHANGE]),
                    campaign_id=campaign.pk if in_campaign else None,
                    based_on_id=version_ids[-1] if version_ids else None,
                    submitted_at=None if is_draft else submitted,
                    submitted_by_id=None if is_draft else owner_id,
                    attested_at=None if is_draft else submitted,
                    attestation_text="" if is_draft else "I attest that this disclosure is complete and true.",
                    accepted_at=submitted + dt.timedelta(days=7) if status == Status.ACCEPTED else None,
                    reviewer_id=rng.choice(reviewers) if reviewed and reviewers else None,
                    reviewed_at=submitted + dt.timedelta(days=7) if reviewed else None,
                    review_comment="出向先の期間を確認してください。" if status == Status.RETURNED else "",
                    content={"sections": content_sections}, public_id=ctx.uuid(),
                    created_at=submitted, updated_at=submitted,
                )
                versions.append(version)
                version_ids.append(v_id)
                if not is_draft:
                    ctx.submitted_versions[owner_id] = (v_id, [
                        (type(item), item.pk, item.item_key, code) for code, item in current[:3]])
                if status == Status.ACCEPTED:
                    last_accepted_id = v_id
            total_versions += nv
            disclosures.append(M.Disclosure(
                id=d_id, owner_id=owner_id, department_id=ctx.researcher_dept.get(owner_id),
                current_version_id=version_ids[-1], last_accepted_version_id=last_accepted_id,
                public_id=ctx.uuid(), created_at=ctx.now, updated_at=ctx.now,
            ))
        copy_insert(M.Disclosure, disclosures)
        copy_insert(M.DisclosureVersion, versions)
        for model, objs in items.items():
            total_items += copy_insert(model, objs)
    reset_sequences(M.Disclosure, M.DisclosureVersion, *item_models.values())
    ctx.disclosure_count = len(filers)
    ctx.count("disclosures.Disclosure", len(filers))
    ctx.count("disclosures.DisclosureVersion", total_versions)
    ctx.count("disclosures items (all sections)", total_items)


# --- risk management -------------------------------------------------------------------------

CONCERN_BY_SECTION = {
    "funding": "foreign_support", "support": "foreign_support", "programme": "talent_programme",
    "contract": "contract_clauses", "specified": "specified_category", "position": "effort",
    "career": "substantive_change", "donation": "foreign_support",
}


def _variant(ctx: Ctx, name: str) -> str:
    """A screening list's way of writing a registry name (case, width, legal form, spacing)."""
    import unicodedata

    rng = ctx.rng
    choice = rng.randrange(5)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return name.replace(" Co., Ltd.", " Company Limited").replace(" Inc.", ", Inc")
    if choice == 2 and name.isascii():
        return unicodedata.normalize("NFKC", name).replace(" ", "  ")
    if choice == 3:
        return name.replace(",", "").replace(".", "")
    return name


SYNTH_LIST_WORDS = [
    "Aerospace", "Defense", "Nuclear", "Missile", "Electronics", "Precision", "Research",
    "Engineering", "Industrial", "Materials", "Technology", "Dynamics", "Optics", "Systems",
    "Propulsion", "Composite", "Chemical", "Energy", "Telecom", "Shipbuilding",
]
SYNTH_LIST_PLACES = [
    "Northern", "Eastern", "Volga", "Caspian", "Pyongyang", "Tehran", "Karachi", "Minsk",
    "Damascus", "Baltic", "Yunnan", "Sichuan", "Shaanxi", "Liaoning", "Hubei", "Fujian",
    "Kharkiv", "Almaty", "Tashkent", "Baku", "Aleppo", "Mosul", "Sana'a", "Muscat",
]
SYNTH_COUNTRIES = ["CN", "RU", "IR", "KP", "PK", "SY", "BY", "AE", "TR", "HK"]


@app_section("riskmgmt")
def gen_riskmgmt(ctx: Ctx) -> None:
    import hashlib

    from django.contrib.contenttypes.models import ContentType

    R = _import("riskmgmt.models")
    matching = _import("riskmgmt.matching")
    services = _import("riskmgmt.services")
    for name in ("ScreeningList", "ScreeningListRelease", "ScreeningEntry", "ScreeningHit",
                 "Case", "Flag", "MitigationMeasure", "RiskAssessment"):
        if not hasattr(R, name):
            raise NotBuilt(f"riskmgmt.models.{name} missing")
    if not hasattr(matching, "entry_keys") or not hasattr(services, "rules_ensure_builtin"):
        raise NotBuilt("riskmgmt.matching.entry_keys / services.rules_ensure_builtin missing")
    rng = ctx.rng

    # The screening list: one generic list, one current release; a fifth of the entries are
    # registry organisations as a list would write them (so screening finds them).
    lst = R.ScreeningList.objects.create(code="bench-list", name="Benchmark screening list",
                                         format="generic")
    release = R.ScreeningListRelease.objects.create(
        screening_list=lst, number=1, label="bench", source_filename="bench.csv",
        entry_count=ctx.scale.screening_entries, is_current=True, public_id=ctx.uuid())
    foreign = list(getattr(ctx, "foreign_organisation_ids", []))
    mirrored = rng.sample(foreign, min(len(foreign), ctx.scale.screening_entries // 5))
    entries, seen = [], set()
    mirror_pairs = []  # (organisation id, entry index)
    for n in range(ctx.scale.screening_entries):
        if n < len(mirrored):
            org_id = mirrored[n]
            ja, en, country = ctx.org_names[org_id]
            name = _variant(ctx, en or ja)
            aliases = [ja] if ja and rng.random() < 0.5 else []
            mirror_pairs.append((org_id, n))
        else:
            for _attempt in range(10):
                name = (f"{rng.choice(SYNTH_LIST_PLACES)} {rng.choice(SYNTH_LIST_WORDS)} "
                        f"{rng.choice(SYNTH_LIST_WORDS)} {rng.choice(['Institute', 'Corporation', 'Bureau', 'Plant No. ' + str(rng.randint(1, 999)), 'Academy', 'Group'])}")
                if name not in seen:
                    break
            aliases = [name.replace("Institute", "Inst.")] if rng.random() < 0.3 else []
            country = rng.choice(SYNTH_COUNTRIES)
        seen.add(name)
        basis = f"bench-list|{n}"
        content = f"{name}|{'|'.join(aliases)}|{country}"
        entries.append(R.ScreeningEntry(
            release=release, entry_key=hashlib.sha1(basis.encode()).hexdigest()[:32],  # noqa: S324
            fingerprint=hashlib.sha256(content.encode()).hexdigest(), source_row=n + 2,
            reference=f"B-{n + 1:05d}", name=name, aliases=aliases,
            keys=matching.entry_keys([name, *aliases]), country=country,
            country_label=country, concerns=[rng.choice(["missile", "nuclear", "chemical", "biological", "conventional"])],
            source="bench", note=""))
    entries = bulk(R.ScreeningEntry, entries, batch=1000)
    ctx.count("riskmgmt.ScreeningEntry", len(entries))

    # Hits already known for the mirrored organisations (as a registry re-screening leaves them).
    run = R.ScreeningRun.objects.create(kind="registry", release=release, status="done",
                                        finished_at=ctx.now, names_checked=len(ctx.org_names),
                                        new_hits=len(mirror_pairs), public_id=ctx.uuid())
    hits = []
    for org_id, idx in mirror_pairs:
        e = entries[idx]
        hits.append(R.ScreeningHit(
            organisation_id=org_id, query_name=(ctx.org_names[org_id][1] or ctx.org_names[org_id][0])[:500],
            entry=e, entry_key=e.entry_key, entry_fingerprint=e.fingerprint, matched_name=e.name[:500],
            score=Decimal("96.0"), explanation="Same as the listed name once case and punctuation are set aside.",
            run=run, status=rng.choices(["open", "confirmed", "cleared"], weights=[6, 2, 2])[0],
            public_id=ctx.uuid()))
    hits = bulk(R.ScreeningHit, hits)
    ctx.count("riskmgmt.ScreeningHit", len(hits))

    services.rules_ensure_builtin()
    rules_by_concern: dict[str, list] = {}
    for rule in R.Rule.objects.all():
        rules_by_concern.setdefault(rule.concern, []).append(rule.pk)

    # Cases: one per (researcher, concern), from researchers' submitted versions.
    submitted = getattr(ctx, "submitted_versions", {})
    owners = [pk for pk in ctx.researcher_ids if pk in submitted] or list(ctx.researcher_ids)
    staff = ctx.staff_ids + ctx.admin_ids
    concerns = [c for c in R.Concern.values if c not in ("other", "awareness")]
    used: set[tuple[int, str]] = set()
    statuses = ["open", "assessing", "mitigating", "monitoring", "closed"]
    ct_cache: dict[type, int] = {}
    cases, flag_specs = [], []
    ids = Ids()
    while len(cases) < ctx.scale.cases and len(used) < len(owners) * len(concerns):
        owner = rng.choice(owners)
        version_id, items = submitted.get(owner, (None, []))
        if items and rng.random() < 0.7:
            concern = CONCERN_BY_SECTION.get(rng.choice(items)[3], rng.choice(concerns))
        else:
            concern = rng.choice(concerns)
        if (owner, concern) in used:
            continue
        used.add((owner, concern))
        status = rng.choices(statuses, weights=[25, 20, 20, 15, 20])[0]
        opened = ctx.now - dt.timedelta(days=rng.randint(1, 900), hours=rng.randint(0, 23))
        assessed = status != "open"
        likelihood = rng.randint(1, 5) if assessed else None
        impact = rng.randint(1, 5) if assessed else None
        level = R.risk_level_for(likelihood, impact) if assessed else ""
        case_id = ids(R.Case)
        cases.append(R.Case(
            id=case_id, reference=f"RC-B{case_id:06d}", researcher_id=owner,
            department_id=ctx.researcher_dept.get(owner), concern=concern,
            title=f"{R.Concern(concern).label}", status=status,
            assignee_id=rng.choice(staff) if staff and rng.random() < 0.8 else None,
            risk_level=level, likelihood=likelihood, impact=impact,
            decision=rng.choice(["no_action", "mitigate", "escalate"]) if status in ("mitigating", "monitoring", "closed") else "",
            decided_at=opened + dt.timedelta(days=10) if status in ("mitigating", "monitoring", "closed") else None,
            opened_at=opened, closed_at=opened + dt.timedelta(days=60) if status == "closed" else None,
            closure_reason="対応完了" if status == "closed" else "",
            flag_count=0, public_id=ctx.uuid(), created_at=opened, updated_at=opened))
        flag_specs.append((case_id, owner, concern, version_id, items, status, opened))
    copy_insert(R.Case, cases)
    ctx.count("riskmgmt.Case", len(cases))

    flags, flag_items, measures, assessments, contingency, requests = [], [], [], [], [], []
    flag_counts: dict[int, int] = {}
    for case_id, owner, concern, version_id, items, status, opened in flag_specs:
        for k in range(rng.choice([1, 1, 2, 3])):
            flag_id = ids(R.Flag)
            rule_ids = rules_by_concern.get(concern) or [None]
            flags.append(R.Flag(id=flag_id, case_id=case_id, rule_id=rng.choice(rule_ids),
                                reason=f"{R.Concern(concern).label} ({k + 1})",
                                version_id=version_id, source_label=f"v{version_id}"))
            flag_counts[case_id] = flag_counts.get(case_id, 0) + 1
            if items and hasattr(R, "FlagItem"):
                model, item_pk, item_key, code = rng.choice(items)
                if model not in ct_cache:
                    ct_cache[model] = ContentType.objects.get_for_model(model).pk
                flag_items.append(R.FlagItem(flag_id=flag_id, item_type_id=ct_cache[model],
                                             item_id=item_pk, item_key=item_key, label=code))
        if status != "open":
            assessments.append(R.RiskAssessment(
                case_id=case_id, likelihood=rng.randint(1, 5), impact=rng.randint(1, 5),
                level=rng.choice(["low", "medium", "high", "critical"]),
                rationale="外国資金の規模と研究分野の機微性から評価", assessed_by_id=rng.choice(staff) if staff else None))
        if status in ("mitigating", "monitoring", "closed"):
            for _m in range(rng.randint(1, 3)):
                m_status = rng.choices(["planned", "in_progress", "done", "cancelled"], weights=[3, 3, 3, 1])[0]
                measures.append(R.MitigationMeasure(
                    case_id=case_id, kind=rng.choice(R.MeasureKind.values),
                    description="研究室の入退室管理とデータアクセス制限を行う",
                    owner_id=rng.choice(staff + [owner]) if staff else owner,
                    due_date=(opened + dt.timedelta(days=rng.randint(14, 400))).date(),
                    status=m_status,
                    completed_at=opened + dt.timedelta(days=30) if m_status == "done" else None))
            if rng.random() < 0.5 and hasattr(R, "ContingencyPlan"):
                contingency.append(R.ContingencyPlan(
                    case_id=case_id, trigger="契約先が輸出規制の対象となった場合",
                    actions="共同研究を停止し、研究推進部に報告する",
                    responsible_id=rng.choice(staff) if staff else None))
        if rng.random() < 0.1 and hasattr(R, "InformationRequest"):
            answered = rng.random() < 0.6
            requests.append(R.InformationRequest(
                case_id=case_id, researcher_id=owner, question="契約書の写しを提出してください。",
                asked_by_id=rng.choice(staff) if staff else None, asked_at=opened,
                due_date=(opened + dt.timedelta(days=14)).date(),
                answer="添付のとおりです。" if answered else "",
                answered_at=opened + dt.timedelta(days=5) if answered else None,
                public_id=ctx.uuid()))
    copy_insert(R.Flag, flags)
    if flag_items:
        bulk(R.FlagItem, flag_items)
    bulk(R.RiskAssessment, assessments)
    bulk(R.MitigationMeasure, measures)
    if contingency:
        bulk(R.ContingencyPlan, contingency)
    if requests:
        bulk(R.InformationRequest, requests)
    reset_sequences(R.Case, R.Flag)
    # flag_count as the services keep it
    from django.db.models import Count

    counts = dict(R.Flag.objects.values_list("case_id").annotate(n=Count("id")).values_list("case_id", "n"))
    for case in cases:
        case.flag_count = counts.get(case.pk, 0)
    R.Case.objects.bulk_update(cases, ["flag_count"], batch_size=1000)
    ctx.count("riskmgmt.Flag", len(flags))
    ctx.count("riskmgmt.MitigationMeasure", len(measures))
    ctx.count("riskmgmt.RiskAssessment", len(assessments))


# --- follow-up survey ------------------------------------------------------------------------


@app_section("followup")
def gen_followup(ctx: Ctx) -> None:
    from pathlib import Path

    from django.core.management import call_command

    F = _import("followup.models")
    for name in ("QuestionSet", "SurveyCycle", "SurveyResponse", "SurveyAnswer"):
        if not hasattr(F, name):
            raise NotBuilt(f"followup.models.{name} missing")
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "followup_question_sets.json"
    if not fixture.exists():
        raise NotBuilt("fixtures/followup_question_sets.json missing")
    call_command("loaddata", str(fixture), verbosity=0)
    rng = ctx.rng
    sets = {}
    for qs in F.QuestionSet.objects.order_by("fiscal_year", "-version"):
        sets.setdefault(qs.fiscal_year, qs)
    years = sorted(sets)[-ctx.scale.fiscal_years:]
    if not years:
        raise NotBuilt("no question sets")
    cycles = bulk(F.SurveyCycle, [
        F.SurveyCycle(fiscal_year=y, question_set=sets[y],
                      status="closed" if y != years[-1] else "open",
                      due_on=dt.date(y + 1, 3, 31)) for y in years])
    admin = ctx.admin_ids[0] if ctx.admin_ids else None
    responses, answer_plan = [], []
    ids = Ids()
    # Each institution has a tendency that improves over the years (codes 1 = done … 5 = no).
    tendency = {inst: rng.random() for inst in ctx.institution_ids}
    for y_idx, cycle in enumerate(cycles):
        questions = list(cycle.question_set.questions.order_by("number"))
        options = {o.code: o for o in cycle.question_set.options.all()}
        for inst in ctx.institution_ids:
            home = inst == ctx.home.pk
            r_id = ids(F.SurveyResponse)
            responses.append(F.SurveyResponse(
                id=r_id, cycle=cycle, institution_id=inst, version=1, is_current=True,
                status="locked" if not home or cycle != cycles[-1] else "approved",
                source="entered" if home else "imported", created_by_id=admin,
                approved_by_id=admin if home else None,
                approved_at=ctx.now if home else None,
                locked_at=ctx.now if not home or cycle != cycles[-1] else None,
                public_id=ctx.uuid()))
            for q in questions:
                p_done = min(0.95, 0.25 + 0.15 * y_idx + 0.4 * tendency[inst] + 0.03 * (7 - q.number))
                r = rng.random()
                code = 1 if r < p_done else rng.choices([2, 3, 4, 5], weights=[3, 2, 3, 2])[0]
                answer_plan.append(F.SurveyAnswer(
                    response_id=r_id, question=q, option=options.get(code),
                    note="" if not home else "研修と規程整備を実施", evidence=""))
    copy_insert(F.SurveyResponse, responses)
    bulk(F.SurveyAnswer, answer_plan, batch=5000)
    reset_sequences(F.SurveyResponse)
    ctx.followup_years = years
    ctx.count("followup.SurveyResponse", len(responses))
    ctx.count("followup.SurveyAnswer", len(answer_plan))
