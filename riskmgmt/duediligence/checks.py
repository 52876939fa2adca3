"""The checks: every organisation named in a project's declarations and every institution of
the project, screened against the current release of every loaded list with the portal's one
matcher (:func:`riskmgmt.matching.screen_names`).

Names come from the items' ``org_fields`` and ``list_fields`` (:mod:`.items`) of each member's
current declaration version (draft or signed: what the member last wrote), the member's
institution, the lead and the partner institutions. Each distinct name is screened once,
however many members name it, so a 15-member project with 3,000 co-authors' affiliations is
a few hundred look-ups.

The hits feed the institution's answers per member (:func:`member_findings`) instead of
being typed by hand:

* item 9 (list status) — the member's institution matched a listed entity (persons are not on
  the organisation lists the portal loads; the member's own answer is kept beside it);
* item 10 (past affiliation with a listed entity) — hits in education or career;
* item 11 (relationships with listed entities) — hits in funding, support, publications
  (co-authors' affiliations), patents, talent programmes and declared relationships.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from riskmgmt.duediligence.items import TABLE_ITEMS, split_names

AFFILIATION_ITEMS = ("education", "career")
INSTITUTION = "institution"  # the pseudo-item of a member's or the project's institution


@dataclass
class Occurrence:
    member_id: int | None
    item: str


@dataclass
class Gathered:
    by_name: dict[str, list[Occurrence]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, member_id: int | None, item: str) -> None:
        name = " ".join((name or "").split())
        if name:
            occ = self.by_name[name]
            if not any(o.member_id == member_id and o.item == item for o in occ):
                occ.append(Occurrence(member_id, item))


def gather(project, members) -> Gathered:
    """Every name to screen, with where it occurs (``members`` with their declarations'
    current versions loaded)."""
    g = Gathered()
    for org in [project.lead_institution, *project.partner_institutions.all()]:
        for name in org.all_names():
            g.add(name, None, INSTITUTION)
    for member in members:
        for name in member.institution.all_names():
            g.add(name, member.pk, INSTITUTION)
        declaration = getattr(member, "declaration", None)
        version = declaration.current_version if declaration is not None else None
        if version is None:
            continue
        content = version.content or {}
        for item in TABLE_ITEMS:
            if not project.programme.asks_for(item.code):
                continue
            for row in content.get(item.code) or []:
                for f in item.org_fields:
                    g.add(row.get(f, ""), member.pk, item.code)
                for f in item.list_fields:
                    for name in split_names(row.get(f, "")):
                        g.add(name, member.pk, item.code)
    return g


def screen(gathered: Gathered, *, index=None) -> list[tuple[Occurrence, dict]]:
    """(where, hit) for every hit of every gathered name: the matcher's hit
    (:meth:`riskmgmt.matching.Match.as_dict`) with the ``release_id`` of the entry's list
    release, so the hit knows its list's kind."""
    from riskmgmt.matching import check_names, current_index

    index = index or current_index()
    out = []
    for name, matches in check_names(list(gathered.by_name), index=index).items():
        for match in matches:
            hit = {**match.as_dict(), "release_id": match.release_id,
                   "explanation_params": match.explanation_params}
            for occ in gathered.by_name[name]:
                out.append((occ, hit))
    return out


def member_findings(hits) -> dict[int | None, dict[str, list]]:
    """Per member id: the hits behind items 9, 10 and 11 of the institution's answers."""
    result: dict[int | None, dict[str, list]] = defaultdict(
        lambda: {"list_status": [], "listed_affiliation": [], "listed_relationships": []})
    for hit in hits:
        if hit.item == INSTITUTION:
            key = "list_status"
        elif hit.item in AFFILIATION_ITEMS:
            key = "listed_affiliation"
        else:
            key = "listed_relationships"
        result[hit.member_id][key].append(hit)
    return result
