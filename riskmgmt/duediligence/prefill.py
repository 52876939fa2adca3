"""Prefill a member's self-declaration from what the portal already knows of them: their
disclosure's current version (career, positions, funding, other support, talent programmes,
specified-category relationships), their imported records (researchmap / ORCID
suggestions not rejected) and their imported publications and patents with the co-authors'
and co-inventors' affiliations (``disclosures.ResearchOutput``). External members have neither: their declaration starts empty.

Each prefilled row carries ``source`` (``disclosure`` or ``import:<source>``) so the member
sees where it came from; they confirm or correct every row before signing. Funding before
the programme's ``funding_since`` date is left out, and so is every item the programme does not
ask for.
"""

from __future__ import annotations

from riskmgmt.duediligence.items import empty_content


def _d(value) -> str:
    return value.strftime("%Y-%m") if value else ""


def _org(item) -> str:
    org = getattr(item, "organisation", None)
    return org.name if org is not None else ""


def _period(start, end) -> str:
    if not start and not end:
        return ""
    return f"{_d(start)}–{_d(end)}"


def _amount(value) -> str:
    return "" if value is None else f"{value:.0f}"


def prefill_content(*, user, programme) -> tuple[dict, list[str]]:
    """The declaration's content built from ``user``'s records, and the sources used."""
    content, sources = empty_content(), []
    if user is None:
        return content, sources
    since = programme.funding_since
    version = _disclosure_version(user)
    if version is not None:
        sources.append("disclosure")
        src = "disclosure"
        for c in version.career_items.select_related("organisation"):
            content["career"].append({"start": _d(c.start_date), "end": _d(c.end_date),
                                      "organisation": _org(c), "position": c.position,
                                      "source": src})
        for p in version.position_items.select_related("organisation"):
            content["career"].append({"start": _d(p.start_date), "end": _d(p.end_date),
                                      "organisation": _org(p), "position": p.role,
                                      "source": src})
        for f in version.funding_items.select_related("organisation"):
            if since and f.start_date and f.end_date and f.end_date < since:
                continue
            content["funding"].append({
                "date": _d(f.start_date), "programme": f.programme or f.project_title,
                "funder": _org(f), "period": _period(f.start_date, f.end_date),
                "amount": _amount(f.amount), "source": src})
        for s in version.support_items.select_related("organisation"):
            content["support"].append({
                "date": _d(s.start_date), "content": s.description, "provider": _org(s),
                "period": _period(s.start_date, s.end_date),
                "amount": _amount(s.estimated_value), "source": src})
        for p in version.programme_items.select_related("organisation"):
            content["talent_programmes"].append({
                "period": _period(p.start_date, p.end_date), "programme": p.programme_name,
                "host": _org(p), "source": src})
        specified = list(version.specified_items.all())
        if specified:
            content["specified_category"] = {
                "answer": "yes",
                "note": "\n".join(f"{s.get_relationship_display()} {s.description}".strip()
                                  for s in specified)}
    _imported(user, content, sources, since)
    _outputs(user, content, sources)
    empty = empty_content()
    for code in empty:  # only the items the programme asks for
        if not programme.asks_for(code):
            content[code] = empty[code]
    return content, sources


def _join(values) -> str:
    out = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return "; ".join(out)


def _outputs(user, content, sources) -> None:
    """Publications and patents imported with their co-authors / co-inventors
    (``disclosures.ResearchOutput``): the contributors' affiliations become the item's list of
    affiliations, which the checks screen."""
    from disclosures.models import OutputContributor, ResearchOutput

    outputs = (ResearchOutput.objects.filter(owner=user)
               .prefetch_related("contributors__organisation").order_by("-published_on", "-id"))
    for out in outputs:
        people = list(out.contributors.all())
        authors = [c for c in people if c.role != OutputContributor.Role.APPLICANT]
        affiliations = _join(n for c in people for n in c.screened_names()[:1])
        date = _d(out.published_on) or out.published_text
        src = f"import:{out.source}"
        if out.kind == ResearchOutput.Kind.PATENT:
            applicants = [c for c in people if c.role == OutputContributor.Role.APPLICANT]
            content["patents"].append({
                "date": date, "content": out.title,
                "applicant": applicants[0].name if applicants else "",
                "coinventors": _join(c.name for c in authors),
                "coapplicants": _join(c.name for c in applicants[1:]),
                "affiliations": affiliations, "source": src})
        else:
            title = f"{out.title} / {out.venue}" if out.venue else out.title
            content["publications"].append({
                "date": date, "title": title,
                "first_author": authors[0].name if authors else "",
                "corresponding_author": "", "coauthors": _join(c.name for c in authors),
                "coauthor_affiliations": affiliations, "source": src})
        if src not in sources:
            sources.append(src)


def _disclosure_version(user):
    from disclosures.models import Disclosure

    disclosure = (Disclosure.objects.filter(owner=user)
                  .select_related("current_version", "last_accepted_version").first())
    if disclosure is None:
        return None
    return disclosure.current_version or disclosure.last_accepted_version


def _imported(user, content, sources, since) -> None:
    from disclosures.models import ExternalRecordItem

    items = (ExternalRecordItem.objects.filter(owner=user)
             .exclude(status=ExternalRecordItem.Status.REJECTED)
             .select_related("organisation").order_by("start_date", "id"))
    seen_career = {(r["organisation"], r["start"]) for r in content["career"]}
    seen_funding = {(r["programme"], r["date"]) for r in content["funding"]}
    for item in items:
        src = f"import:{item.source}"
        org = item.organisation.name if item.organisation_id else (
            item.organisation_name or item.organisation_name_en)
        if item.kind == ExternalRecordItem.Kind.FUNDING:
            if since and item.end_date and item.end_date < since:
                continue
            key = (item.programme or item.title, _d(item.start_date))
            if key in seen_funding:
                continue
            seen_funding.add(key)
            content["funding"].append({
                "date": _d(item.start_date), "programme": item.programme or item.title,
                "funder": org, "period": _period(item.start_date, item.end_date),
                "amount": _amount(item.amount), "source": src})
        else:
            key = (org, _d(item.start_date))
            if key in seen_career:
                continue
            seen_career.add(key)
            content["career"].append({
                "start": _d(item.start_date), "end": _d(item.end_date), "organisation": org,
                "position": item.title, "source": src})
        if src not in sources:
            sources.append(src)
