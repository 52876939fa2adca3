"""Seed the shared organisation registry from ROR records (schema v2, or v1).

    manage.py organisations_load_ror path/to/ror_v2_country_JP_all.json [...]

Each ROR record becomes (or updates) one ``portal.Organisation`` keyed by its ROR ID: the
Japanese label as ``name_ja``, the display/English label as ``name_en``, every other name
(aliases, acronyms, other labels) as an alias. ``successor``/``predecessor`` relationships set
``Organisation.successor``, so that an old name resolves to the organisation that continues it.

Some mergers are recorded in ROR only as ``related`` (東京工業大学 and 東京医科歯科大学 →
東京科学大学 in October 2024); ``KNOWN_SUCCESSIONS`` fills those in, and ``--succession
OLD=NEW`` adds others. Idempotent: running it again updates names and links.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.audit import task_actor
from portal.models import Organisation, OrganisationAlias, OrganisationKind
from portal.services import organisation_save

# ROR id of a predecessor → ROR id of its successor, for mergers ROR lists only as "related".
KNOWN_SUCCESSIONS = {
    "0112mx960": "05dqf9946",  # Tokyo Institute of Technology → Institute of Science Tokyo
    "051k3eh31": "05dqf9946",  # Tokyo Medical and Dental University → Institute of Science Tokyo
}

KIND_BY_TYPE = {
    "education": OrganisationKind.UNIVERSITY,
    "facility": OrganisationKind.UNIVERSITY,
    "company": OrganisationKind.COMPANY,
    "government": OrganisationKind.GOVERNMENT,
    "funder": OrganisationKind.FUNDER,
    "nonprofit": OrganisationKind.NONPROFIT,
    "healthcare": OrganisationKind.HOSPITAL,
}


def short_id(ror_id: str) -> str:
    return (ror_id or "").rstrip("/").rsplit("/", 1)[-1]


def record_fields(record: dict) -> dict:
    """Names, country, kind, website and successor links of one ROR record (v1 or v2)."""
    if "names" in record:  # schema v2
        names = record.get("names") or []
        display = next((n["value"] for n in names if "ror_display" in (n.get("types") or [])), "")
        ja_label = next((n["value"] for n in names if n.get("lang") == "ja"
                         and "label" in (n.get("types") or [])), "")
        en_label = next((n["value"] for n in names if n.get("lang") == "en"
                         and "label" in (n.get("types") or [])), "") or display
        locations = record.get("locations") or []
        country = ((locations[0].get("geonames_details") or {}).get("country_code", "")
                   if locations else "")
        types = record.get("types") or []
        website = next((link["value"] for link in record.get("links") or []
                        if link.get("type") == "website"), "")
        all_names = [n["value"] for n in names]
    else:  # schema v1
        labels = record.get("labels") or []
        ja_label = next((lb["label"] for lb in labels if lb.get("iso639") == "ja"), "")
        en_label = record.get("name", "")
        country = (record.get("country") or {}).get("country_code", "")
        types = [t.lower() for t in record.get("types") or []]
        links = record.get("links") or []
        website = links[0] if links else ""
        all_names = [record.get("name", "")] + [lb["label"] for lb in labels] + \
            list(record.get("aliases") or []) + list(record.get("acronyms") or [])
    kind = next((KIND_BY_TYPE[t] for t in types if t in KIND_BY_TYPE), OrganisationKind.OTHER)
    successors = [short_id(r["id"]) for r in record.get("relationships") or []
                  if (r.get("type") or "").lower() == "successor"]
    predecessors = [short_id(r["id"]) for r in record.get("relationships") or []
                    if (r.get("type") or "").lower() == "predecessor"]
    name_ja = ja_label[:300]
    name_en = en_label[:300]
    aliases = sorted({n.strip()[:300] for n in all_names if n and n.strip()
                      and n.strip() not in (name_ja, name_en)})
    return {"ror_id": short_id(record.get("id", "")), "name_ja": name_ja, "name_en": name_en,
            "country": country, "kind": kind, "website": website[:200], "aliases": aliases,
            "successors": successors, "predecessors": predecessors}


class Command(BaseCommand):
    help = "Seed the organisation registry from ROR JSON files (schema v2 or v1)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="ROR JSON files (arrays of records)")
        parser.add_argument("--succession", action="append", default=[],
                            help="OLD_ROR_ID=NEW_ROR_ID: an extra known succession")

    def handle(self, *args, paths, succession, **options):
        if not paths:
            paths = sorted(str(p) for p in (Path(settings.PORTAL_SAMPLE_DATA) / "ror").glob("ror_v2_*_all.json"))
        if not paths:
            raise CommandError("Give the ROR JSON files to load.")
        successions = dict(KNOWN_SUCCESSIONS)
        for pair in succession:
            old, _sep, new = pair.partition("=")
            if not old or not new:
                raise CommandError(f"--succession wants OLD=NEW, got {pair!r}")
            successions[short_id(old)] = short_id(new)
        records = []
        for path in paths:
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise CommandError(f"Cannot read {path}: {exc}") from exc
            records.extend(data if isinstance(data, list) else [data])
        created = updated = 0
        links: list[tuple[str, str]] = []
        with task_actor(None, kind="system"), transaction.atomic():
            existing = {o.ror_id: o for o in Organisation.objects.exclude(ror_id="")}
            known_aliases = set(OrganisationAlias.objects.values_list("organisation_id", "name"))
            for record in records:
                fields = record_fields(record)
                if not fields["ror_id"] or not (fields["name_ja"] or fields["name_en"]):
                    continue
                org = existing.get(fields["ror_id"])
                if org is None:
                    org = Organisation(ror_id=fields["ror_id"])
                    created += 1
                else:
                    updated += 1
                changed = org.pk is None
                for attr in ("name_ja", "name_en", "country", "kind", "website"):
                    if getattr(org, attr) != fields[attr] and fields[attr]:
                        setattr(org, attr, fields[attr])
                        changed = True
                if not org.is_verified:
                    org.is_verified = True
                    changed = True
                new_aliases = [a for a in fields["aliases"] if (org.pk, a) not in known_aliases]
                if changed or new_aliases:
                    org = organisation_save(instance=org, aliases=new_aliases)
                existing[fields["ror_id"]] = org
                links += [(fields["ror_id"], s) for s in fields["successors"]]
                links += [(p, fields["ror_id"]) for p in fields["predecessors"]]
            links += list(successions.items())
            linked = 0
            for old, new in links:
                old_org, new_org = existing.get(old), existing.get(new)
                if old_org is None or new_org is None or old_org.pk == new_org.pk:
                    continue
                if old_org.successor_id != new_org.pk:
                    old_org.successor = new_org
                    organisation_save(instance=old_org)
                    linked += 1
        self.stdout.write(self.style.SUCCESS(
            f"ROR: {created} organisations created, {updated} updated, {linked} successions linked."))
