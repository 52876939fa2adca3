from django.utils.translation import gettext_lazy as _

from portal.audit import register_renderer

register_renderer("followup.cycle.opened", _("Opened the survey cycle %(label)s"))
register_renderer("followup.cycle.status_changed", _("Changed the status of the survey cycle"))
register_renderer("followup.question_set.copied",
                  _("Copied the question set %(from)s for fiscal year %(fiscal_year)s"))
register_renderer("followup.response.started", _("Started the answers to %(cycle)s"))
register_renderer("followup.response.saved", _("Saved the answers (%(questions)s)"))
register_renderer("followup.response.approved", _("Approved version %(version)s of the answers"))
register_renderer("followup.response.reopened", _("Sent the approved answers back to draft"))
register_renderer("followup.response.locked", _("Locked version %(version)s of the answers"))
register_renderer("followup.response.amended",
                  _("Started version %(version)s to amend the locked answers: %(reason)s"))
register_renderer("followup.response.imported", _("Imported the answers"))
register_renderer("followup.response.import_updated", _("Updated the answers from an import"))
register_renderer("followup.import.completed",
                  _("Imported %(rows)s rows from %(filename)s (new %(new)s, updated %(updated)s)"))
register_renderer("followup.regulation.uploaded", _("Uploaded the regulation %(title)s"))
register_renderer("followup.regulation.downloaded", _("Downloaded the regulation document"))
register_renderer("followup.institutions.loaded",
                  _("Loaded the institution registry from MEXT's list (created %(created)s, "
                    "updated %(updated)s)"))
