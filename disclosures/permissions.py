from django.utils.translation import gettext_lazy as _

from portal.permissions import EVERYONE, declare

declare("disclosures.section.view", _("Open the section"), EVERYONE)
