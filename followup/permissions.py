from django.utils.translation import gettext_lazy as _

from portal.permissions import OFFICE, declare

declare("followup.section.view", _("Open the section"), OFFICE)
