from django.utils.translation import gettext_lazy as _

from portal.permissions import EVERYONE, declare

declare("awareness.section.view", _("Open the section"), EVERYONE)
