"""How the disclosures app's audit entries read in histories."""

from django.utils.translation import gettext_lazy as _

from portal.audit import register_renderer

register_renderer("disclosures.disclosure.created", _("Disclosure created"))
register_renderer("disclosures.disclosure.viewed", _("Read version %(number)s"))
register_renderer("disclosures.version.draft_started", _("Started version %(number)s (draft)"))
register_renderer("disclosures.version.draft_discarded", _("Discarded draft version %(number)s"))
register_renderer("disclosures.version.submitted", _("Submitted version %(number)s"))
register_renderer("disclosures.version.review_started",
                  _("Took up version %(number)s for review"))
register_renderer("disclosures.version.returned",
                  _("Returned version %(number)s with comments: %(comment)s"))
register_renderer("disclosures.version.accepted", _("Accepted version %(number)s"))
register_renderer("disclosures.version.no_change_confirmed",
                  _("Confirmed no change (version %(number)s, %(campaign)s)"))
register_renderer("disclosures.version.items_replaced",
                  _("Replaced %(count)s items in version %(number)s"))
register_renderer("disclosures.item.added", _("Added an item (%(section)s) to version %(version)s"))
register_renderer("disclosures.item.changed",
                  _("Changed an item (%(section)s) in version %(version)s"))
register_renderer("disclosures.item.removed",
                  _("Removed an item (%(section)s) from version %(version)s"))
register_renderer("disclosures.comment.added", _("Commented on version %(number)s"))
register_renderer("disclosures.attachment.added", _("Attached %(name)s"))
register_renderer("disclosures.attachment.removed", _("Removed the attachment %(name)s"))
register_renderer("disclosures.attachment.downloaded", _("Downloaded the attachment %(name)s"))
register_renderer("disclosures.pledge.recorded", _("Recorded a grant-application pledge"))
register_renderer("disclosures.campaign.opened", _("Opened the annual update campaign"))
register_renderer("disclosures.campaign.closed", _("Closed the annual update campaign"))
register_renderer("disclosures.import.created",
                  _("Imported %(items)s entries from %(source)s"))
register_renderer("disclosures.import.item_accepted", _("Accepted an imported entry"))
register_renderer("disclosures.import.item_rejected", _("Rejected an imported entry"))
register_renderer("disclosures.campaign.reminded",
                  _("Reminded %(sent)s of %(pending)s researchers who had not responded"))
