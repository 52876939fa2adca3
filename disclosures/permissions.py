"""Permission codes of the disclosures app.

- A researcher files and reads their own disclosure (``own``).
- Department reviewers read and review disclosures of their departments' subtree;
  research-office staff and administrators read and review all.
- Administrators open update campaigns and export every disclosure.
"""

from django.utils.translation import gettext_lazy as _

from portal.models import Role
from portal.permissions import ADMIN, ALL_STAFF, EVERYONE, OFFICE, RESEARCHER, declare

declare("disclosures.section.view", _("Open the section"), EVERYONE)
declare("disclosures.disclosure.file", _("File and update one's own disclosure"), RESEARCHER,
        own=True)
declare("disclosures.disclosure.view_any", _("Read researchers' submitted disclosures"),
        ALL_STAFF)
declare("disclosures.disclosure.review", _("Review, return and accept disclosures"), ALL_STAFF)
declare("disclosures.comment.internal", _("Read and write internal review comments"), ALL_STAFF)
declare("disclosures.campaign.view", _("Follow the progress of update campaigns"), OFFICE)
declare("disclosures.campaign.remind", _("Remind researchers who have not responded"), OFFICE)
declare("disclosures.campaign.manage", _("Open and close annual update campaigns"), ADMIN)
declare("disclosures.export.all", _("Export all disclosures"), ADMIN)
# Who is told that a disclosure waits for review (their departments' subtree); office staff
# follow the queue and the weekly digest instead of a notice per submission.
declare("disclosures.review.notify", _("Be told of disclosures waiting for review"),
        frozenset({Role.DEPT_REVIEWER}))
