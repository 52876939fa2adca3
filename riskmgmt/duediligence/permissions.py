"""Permission codes of research-security due diligence (roles in portal.permissions).

A member reaches only their own declaration: ``duediligence.declaration.fill_own`` is an
``own`` permission (a declaration's owner is its member's portal user). An external member
(no portal account) reaches their declaration through its tokenised link only; the token
stands for the member exactly as the login stands for a user.
"""
from django.utils.translation import gettext_lazy as _

from portal.permissions import ADMIN, OFFICE, RESEARCHER, declare

declare("duediligence.section.view", _("Open research-security due diligence"), OFFICE)
declare("duediligence.programme.manage", _("Keep the register of designated programmes"), ADMIN)
declare("duediligence.project.view", _("See projects under due diligence and their checks"),
        OFFICE)
declare("duediligence.project.manage",
        _("Register projects and teams, run checks, record measures and sign off"), OFFICE)
declare("duediligence.project.export", _("Generate the programme's forms and the summary"),
        OFFICE)
declare("duediligence.declaration.fill_own", _("Fill and sign one's own self-declaration"),
        RESEARCHER, own=True)
