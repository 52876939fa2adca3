"""Exports of the disclosures app: every disclosure, item by item (administrators)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosures import services
from disclosures.models import Disclosure, DisclosureVersion
from disclosures.sections import SECTIONS, item_rows, item_title, org_label
from portal import xlsx
from portal.exports import ListExporter, register
from portal.permissions import scope_queryset


@register
class AllDisclosuresExporter(ListExporter):
    identifier = "disclosures.all"
    verbose_name = gettext_lazy("All disclosures (latest submitted version, item by item)")
    permission = "disclosures.export.all"
    sheet_title = "disclosures"
    filename_stem = "disclosures"

    def headers(self, params):
        return [_("Researcher"), _("E-mail"), _("Staff number"), _("Department"), _("Version"),
                _("Status"), _("Submitted at"), _("Accepted at"), _("Section"), _("Item"),
                _("Organisation"), _("Country/region"), _("Start date"), _("End date"),
                _("Details")]

    #: Disclosures read per round trip: the latest submitted version of each is loaded with
    #: them, so memory stays bounded by a chunk whatever the size of the university.
    chunk_size = 500

    def rows(self, params, *, user, progress):
        disclosures = scope_queryset(
            user, self.permission, Disclosure.objects.all(), department_field="department"
        ).select_related("owner", "department").order_by("department__code", "owner__email", "pk")
        total = disclosures.count() or 1
        index = 0
        for chunk in batched(disclosures.iterator(chunk_size=self.chunk_size), self.chunk_size):
            latest = _latest_submitted({d.pk for d in chunk})
            # the read log: every researcher sees that this export showed their disclosure
            services.disclosures_exported(shown=[(d, latest.get(d.pk)) for d in chunk],
                                          actor=user, via=self.identifier)
            for disclosure in chunk:
                index += 1
                if index % 200 == 0:
                    progress(min(99, int(100 * index / total)), _("%(n)s of %(total)s")
                             % {"n": index, "total": total})
                yield from self._disclosure_rows(disclosure, latest.get(disclosure.pk))

    def _disclosure_rows(self, disclosure, version):
        owner = disclosure.owner
        head = [owner.display_name, owner.email, owner.employee_number,
                str(disclosure.department or ""), ]
        if version is None:
            yield [*head, "", _("Not submitted"), "", "", "", "", "", "", "", "", ""]
            return
        status = [version.number, version.get_status_display(), version.submitted_at,
                  version.accepted_at]
        wrote = False
        for section in SECTIONS:
            for item in (version.content.get("sections") or {}).get(section.code, []):
                wrote = True
                values = item["values"]
                details = "; ".join(f"{label}: {shown}" for name, label, shown
                                    in item_rows(section, item)
                                    if name not in ("organisation", "country",
                                                    "start_date", "end_date"))
                yield [*head, *status, str(section.title), item_title(section, item),
                       org_label(values.get("organisation")), values.get("country") or "",
                       xlsx.date(values.get("start_date")), xlsx.date(values.get("end_date")),
                       details]
        if not wrote:
            yield [*head, *status, "", _("Nothing to disclose"), "", "", "", "", ""]


def _latest_submitted(disclosure_ids) -> dict[int, DisclosureVersion]:
    """Each disclosure's latest submitted (non-draft) version, content included: the numbers
    are read first (no content), then only the latest versions' rows."""
    latest_ids = {}
    for pk, disclosure_id in (DisclosureVersion.objects
                              .filter(disclosure_id__in=disclosure_ids)
                              .exclude(status=DisclosureVersion.Status.DRAFT)
                              .order_by("disclosure_id", "number")
                              .values_list("pk", "disclosure_id")):
        latest_ids[disclosure_id] = pk
    return {v.disclosure_id: v for v in DisclosureVersion.objects.filter(
        pk__in=latest_ids.values())}


def batched(iterable, n):
    """``itertools.batched`` (Python 3.12) for Python 3.11."""
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
