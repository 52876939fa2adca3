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

from bench.generate import Ctx, NotBuilt, app_section, bulk

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
    clone = type(item)()
    for f in item._meta.concrete_fields:
        setattr(clone, f.attname, getattr(item, f.attname))
    clone.organisation = item.organisation
    clone.pk = None
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
    filers = [pk for pk in researchers if rng.random() < 0.85 or pk == researchers[0]]
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
                reviewed = status in (Status.ACCEPTED, Status.RETURNED)
                version = M.DisclosureVersion(
                    id=v_id, disclosure_id=d_id, number=number, status=status,
                    kind=Kind.INITIAL if number == 1 else rng.choice(
                        [Kind.ANNUAL_UPDATE, Kind.CHANGE, Kind.ANNUAL_UPDATE]),
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
                if status == Status.ACCEPTED:
                    last_accepted_id = v_id
            total_versions += nv
            disclosures.append(M.Disclosure(
                id=d_id, owner_id=owner_id, department_id=ctx.researcher_dept.get(owner_id),
                current_version_id=version_ids[-1], last_accepted_version_id=last_accepted_id,
                public_id=ctx.uuid(), created_at=ctx.now, updated_at=ctx.now,
            ))
        bulk(M.Disclosure, disclosures)
        bulk(M.DisclosureVersion, versions, batch=500)
        for model, objs in items.items():
            bulk(model, objs)
            total_items += len(objs)
    reset_sequences(M.Disclosure, M.DisclosureVersion, *item_models.values())
    ctx.disclosure_count = len(filers)
    ctx.count("disclosures.Disclosure", len(filers))
    ctx.count("disclosures.DisclosureVersion", total_versions)
    ctx.count("disclosures items (all sections)", total_items)
