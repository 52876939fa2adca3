"""Exports of the disclosures app: every disclosure, item by item (administrators)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosures.models import Disclosure, DisclosureVersion
from disclosures.sections import SECTIONS, item_rows, item_title, org_label
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

    def rows(self, params, *, user, progress):
        disclosures = scope_queryset(
            user, self.permission, Disclosure.objects.all(), department_field="department"
        ).select_related("owner", "department").order_by("department__code", "owner__email")
        total = disclosures.count() or 1
        latest = {}
        for version in (DisclosureVersion.objects
                        .filter(disclosure__in=disclosures.values("pk"))
                        .exclude(status=DisclosureVersion.Status.DRAFT)
                        .order_by("disclosure_id", "number").iterator(chunk_size=500)):
            latest[version.disclosure_id] = version
        for index, disclosure in enumerate(disclosures.iterator(chunk_size=500), start=1):
            if index % 200 == 0:
                progress(min(99, int(100 * index / total)), _("%(n)s of %(total)s")
                         % {"n": index, "total": total})
            owner = disclosure.owner
            head = [owner.display_name, owner.email, owner.employee_number,
                    str(disclosure.department or ""), ]
            version = latest.get(disclosure.pk)
            if version is None:
                yield [*head, "", _("Not submitted"), "", "", "", "", "", "", "", "", ""]
                continue
            status = [version.number, version.get_status_display(),
                      version.submitted_at.isoformat() if version.submitted_at else "",
                      version.accepted_at.isoformat() if version.accepted_at else ""]
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
                           values.get("start_date") or "", values.get("end_date") or "",
                           details]
            if not wrote:
                yield [*head, *status, "", _("Nothing to disclose"), "", "", "", "", ""]
