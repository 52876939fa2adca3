"""Built-in flagging rule types and their evaluation over a submitted disclosure version.

A rule type declares the parameters an administrator may tune. Parameters are of a few kinds
only — numbers, switches, choices among item sections / clauses / programme kinds, and
*countries of organisations* — and ``validate_params`` rejects any key a rule type does not
declare. The facts a rule sees (:class:`DisclosureFacts`) are the disclosed items, their
organisations (with the organisation's country), money, roles, contracts and dates: nothing
about the person. So a rule cannot use a person's nationality, race, religion or birthplace —
there is no way to say it, and no data to read it from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from disclosures import sections as disclosure_sections
from portal.names import compact

HOME_COUNTRY = "JP"

# What a disclosure section is (its code, title and item relation) is declared once, in
# ``disclosures.sections``; the rules read it from there.
SECTIONS = {section.code: section.title for section in disclosure_sections.SECTIONS}
CLAUSES = {
    "assigns_results_or_ip": gettext_lazy("Assignment of results or IP"),
    "restricts_publication": gettext_lazy("Publication restrictions"),
    "exclusivity": gettext_lazy("Exclusivity"),
    "obligation_recruit_or_work_abroad": gettext_lazy("Obligation to recruit or work abroad"),
}
PROGRAMME_KINDS = {"talent": gettext_lazy("Talent programme"), "host": gettext_lazy("Host programme")}
RELATIONSHIPS = {
    "contract_control": gettext_lazy("Type 1: under a contract"),
    "economic_control": gettext_lazy("Type 2: economic benefit"),
    "instructions": gettext_lazy("Type 3: instructions"),
}
RECORD_KINDS = {"career": gettext_lazy("Career"), "affiliation": gettext_lazy("Affiliation"),
                "funding": gettext_lazy("Research project / funding")}

# The only kinds of parameter a rule can have. None of them describes a person.
PARAM_KINDS = ("number", "bool", "choices", "org_countries")


@dataclass(frozen=True)
class Param:
    kind: str
    label: object
    default: object
    choices: dict | None = None
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self):
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"Unknown parameter kind {self.kind}")


@dataclass
class Finding:
    reason: str
    items: list = field(default_factory=list)
    hits: list = field(default_factory=list)
    records: list = field(default_factory=list)
    # The sentence as a key and parameters (riskmgmt.reasons), rendered for each reader.
    key: str = ""
    params: dict = field(default_factory=dict)


def finding(key: str, params: dict, items=(), **kwargs) -> Finding:
    """A finding whose reason is ``key`` with ``params`` (the text in the active language
    is kept beside them, see :mod:`riskmgmt.reasons`)."""
    from riskmgmt import reasons

    return Finding(reasons.render(key, params), list(items), key=key, params=params, **kwargs)


@dataclass(frozen=True)
class RuleType:
    code: str
    label: object
    concern: str
    description: object
    params: dict[str, Param]
    evaluate: Callable[[DisclosureFacts, dict], list[Finding]]


def _org_country(item) -> str:
    org = getattr(item, "organisation", None)
    code = ""
    if org is not None and org.country:
        code = org.country.code
    elif getattr(item, "country", None):
        code = item.country.code
    return code


def _is_foreign(item, countries: list[str]) -> bool:
    code = _org_country(item)
    if not code or code == HOME_COUNTRY:
        return False
    return not countries or code in countries


def item_label(item) -> str:
    org = getattr(item, "organisation", None)
    name = str(org) if org is not None else ""
    for attr in ("programme_name", "project_title", "title", "role", "position", "description",
                 "purpose", "programme"):
        value = getattr(item, attr, "")
        if value:
            return f"{name} — {value}" if name else str(value)
    return name or str(item._meta.verbose_name)


class DisclosureFacts:
    """What rules may look at: items and their organisations, never the person.

    ``sections`` maps a section code to its items (with ``organisation`` loaded);
    ``previous`` (the last accepted version's items) and ``external_records`` (the researcher's
    researchmap/ORCID import entries) are loaded only when a rule asks for them.
    """

    def __init__(self, sections, previous=None, external_records=None, *, loader=None):
        self.sections = sections
        self._previous = previous
        self._external_records = external_records
        self._loader = loader
        self._names = None
        self.screened = None  # organisations screened against the lists, once a rule did

    def items(self, *sections: str):
        for section in sections or SECTIONS:
            yield from self.sections.get(section, [])

    @property
    def previous(self):
        if self._previous is None and self._loader is not None:
            self._previous = self._loader("previous")
        return self._previous or None

    @property
    def external_records(self):
        if self._external_records is None:
            self._external_records = self._loader("records") if self._loader else []
        return self._external_records

    def names_of(self, organisation) -> list[str]:
        """Names and aliases of an organisation of the items (aliases in one query)."""
        if self._names is None:
            from portal.models import OrganisationAlias

            ids = {i.organisation_id for i in self.items() if i.organisation_id}
            ids |= {r.organisation_id for r in self.external_records if r.organisation_id}
            self._names = {}
            for org_id, name in OrganisationAlias.objects.filter(
                    organisation_id__in=ids).values_list("organisation_id", "name"):
                self._names.setdefault(org_id, []).append(name)
        base = [n for n in (organisation.name_ja, organisation.name_en) if n]
        return base + self._names.get(organisation.pk, [])

    @classmethod
    def for_version(cls, version) -> DisclosureFacts:
        from disclosures.models import DisclosureVersion, ExternalRecordItem

        def load(v):
            return {
                section.code: list(getattr(v, section.related_name).select_related("organisation"))
                for section in disclosure_sections.SECTIONS
            }

        disclosure = version.disclosure

        def loader(what):
            if what == "previous":
                prev_id = disclosure.last_accepted_version_id
                if not prev_id or prev_id == version.pk:
                    return {}
                prev = DisclosureVersion.objects.filter(pk=prev_id).first()
                return load(prev) if prev is not None else {}
            return list(
                ExternalRecordItem.objects.filter(owner_id=disclosure.owner_id)
                .exclude(status=ExternalRecordItem.Status.REJECTED).select_related("organisation")
            )

        return cls(load(version), loader=loader)


def _num(value: Decimal) -> str:
    """``110`` rather than ``1.1E+2``."""
    return format(value.normalize(), "f")


def _money(value) -> Decimal:
    try:
        return Decimal(value or 0)
    except (InvalidOperation, TypeError):
        return Decimal(0)


# --- The built-in rules ----------------------------------------------------------------------


def eval_foreign_support(facts, p):
    findings = []
    minimum = _money(p["min_amount"])
    for item in facts.items(*p["sections"]):
        if not _is_foreign(item, p["countries"]):
            continue
        amount = _money(getattr(item, "amount", None) or getattr(item, "estimated_value", None))
        if minimum and amount < minimum:
            continue
        findings.append(finding(
            "foreign_support", {"country": _org_country(item), "item": item_label(item)}, [item]))
    return findings


def eval_talent_programme(facts, p):
    findings = []
    for item in facts.items("programme"):
        if item.programme_kind not in p["programme_kinds"]:
            continue
        if p["foreign_only"] and not _is_foreign(item, []):
            continue
        findings.append(finding(
            "talent_programme", {"kind": item.programme_kind, "item": item_label(item)}, [item]))
    return findings


def eval_screening_match(facts, p):
    from riskmgmt import matching

    by_org: dict[int, list] = {}
    orgs = {}
    for item in facts.items(*p["sections"]):
        if item.organisation_id:
            by_org.setdefault(item.organisation_id, []).append(item)
            orgs[item.organisation_id] = item.organisation
    facts.screened = len(orgs)
    if not orgs:
        return []
    names = {oid: facts.names_of(org) for oid, org in orgs.items()}
    results = matching.match_organisations(names, threshold=float(p["threshold"]))
    findings = []
    for oid, matches in results.items():
        if not matches:
            continue
        best = matches[0]
        findings.append(finding(
            "screening_match",
            {"org": str(orgs[oid]), "entry": best.entry_name, "list_name": best.list_name,
             "list_kind": best.list_kind, "score": best.score, "why": best.explanation_params},
            by_org[oid], hits=[(oid, m) for m in matches]))
    return findings


def eval_undeclared_funding(facts, p):
    findings = []
    for item in facts.items("funding"):
        if item.declared_in_applications or item.status not in p["statuses"]:
            continue
        if p["foreign_only"] and not _is_foreign(item, []):
            continue
        findings.append(finding("undeclared_funding", {"item": item_label(item)}, [item]))
    return findings


def eval_effort(facts, p):
    from django.utils import timezone

    today = timezone.localdate()
    items = [i for i in facts.items(*p["sections"])
             if getattr(i, "effort_percent", None) and disclosure_sections.is_current(i, today)]
    total = sum((_money(i.effort_percent) for i in items), Decimal(0))
    if total > _money(p["threshold"]):
        return [finding("effort", {"total": _num(total), "threshold": p["threshold"]}, items)]
    return []


def eval_contract_clauses(facts, p):
    findings = []
    for item in facts.items("contract"):
        found = [c for c in p["clauses"] if getattr(item, c, False)]
        if found:
            findings.append(finding(
                "contract_clauses", {"clauses": found, "item": item_label(item)}, [item]))
    return findings


def eval_specified_category(facts, p):
    return [
        finding("specified_category", {"kind": item.relationship, "item": item_label(item)},
                [item])
        for item in facts.items("specified") if item.relationship in p["relationships"]
    ]


def eval_substantive_change(facts, p):
    if facts.previous is None:
        return []
    findings = []
    for section in p["sections"]:
        before = {i.item_key: i for i in facts.previous.get(section, [])}
        for item in facts.sections.get(section, []):
            old = before.get(item.item_key)
            if old is None:
                if p["foreign_only"] and not _is_foreign(item, []):
                    continue
                findings.append(finding("new_item", {"item": item_label(item)}, [item]))
                continue
            if old.organisation_id != item.organisation_id:
                findings.append(finding("organisation_changed", {"item": item_label(item)},
                                        [item]))
                continue
            new_amount, old_amount = _money(getattr(item, "amount", None)), _money(
                getattr(old, "amount", None))
            if old_amount and abs(new_amount - old_amount) * 100 / old_amount > _money(
                    p["amount_change_percent"]):
                findings.append(finding(
                    "amount_changed", {"old": _num(old_amount), "new": _num(new_amount),
                                       "item": item_label(item)}, [item]))
    return findings


def eval_record_discrepancy(facts, p):
    disclosed_ids = set()
    disclosed_names = set()
    for item in facts.items():
        if item.organisation_id:
            disclosed_ids.add(item.organisation_id)
            for name in facts.names_of(item.organisation):
                disclosed_names.add(compact(name))
    findings = []
    for record in facts.external_records:
        if record.kind not in p["kinds"]:
            continue
        if p["foreign_only"] and not (record.country and record.country.code != HOME_COUNTRY):
            org_country = record.organisation.country.code if record.organisation_id and \
                record.organisation.country else ""
            if not org_country or org_country == HOME_COUNTRY:
                continue
        if record.organisation_id and record.organisation_id in disclosed_ids:
            continue
        names = [n for n in (record.organisation_name, record.organisation_name_en) if n]
        if record.organisation_id:
            names.append(str(record.organisation))
        if not names or any(compact(n) in disclosed_names for n in names):
            continue
        findings.append(finding(
            "record_discrepancy", {"source": record.source, "org": names[0], "kind": record.kind},
            records=[record]))
    return findings


_ALL_SECTIONS = list(SECTIONS)

RULE_TYPES: dict[str, RuleType] = {
    rt.code: rt for rt in [
        RuleType("foreign_support", gettext_lazy("Foreign funding or in-kind support"), "foreign_support",
                 gettext_lazy("Funding, support or donations from an organisation outside Japan."),
                 {"sections": Param("choices", gettext_lazy("Sections"), ["funding", "support", "donation"],
                                    choices={k: SECTIONS[k] for k in ("funding", "support", "donation")}),
                  "countries": Param("org_countries", gettext_lazy("Only organisations in these countries/regions (empty: any outside Japan)"), []),
                  "min_amount": Param("number", gettext_lazy("Minimum amount (0: any)"), 0, minimum=0)},
                 eval_foreign_support),
        RuleType("talent_programme", gettext_lazy("Talent or host programme participation"), "talent_programme",
                 gettext_lazy("Participation in a talent (人材登用) or host programme."),
                 {"programme_kinds": Param("choices", gettext_lazy("Programme types"), ["talent", "host"],
                                           choices=PROGRAMME_KINDS),
                  "foreign_only": Param("bool", gettext_lazy("Only programmes of organisations outside Japan"), False)},
                 eval_talent_programme),
        RuleType("screening_match", gettext_lazy("Screening list match"), "screening_match",
                 gettext_lazy("A position, funder or counterpart matches an entry of a screening list."),
                 {"sections": Param("choices", gettext_lazy("Sections"), _ALL_SECTIONS, choices=SECTIONS),
                  "threshold": Param("number", gettext_lazy("Minimum match score (0–100)"), 88,
                                     minimum=50, maximum=100)},
                 eval_screening_match),
        RuleType("undeclared_funding", gettext_lazy("Funding not declared in applications"), "undeclared_funding",
                 gettext_lazy("Research funding that the researcher has not declared in grant applications."),
                 {"statuses": Param("choices", gettext_lazy("Funding statuses"), ["received"],
                                    choices={"applied": gettext_lazy("Applied for"), "received": pgettext_lazy("funding status", "Received")}),
                  "foreign_only": Param("bool", gettext_lazy("Only funders outside Japan"), False)},
                 eval_undeclared_funding),
        RuleType("effort_threshold", gettext_lazy("Total effort over a threshold"), "effort",
                 gettext_lazy("The sum of effort percentages exceeds the threshold."),
                 {"threshold": Param("number", gettext_lazy("Threshold (%)"), 100, minimum=1, maximum=1000),
                  "sections": Param("choices", gettext_lazy("Sections"), ["funding", "position"],
                                    choices={k: SECTIONS[k] for k in ("funding", "position")})},
                 eval_effort),
        RuleType("contract_clauses", gettext_lazy("Contract clauses of concern"), "contract_clauses",
                 gettext_lazy("A contract assigns results, restricts publication or is exclusive."),
                 {"clauses": Param("choices", gettext_lazy("Clauses"), list(CLAUSES), choices=CLAUSES)},
                 eval_contract_clauses),
        RuleType("specified_category", gettext_lazy("Specified-category relationship"), "specified_category",
                 gettext_lazy("A relationship of a specified category (特定類型) was reported."),
                 {"relationships": Param("choices", gettext_lazy("Relationships"), list(RELATIONSHIPS),
                                         choices=RELATIONSHIPS)},
                 eval_specified_category),
        RuleType("substantive_change", gettext_lazy("Substantive change since the last accepted version"),
                 "substantive_change",
                 gettext_lazy("New or changed items compared with the last accepted version."),
                 {"sections": Param("choices", gettext_lazy("Sections"),
                                    ["position", "funding", "support", "programme", "contract", "specified"],
                                    choices=SECTIONS),
                  "foreign_only": Param("bool", gettext_lazy("Only new items of organisations outside Japan"), True),
                  "amount_change_percent": Param("number", gettext_lazy("Amount change that counts (%)"), 50,
                                                 minimum=0)},
                 eval_substantive_change),
        RuleType("record_discrepancy", gettext_lazy("Discrepancy with external records"), "record_discrepancy",
                 gettext_lazy("researchmap/ORCID imports list an organisation the disclosure does not mention."),
                 {"kinds": Param("choices", gettext_lazy("Record kinds"), list(RECORD_KINDS), choices=RECORD_KINDS),
                  "foreign_only": Param("bool", gettext_lazy("Only organisations outside Japan"), True)},
                 eval_record_discrepancy),
    ]
}


def defaults_for(rule_type: str) -> dict:
    rt = RULE_TYPES[rule_type]
    return {k: (list(p.default) if isinstance(p.default, list) else p.default)
            for k, p in rt.params.items()}


def validate_params(rule_type: str, params) -> dict:
    """Check ``params`` against the rule type; unknown keys are refused."""
    if rule_type not in RULE_TYPES:
        raise ValidationError({"rule_type": _("Unknown rule type.")})
    if not isinstance(params, dict):
        raise ValidationError({"params": _("Parameters must be a mapping.")})
    rt = RULE_TYPES[rule_type]
    unknown = sorted(set(params) - set(rt.params))
    if unknown:
        raise ValidationError({"params": _("This rule has no parameter %(names)s.")
                               % {"names": ", ".join(unknown)}})
    from django_countries import countries as country_table

    clean = defaults_for(rule_type)
    errors = []
    for key, spec in rt.params.items():
        if key not in params:
            continue
        value = params[key]
        if spec.kind == "number":
            try:
                number = float(value)
            except (TypeError, ValueError):
                errors.append(_("%(label)s must be a number.") % {"label": spec.label})
                continue
            if (spec.minimum is not None and number < spec.minimum) or (
                    spec.maximum is not None and number > spec.maximum):
                errors.append(_("%(label)s is out of range.") % {"label": spec.label})
                continue
            clean[key] = int(number) if number == int(number) else number
        elif spec.kind == "bool":
            clean[key] = value in (True, "true", "on", "1", 1)
        elif spec.kind == "choices":
            values = list(value) if isinstance(value, list | tuple) else [value]
            bad = [v for v in values if v not in spec.choices]
            if bad:
                errors.append(_("%(label)s: unknown choice %(bad)s.")
                              % {"label": spec.label, "bad": ", ".join(map(str, bad))})
                continue
            clean[key] = values
        elif spec.kind == "org_countries":
            values = [str(v).strip().upper() for v in (value or []) if str(v).strip()]
            bad = [v for v in values if len(v) != 2 or country_table.alpha2(v) != v]
            if bad:
                errors.append(_("%(label)s: unknown country code %(bad)s.")
                              % {"label": spec.label, "bad": ", ".join(bad)})
                continue
            clean[key] = values
    if errors:
        raise ValidationError({"params": errors})
    return clean
