"""What a member's self-declaration holds: the items of the programme's form (DOMAIN.md §7).

Knowledge in one place: the declaration page, the prefill, the checks and the generated forms
all read this catalogue. An item is a small table (``rows``: a list of dicts with the item's
fields) or a yes/no answer with a note (``answer``). Item 13 of the real form (nationality) is
*handwritten*: it has no field, the portal stores nothing for it, and the generated document
leaves its box empty for the member to fill in by hand (人種や国籍等による差別はあってはならない).

``org_fields`` name the fields holding an organisation's name: those are screened against the
loaded lists (:mod:`riskmgmt.duediligence.checks`); ``list_fields`` hold lists of names
separated by ``;`` or new lines (co-authors' or co-inventors' affiliations).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TABLE, ANSWER, HANDWRITTEN = "table", "answer", "handwritten"


@dataclass(frozen=True)
class Field:
    code: str
    label: object
    kind: str = "text"  # text, date, amount, long


@dataclass(frozen=True)
class Item:
    number: int
    code: str
    label: object
    kind: str
    fields: tuple[Field, ...] = ()
    org_fields: tuple[str, ...] = ()
    list_fields: tuple[str, ...] = ()
    help: object = ""
    extra: dict = field(default_factory=dict)


D, T, A, L = "date", "text", "amount", "long"

ITEMS: tuple[Item, ...] = (
    Item(1, "education", _("Education (from high school, incl. foreign institutions)"), TABLE,
         (Field("date", _("Year and month"), D), Field("content", _("Content")),
          Field("organisation", _("Institution"))), org_fields=("organisation",)),
    Item(2, "career", _("Research career and employment (especially abroad)"), TABLE,
         (Field("start", pgettext_lazy("date", "From"), D),
          Field("end", pgettext_lazy("date", "To"), D),
          Field("organisation", _("Organisation")), Field("position", _("Position"))),
         org_fields=("organisation",)),
    Item(3, "funding", _("Research funding received"), TABLE,
         (Field("date", _("Date"), D), Field("programme", _("Programme")),
          Field("funder", _("Funder")), Field("period", _("Period")),
          Field("amount", _("Total amount (yen)"), A)), org_fields=("funder",)),
    Item(4, "support", _("Support other than research funds (salary, scholarship, facilities)"),
         TABLE, (Field("date", _("Date"), D), Field("content", _("Content")),
                 Field("provider", _("Provider")), Field("period", _("Period")),
                 Field("amount", _("Amount (yen)"), A)), org_fields=("provider",)),
    Item(5, "publications", _("Publications"), TABLE,
         (Field("date", _("Date"), D), Field("title", _("Title / journal"), L),
          Field("first_author", _("First author")),
          Field("corresponding_author", _("Corresponding author")),
          Field("coauthors", _("Co-authors"), L),
          Field("coauthor_affiliations", _("Co-authors' affiliations"), L)),
         list_fields=("coauthor_affiliations",)),
    Item(6, "patents", _("Patents"), TABLE,
         (Field("date", _("Filing date"), D), Field("content", _("Content"), L),
          Field("applicant", _("Applicant")), Field("coinventors", _("Co-inventors"), L),
          Field("coapplicants", _("Co-applicants"), L),
          Field("affiliations", _("Co-inventors' and co-applicants' affiliations"), L)),
         org_fields=("applicant",), list_fields=("coapplicants", "affiliations")),
    Item(7, "talent_programmes", _("Participation in foreign talent programmes"), TABLE,
         (Field("period", _("Period")), Field("programme", _("Programme")),
          Field("host", _("Host country / institution"))), org_fields=("host", "programme")),
    Item(8, "disciplinary", _("Disciplinary measures under the competitive-funds guidelines"),
         ANSWER),
    Item(9, "list_status", _("Listed on METI's End User List or the US Consolidated Screening "
                             "List"), ANSWER),
    Item(10, "listed_affiliation", _("Past affiliation with a listed entity"), ANSWER),
    Item(11, "listed_relationships", _("Relationships with researchers of listed entities"), TABLE,
         (Field("date", _("Date"), D), Field("content", _("Content")),
          Field("entity", _("Entity")), Field("researcher", _("Researcher"))),
         org_fields=("entity",)),
    Item(12, "specified_category", _("Non-resident or in a specified category (特定類型) other "
                                     "than special permanent residents"), ANSWER),
    Item(13, "nationality", _("Nationality"), HANDWRITTEN,
         help=_("The portal does not store nationality. Fill this item in by hand on the "
                "printed form.")),
)
BY_CODE = {item.code: item for item in ITEMS}
TABLE_ITEMS = tuple(i for i in ITEMS if i.kind == TABLE)
ANSWER_ITEMS = tuple(i for i in ITEMS if i.kind == ANSWER)
STORED_CODES = tuple(i.code for i in ITEMS if i.kind != HANDWRITTEN)
HANDWRITTEN_NOTE = _("To be filled in by hand by the member: the portal does not store "
                     "nationality.")
# The consent the member gives by signing: the sign form's checkbox reads it, the signed
# version keeps it in the language it was signed in, and the generated forms print it.
CONSENT_TEXT = _("I confirm that the above is true and complete, and I consent to the "
                 "institution checking it and submitting it to the funding agency.")


def empty_content() -> dict:
    content = {i.code: [] for i in TABLE_ITEMS}
    content.update({i.code: {"answer": "", "note": ""} for i in ANSWER_ITEMS})
    return content


def split_names(value: str) -> list[str]:
    """A list field's names: split on ``;``, new lines and ``；``."""
    out = []
    for part in (value or "").replace("；", ";").replace("\n", ";").split(";"):
        part = part.strip()
        if part:
            out.append(part)
    return out


def clean_content(data: dict) -> dict:
    """Keep only the catalogue's items and fields, as strings; drop empty rows and anything
    else (nothing outside the catalogue, e.g. a nationality, can be stored)."""
    content = empty_content()
    for item in TABLE_ITEMS:
        codes = [f.code for f in item.fields]
        for row in (data or {}).get(item.code) or []:
            if not isinstance(row, dict):
                continue
            clean = {c: str(row.get(c) or "").strip()[:4000] for c in codes}
            if any(clean.values()):
                if row.get("source"):
                    clean["source"] = str(row["source"])[:40]
                content[item.code].append(clean)
    for item in ANSWER_ITEMS:
        value = (data or {}).get(item.code) or {}
        if isinstance(value, dict):
            answer = value.get("answer") if value.get("answer") in ("yes", "no") else ""
            content[item.code] = {"answer": answer, "note": str(value.get("note") or "")[:4000]}
    return content
