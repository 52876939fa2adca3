"""The sentences that say why a flag was raised, stored as a key and parameters.

The same pattern as ``portal.notifications.kinds``: a flag stores the *key* of its reason and
the *parameters* of the sentence (``Flag.reason_key`` / ``Flag.reason_params``), produced by the
code that writes the text, and the sentence is rendered in the reader's language each time it
is read (:func:`render`). Parameters that are themselves translated (a programme kind, a list
kind, clauses, an explanation of a match) are stored as codes and resolved here, so a Japanese
evaluation reads in English and the other way round. The text written at evaluation time
(``Flag.reason``) stays: it is what older rows (with no key) show, and what search and
the audit trail quote.

A screening hit's explanation is stored the same way: ``ScreeningHit.explanation_params`` are
the arguments of :func:`riskmgmt.matching.explain`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Reason:
    key: str
    text: object
    prepare: Callable[[dict], dict] | None = None


REASONS: dict[str, Reason] = {}


def register(key: str, text, prepare=None) -> Reason:
    reason = Reason(key, text, prepare)
    REASONS[key] = reason
    return reason


def _label(choices: Callable[[], dict], *keys: str) -> Callable[[dict], dict]:
    def prepare(params: dict) -> dict:
        table = choices()
        return {k: (table.get(v, v) if k in keys else v) for k, v in params.items()}
    return prepare


def _explained(params: dict) -> dict:
    """The list as "name (kind)" and the explanation of the match, in the active language."""
    from riskmgmt import matching

    values = dict(params)
    values["list"] = matching.list_label(values.pop("list_name", ""), values.pop("list_kind", ""))
    why = values.get("why")
    if isinstance(why, dict):
        values["why"] = matching.explain(**why)
    return values


def _programme_kinds():
    from disclosures.models import ProgrammeItem
    return dict(ProgrammeItem.Kind.choices)


def _relationships():
    from disclosures.models import SpecifiedCategoryItem
    return dict(SpecifiedCategoryItem.Relationship.choices)


def _clauses(params: dict) -> dict:
    from riskmgmt.rules import CLAUSES
    return {**params, "clauses": ", ".join(str(CLAUSES.get(c, c)) for c in params["clauses"])}


def _record(params: dict) -> dict:
    from disclosures.models import ExternalRecordItem

    sources = dict(ExternalRecordItem._meta.get_field("source").choices)
    kinds = dict(ExternalRecordItem._meta.get_field("kind").choices)
    return {**params, "source": sources.get(params["source"], params["source"]),
            "kind": kinds.get(params["kind"], params["kind"])}


def _output_match(params: dict) -> dict:
    from disclosures.models import OutputContributor

    roles = dict(OutputContributor._meta.get_field("role").choices)
    values = _explained(params)
    values["role"] = roles.get(values["role"], values["role"])
    return values


FOREIGN_SUPPORT = register(
    "foreign_support", _("Support from an organisation in %(country)s: %(item)s"))
TALENT_PROGRAMME = register(
    "talent_programme", _("Participation in a %(kind)s: %(item)s"),
    _label(_programme_kinds, "kind"))
SCREENING_MATCH = register(
    "screening_match", _("%(org)s matches %(entry)s on %(list)s (score %(score).0f): %(why)s"),
    _explained)
UNDECLARED_FUNDING = register(
    "undeclared_funding", _("Funding not declared in grant applications: %(item)s"))
EFFORT = register("effort", _("Total effort is %(total)s%% (threshold %(threshold)s%%)"))
CONTRACT_CLAUSES = register(
    "contract_clauses", _("Contract with clauses of concern (%(clauses)s): %(item)s"), _clauses)
SPECIFIED_CATEGORY = register(
    "specified_category", _("Specified-category relationship (%(kind)s): %(item)s"),
    _label(_relationships, "kind"))
NEW_ITEM = register("new_item", _("New since the last accepted version: %(item)s"))
ORGANISATION_CHANGED = register(
    "organisation_changed", _("Organisation changed since the last accepted version: %(item)s"))
AMOUNT_CHANGED = register("amount_changed", _("Amount changed from %(old)s to %(new)s: %(item)s"))
RECORD_DISCREPANCY = register(
    "record_discrepancy",
    _("%(source)s lists %(org)s (%(kind)s), which the disclosure does not mention"), _record)
RESCREEN_MATCH = register(
    "rescreen_match", _("%(org)s now matches %(entry)s on %(list)s (score %(score)s): %(why)s"),
    _explained)
OUTPUT_MATCH = register(
    "output_match",
    _("%(role)s %(person)s of “%(title)s” is affiliated with %(affiliation)s, which "
      "matches %(entry)s on %(list)s (score %(score)s): %(why)s"), _output_match)
# Several findings of one rule on one version: one flag, one line each.
JOINED = "joined"


def render(key: str, params: dict) -> str:
    """The sentence of ``key`` with ``params`` in the active language.

    Raises ``KeyError`` (unknown key, missing parameter) or ``TypeError``/``ValueError``
    (a parameter of the wrong type): the caller then falls back to the stored text.
    """
    if key == JOINED:
        return "\n".join(render(k, p) for k, p in params["parts"])
    reason = REASONS[key]
    values = dict(params or {})
    if reason.prepare is not None:
        values = reason.prepare(values)
    return str(reason.text) % values


def render_or(key: str, params: dict, fallback: str) -> str:
    """:func:`render`, or ``fallback`` (the stored text) for an older row or a broken one."""
    if not key:
        return fallback
    try:
        return render(key, params)
    except (KeyError, TypeError, ValueError):
        return fallback


def joined(parts: list[tuple[str, dict]]) -> tuple[str, dict]:
    """The key and parameters of several findings joined in one flag."""
    return JOINED, {"parts": [[k, p] for k, p in parts]}


def digest_text(key: str, params: dict) -> str:
    """What a flag says, independent of any language: its key and parameters (for the
    fingerprint that tells an unchanged flag from a changed one)."""
    return json.dumps([key, params], sort_keys=True, ensure_ascii=False, default=str)
