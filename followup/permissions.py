from django.utils.translation import gettext_lazy as _

from portal.permissions import ADMIN, OFFICE, declare

declare("followup.section.view", _("Open the follow-up survey section"), OFFICE)
declare("followup.results.view", _("See the follow-up survey results"), OFFICE)
declare("followup.answer.edit", _("Edit the home institution's draft answers"), OFFICE)
declare("followup.answer.approve", _("Approve and lock the home institution's answers"), ADMIN)
declare("followup.answer.amend", _("Amend locked answers (new version)"), ADMIN)
declare("followup.cycle.manage", _("Open and close survey cycles"), ADMIN)
declare("followup.import", _("Import other institutions' answers"), ADMIN)
declare("followup.export", _("Export the follow-up survey results"), OFFICE)
declare("followup.regulation.view", _("See and download regulation documents"), OFFICE)
declare("followup.regulation.manage", _("Upload regulation documents"), OFFICE)
declare("followup.institution.load", _("Load the institution registry from MEXT's list"), ADMIN)
