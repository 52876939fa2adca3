"""Reads of the disclosures app; who sees what is decided here.

* A researcher reaches their own disclosure (``disclosures.disclosure.file``, own).
* Staff reach disclosures in their scope (``disclosures.disclosure.view_any``): a department
  reviewer the subtree of their departments, research-office staff and administrators all.
  Staff see submitted versions only, never a researcher's draft.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.http import Http404

from disclosures.models import (
    Attachment,
    Disclosure,
    DisclosureVersion,
    ExternalRecordImport,
    ExternalRecordItem,
    GrantPledge,
    ItemComment,
    OutputContributor,
    ResearchOutput,
    UpdateCampaign,
)
from portal.audit import history_for
from portal.models import Department, Organisation, OrganisationAlias, User
from portal.names import normalize_name
from portal.permissions import has_perm, scope_queryset


def staff_scope(user: User, queryset: QuerySet[Disclosure]) -> QuerySet[Disclosure]:
    return scope_queryset(user, "disclosures.disclosure.view_any", queryset,
                          department_field="department")


def disclosure_queryset_for(*, user: User) -> QuerySet[Disclosure]:
    """Disclosures ``user`` may open: their own, plus those in their staff scope.

    Only the owner and department are joined: the versions (and their content) are read by
    :func:`versions_and_shown` when a page needs them.
    """
    qs = Disclosure.objects.select_related("owner", "department")
    visible = None
    if has_perm(user, "disclosures.disclosure.view_any"):
        # Filtered on the row itself (no "pk IN (subquery)"): nothing at all for office staff.
        visible = staff_scope(user, qs)
    if has_perm(user, "disclosures.disclosure.file"):
        own = qs.filter(owner=user)
        visible = own if visible is None else visible | own
    return visible if visible is not None else qs.none()


def disclosure_get_for(*, user: User, public_id) -> Disclosure:
    try:
        return disclosure_queryset_for(user=user).get(public_id=public_id)
    except (Disclosure.DoesNotExist, ValueError):
        raise Http404 from None


def own_disclosure(*, user: User) -> Disclosure | None:
    if not has_perm(user, "disclosures.disclosure.file"):
        return None
    return (Disclosure.objects.select_related("current_version", "last_accepted_version",
                                              "department")
            .filter(owner=user).first())


def is_owner(user: User, disclosure: Disclosure) -> bool:
    return disclosure.owner_id == user.pk


def _visible_versions(user: User, disclosure: Disclosure) -> QuerySet[DisclosureVersion]:
    qs = disclosure.versions.all()
    if not is_owner(user, disclosure):
        qs = qs.exclude(status=DisclosureVersion.Status.DRAFT)
    return qs


def versions_for(*, user: User, disclosure: Disclosure) -> list[DisclosureVersion]:
    """The versions ``user`` may see (without their content), newest first (one query)."""
    return list(_visible_versions(user, disclosure).defer("content")
                .select_related("reviewer", "campaign").order_by("-number"))


_PAGE_FIELDS = (
    "public_id", "disclosure_id", "number", "status", "kind", "campaign__title", "change_note",
    "submitted_at", "attested_at", "attestation_text", "accepted_at", "review_comment",
)


def versions_and_shown(*, user: User, disclosure: Disclosure, number: int | None = None,
                       with_baseline: bool = False,
                       ) -> tuple[list[DisclosureVersion], DisclosureVersion | None]:
    """The versions ``user`` may see, newest first, and the one the disclosure page shows,
    with its content: version ``number`` (404 when ``user`` cannot see it); without a number
    the owner's current version, for anyone else the newest submitted one.

    One query: only the shown version's content is read, through a ``CASE`` on the list, and
    only the fields the page shows (other fields load on access). With ``with_baseline`` (the
    reviewer's page) the same query reads the content of the newest accepted version before
    the shown one too (:func:`last_accepted_before` then needs no query of its own).
    """
    visible = _visible_versions(user, disclosure)
    if number is not None:
        shown_q = Q(number=number)
    elif is_owner(user, disclosure) and disclosure.current_version_id:
        shown_q = Q(pk=disclosure.current_version_id)
    else:
        shown_q = Q(number=Subquery(visible.order_by("-number").values("number")[:1]))
    annotations = {"shown_content": Case(When(shown_q, then=F("content")), default=None,
                                         output_field=JSONField())}
    if with_baseline:
        shown_number = (number if number is not None
                        else Subquery(visible.order_by("-number").values("number")[:1]))
        baseline_number = Subquery(
            visible.filter(status=DisclosureVersion.Status.ACCEPTED, number__lt=shown_number)
            .order_by("-number").values("number")[:1])
        annotations["baseline_content"] = Case(When(number=baseline_number, then=F("content")),
                                               default=None, output_field=JSONField())
    versions = list(
        visible.only(*_PAGE_FIELDS).select_related("campaign").annotate(**annotations)
        .order_by("-number"))
    if number is not None:
        shown = next((v for v in versions if v.number == number), None)
        if shown is None:
            raise Http404
    elif is_owner(user, disclosure) and disclosure.current_version_id:
        shown = next((v for v in versions if v.pk == disclosure.current_version_id), None)
    else:
        shown = versions[0] if versions else None
    if shown is not None:
        shown.content = shown.shown_content
        shown.disclosure = disclosure
    return versions, shown


def version_get_for(*, user: User, disclosure: Disclosure, number: int) -> DisclosureVersion:
    try:
        version = _visible_versions(user, disclosure).get(number=number)
    except DisclosureVersion.DoesNotExist:
        raise Http404 from None
    version.disclosure = disclosure
    return version


def version_by_public_id(*, user: User, public_id) -> DisclosureVersion:
    """A submitted version reachable by ``user`` as staff (reviewer actions)."""
    qs = DisclosureVersion.objects.select_related("disclosure", "disclosure__owner").exclude(
        status=DisclosureVersion.Status.DRAFT)
    qs = qs.filter(disclosure__in=staff_scope(user, Disclosure.objects.all()))
    try:
        return qs.get(public_id=public_id)
    except (DisclosureVersion.DoesNotExist, ValueError):
        raise Http404 from None


def comments_for(*, user: User, version: DisclosureVersion) -> list[ItemComment]:
    qs = ItemComment.objects.filter(version=version).select_related("author")
    if not has_perm(user, "disclosures.comment.internal", version.disclosure) or \
            version.disclosure.owner_id == user.pk:
        qs = qs.filter(visibility=ItemComment.Visibility.RESEARCHER)
    return list(qs)


def last_accepted_before(*, versions: list[DisclosureVersion], version: DisclosureVersion,
                         ) -> DisclosureVersion | None:
    """The newest accepted version older than ``version`` among ``versions`` (the page's list,
    newest first), with its content read (one query): what the reviewer compares against."""
    baseline = next((v for v in versions if v.number < version.number
                     and v.status == DisclosureVersion.Status.ACCEPTED), None)
    if baseline is not None:
        content = getattr(baseline, "baseline_content", None)  # read with the list
        baseline.content = content if content is not None else (
            DisclosureVersion.objects.filter(pk=baseline.pk)
            .values_list("content", flat=True).first())
    return baseline


def earlier_comments_for(draft: DisclosureVersion) -> dict[str, list[ItemComment]]:
    """Comments addressed to the researcher on the version a draft continues, by item key."""
    if not draft.based_on_id:
        return {}
    result: dict[str, list[ItemComment]] = {}
    for comment in ItemComment.objects.filter(
            version_id=draft.based_on_id, visibility=ItemComment.Visibility.RESEARCHER,
            item_key__isnull=False).select_related("author"):
        result.setdefault(str(comment.item_key), []).append(comment)
    return result


def attachments_for(*, version: DisclosureVersion) -> list[Attachment]:
    return list(Attachment.objects.filter(version=version).defer("version"))


def attachment_get_for(*, user: User, public_id) -> Attachment:
    qs = Attachment.objects.select_related("version", "version__disclosure")
    visible = disclosure_queryset_for(user=user)
    try:
        attachment = qs.filter(version__disclosure__in=visible.values("pk")).get(
            public_id=public_id)
    except (Attachment.DoesNotExist, ValueError):
        raise Http404 from None
    if attachment.version.disclosure.owner_id != user.pk and \
            attachment.version.status == DisclosureVersion.Status.DRAFT:
        raise Http404
    return attachment


def viewers_of(*, disclosure: Disclosure, limit: int = 100):
    """Who among staff read this disclosure, newest first."""
    return history_for(disclosure).filter(action="disclosures.disclosure.viewed")[:limit]


#: What the review queue shows of each version (and sorts on): the rows stay narrow.
_NAME_FIELDS = ("family_name", "given_name", "family_name_en", "given_name_en", "email")
QUEUE_FIELDS = (
    "public_id", "number", "status", "kind", "submitted_at", "reviewer_id",
    "disclosure__public_id", "disclosure__department_id", "disclosure__owner_id",
    "disclosure__department__name_ja", "disclosure__department__name_en",
    *(f"disclosure__owner__{f}" for f in _NAME_FIELDS), *(f"reviewer__{f}" for f in _NAME_FIELDS),
)


def review_queue_for(*, user: User, params=None) -> QuerySet[DisclosureVersion]:
    """Submitted versions in ``user``'s scope, filtered by ``params`` (default: waiting).

    The scope is applied to the joined disclosure row (no ``IN (subquery)`` of disclosures:
    one join fewer, and PostgreSQL plans the page query in a third of the time).
    """
    from disclosures.filters import ReviewQueueFilter

    if not has_perm(user, "disclosures.disclosure.review"):
        return DisclosureVersion.objects.none()
    qs = (scope_queryset(user, "disclosures.disclosure.view_any", DisclosureVersion.objects.all(),
                         department_field="disclosure__department")
          .select_related("disclosure__owner", "disclosure__department", "reviewer")
          .only(*QUEUE_FIELDS)
          .exclude(status=DisclosureVersion.Status.DRAFT)
          .exclude(kind=DisclosureVersion.Kind.NO_CHANGE))
    filterset = ReviewQueueFilter(params or {}, queryset=qs,
                                  departments=review_departments_for(user=user))
    return filterset.qs


def review_departments_for(*, user: User) -> QuerySet[Department]:
    return scope_queryset(user, "disclosures.disclosure.view_any",
                          Department.objects.all(), department_field="id")


def pending_review_count(*, user: User) -> int:
    return review_queue_for(user=user).count()


# --- Imports ------------------------------------------------------------------------------


def imports_for(*, user: User) -> QuerySet[ExternalRecordImport]:
    return ExternalRecordImport.objects.filter(owner=user).annotate(
        open_count=Count("items", filter=Q(items__status=ExternalRecordItem.Status.SUGGESTED))
    ).order_by("-created_at", "-id")


def import_get_for(*, user: User, public_id) -> ExternalRecordImport:
    try:
        return ExternalRecordImport.objects.get(owner=user, public_id=public_id)
    except (ExternalRecordImport.DoesNotExist, ValueError):
        raise Http404 from None


def import_item_get_for(*, user: User, pk: int) -> ExternalRecordItem:
    try:
        return ExternalRecordItem.objects.select_related("record_import", "organisation").get(
            owner=user, pk=pk)
    except ExternalRecordItem.DoesNotExist:
        raise Http404 from None


# --- Research outputs (publications, patents) ---------------------------------------------


def outputs_for(*, user: User, researcher: User | None = None) -> QuerySet[ResearchOutput]:
    """Research outputs ``user`` may read, newest first, with their contributors and their
    registry organisations prefetched (two more queries): a researcher their own, staff those of
    researchers in their scope (``disclosures.disclosure.view_any``). ``researcher`` narrows to
    one person's outputs (the research-security due diligence, the case page)."""
    qs = ResearchOutput.objects.select_related("owner")
    visible = None
    if has_perm(user, "disclosures.disclosure.view_any"):
        visible = scope_queryset(user, "disclosures.disclosure.view_any", qs,
                                 department_field="owner__department")
    if has_perm(user, "disclosures.disclosure.file"):
        own = qs.filter(owner=user)
        visible = own if visible is None else visible | own
    if visible is None:
        return qs.none()
    if researcher is not None:
        visible = visible.filter(owner=researcher)
    return visible.prefetch_related(Prefetch(
        "contributors", queryset=OutputContributor.objects.select_related("organisation")))


def output_get_for(*, user: User, public_id) -> ResearchOutput:
    """One output ``user`` may read; 404 otherwise (also for a malformed id)."""
    try:
        return outputs_for(user=user).get(public_id=public_id)
    except (ResearchOutput.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


# --- Organisations --------------------------------------------------------------------------


def organisation_match(*, name_ja: str = "", name_en: str = "") -> Organisation | None:
    """The registry entry with exactly this name (in either language) or alias."""
    for name in (name_ja, name_en):
        name = (name or "").strip()
        if not name:
            continue
        org = Organisation.objects.filter(Q(name_ja=name) | Q(name_en=name)).first()
        if org is not None:
            return org
        key = normalize_name(name)
        if key:
            alias = (OrganisationAlias.objects.filter(normalized=key)
                     .select_related("organisation").first())
            if alias is not None:
                return alias.organisation
    return None


def organisation_canonical(organisation: Organisation | None) -> Organisation | None:
    """Follow ``successor`` links to the organisation that continues this one today."""
    seen = set()
    while organisation is not None and organisation.successor_id and \
            organisation.pk not in seen:
        seen.add(organisation.pk)
        organisation = organisation.successor
    return organisation


def organisation_resolve(name: str) -> Organisation | None:
    """A name, former name or alias → the one entity it refers to today."""
    return organisation_canonical(organisation_match(name_ja=name, name_en=name))


# --- Campaigns --------------------------------------------------------------------------------


def campaign_progress(*, user: User, campaign: UpdateCampaign) -> dict:
    """Per department: confirmed (no change), updated, not started — in ``user``'s scope."""
    if not has_perm(user, "disclosures.campaign.view"):
        return {"rows": [], "totals": {}}
    researchers = User.objects.filter(is_active=True, role_assignments__role="researcher")
    confirmed_q = DisclosureVersion.objects.filter(
        disclosure__owner=OuterRef("pk"), campaign=campaign,
        kind=DisclosureVersion.Kind.NO_CHANGE).exclude(status=DisclosureVersion.Status.DRAFT)
    updated_q = DisclosureVersion.objects.filter(
        disclosure__owner=OuterRef("pk"), campaign=campaign).exclude(
        kind=DisclosureVersion.Kind.NO_CHANGE).exclude(status=DisclosureVersion.Status.DRAFT)
    rows_qs = (researchers.annotate(confirmed=Exists(confirmed_q), updated=Exists(updated_q))
               .values("department_id", "confirmed", "updated"))
    counts: dict = {}
    for row in rows_qs:
        bucket = counts.setdefault(row["department_id"],
                                   {"confirmed": 0, "updated": 0, "not_started": 0})
        if row["updated"]:
            bucket["updated"] += 1
        elif row["confirmed"]:
            bucket["confirmed"] += 1
        else:
            bucket["not_started"] += 1
    departments = {d.pk: d for d in Department.objects.filter(pk__in=[k for k in counts if k])}
    rows = []
    totals = {"confirmed": 0, "updated": 0, "not_started": 0, "total": 0}
    for dept_id, bucket in counts.items():
        total = sum(bucket.values())
        done = bucket["confirmed"] + bucket["updated"]
        rows.append({"department": departments.get(dept_id), **bucket, "total": total,
                     "percent": round(100 * done / total) if total else 0})
        for key in ("confirmed", "updated", "not_started"):
            totals[key] += bucket[key]
        totals["total"] += total
    rows.sort(key=lambda r: (r["department"].code if r["department"] else "~"))
    done = totals["confirmed"] + totals["updated"]
    totals["percent"] = round(100 * done / totals["total"]) if totals["total"] else 0
    return {"rows": rows, "totals": totals}


def pledges_for(*, disclosure: Disclosure) -> QuerySet[GrantPledge]:
    return disclosure.pledges.select_related("funder")


def accepted_content(disclosure: Disclosure) -> dict:
    version = disclosure.last_accepted_version
    return version.content if version is not None else {}


def campaign_pending_for(*, user: User, campaign: UpdateCampaign, department=None):
    """Researchers who have not confirmed or updated their disclosure for ``campaign`` (in
    ``department``'s subtree when given), by department and name; empty without the right."""
    from portal.permissions import department_subtree_ids, users_with_perm

    if not has_perm(user, "disclosures.campaign.view"):
        return User.objects.none()
    done = DisclosureVersion.objects.filter(   # as the campaign's reminders count it
        campaign=campaign, status__in=[DisclosureVersion.Status.SUBMITTED,
                                       DisclosureVersion.Status.UNDER_REVIEW,
                                       DisclosureVersion.Status.ACCEPTED],
    ).values("disclosure__owner_id")
    qs = (users_with_perm("disclosures.disclosure.file").exclude(pk__in=done)
          .select_related("department"))
    if department is not None:
        qs = qs.filter(department_id__in=department_subtree_ids([department.pk]))
    return qs.order_by("department__code", "family_name", "given_name", "pk")
