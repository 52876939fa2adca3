"""What due diligence tells people: its notification kinds, event notices and reminders.

Found by the notifications engine's autodiscovery; recipients come from the permission
declarations (``users_with_perm``). A member with a portal account is told when they are added
to a team and reminded (from 7 days before the due date, then weekly once overdue) until they
sign; staff who handle projects are told when a member signs. External members have no portal
account, so the engine cannot reach them: the office sends them their link (the project page
shows it) and the staff see them in the unsigned count. Mitigation measures of a project are
riskmgmt measures, so riskmgmt's ``mitigation_measures`` schedule reminds their owners.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.notifications import kinds, schedules, services, sources
from portal.notifications.services import Draft, Target
from portal.permissions import users_with_perm

OWN = "duediligence.declaration.fill_own"
STAFF = "duediligence.project.manage"


def _declaration_signed(notes):
    from riskmgmt.duediligence.models import Declaration

    return notes.filter(Exists(Declaration.objects.filter(
        pk=sources.target_pk(), signed_version__isnull=False)))


DECLARATION_REQUESTED = kinds.register(
    "dd_declaration_requested", _("Self-declaration for a designated programme"),
    mandatory=True,
    title=_("Please check and sign your self-declaration: %(project)s"),
    body=_("You are a member of the team of \"%(project)s\" (%(programme)s). Your "
           "self-declaration was prefilled from your records; please check, correct and sign "
           "it%(due)s."),
    resolved=_declaration_signed,
)
DECLARATION_OVERDUE = kinds.register(
    "dd_declaration_due", _("Self-declaration not yet signed"), mandatory=True,
    title=_("Your self-declaration for \"%(project)s\" is due on %(due_date)s"),
    body=_("Your self-declaration for the project \"%(project)s\" has not been signed yet. It "
           "is due on %(due_date)s."),
    prepare=kinds.dates("due_date"), resolved=_declaration_signed,
)
DECLARATION_SIGNED = kinds.register(
    "dd_declaration_signed", _("Self-declaration signed"), mandatory=False,
    title=_("%(member)s signed their self-declaration (%(project)s)"),
    body=_("%(member)s signed version %(version)s of their self-declaration for the project "
           "\"%(project)s\"."),
)


def declaration_requested(member) -> int:
    if member.user_id is None:
        return 0
    project = member.project
    due = project.declarations_due
    return services.notice_send(
        kind=DECLARATION_REQUESTED.code,
        recipients=users_with_perm(OWN, member.declaration),
        params={"project": project.title, "programme": project.programme.name_ja,
                "due": f" ({due.isoformat()})" if due else ""},
        url=reverse("duediligence:declaration", args=[member.declaration.public_id]),
        target=member.declaration)


def declaration_signed(declaration) -> int:
    project = declaration.member.project
    services.notifications_resolve(kinds=[DECLARATION_REQUESTED.code, DECLARATION_OVERDUE.code],
                                   target=declaration)
    return services.notice_send(
        kind=DECLARATION_SIGNED.code, recipients=users_with_perm(STAFF),
        params={"member": declaration.member.display_name, "project": project.title,
                "version": declaration.signed_version.number},
        url=project.get_absolute_url(), target=declaration,
        period=str(declaration.signed_version.number),
        exclude=[declaration.member.user_id])


def plan_declarations(*, now, days_before=(7,), repeat_every_days=7, **_options) -> Iterator[Draft]:
    """Unsigned declarations of members with a portal account whose project's declarations are
    due within the largest of ``days_before`` days (once) or overdue (weekly).
    ``days_before`` is a list, like every reminder schedule's (the engine shows and edits it)."""
    from riskmgmt.duediligence.models import Declaration, Project

    today = sources.today(now)
    every = max(int(repeat_every_days), 1)
    ct = ContentType.objects.get_for_model(Declaration)
    holders = users_with_perm(OWN)
    rows = Declaration.objects.filter(
        signed_version__isnull=True, member__user__in=holders,
        member__project__status=Project.Status.PREPARING,
        member__project__declarations_due__lte=today + dt.timedelta(days=max((int(n) for n in days_before), default=0)),
    ).values_list("pk", "public_id", "member__user_id", "member__user__language",
                  "member__project__title", "member__project__declarations_due")
    for pk, public_id, user_id, language, title, due in rows.iterator(chunk_size=2000):
        link = sources.url("duediligence:declaration", public_id)
        params = {"project": title, "due_date": due.isoformat()}
        period = (f"due-{due.isoformat()}" if due >= today
                  else f"{due.isoformat()}:w{((today - due).days - 1) // every}")
        yield Draft(user_id, DECLARATION_OVERDUE.code, params, link,
                    Target(ct.pk, str(pk), title[:300]), period, language)


# 40 8 * * *  — daily 08:40: self-declarations not yet signed.
schedules.register(
    "dd_declarations", _("Self-declarations not yet signed"),
    _("Reminds team members of designated-programme projects to sign their self-declaration "
      "before it is due, and weekly once it is overdue."),
    {"minute": "40", "hour": "8"}, *schedules.planned(plan_declarations),
    options={"days_before": [7], "repeat_every_days": 7},
)


@sources.waiting_item
def _waiting(user, today):
    from django.utils.translation import gettext

    from portal.permissions import has_perm
    from riskmgmt.duediligence.models import Declaration, Project

    if not has_perm(user, STAFF):
        return []
    count = Declaration.objects.filter(
        signed_version__isnull=True, member__project__status=Project.Status.PREPARING).count()
    return [(gettext("Self-declarations not yet signed"), count,
             sources.url("duediligence:index"))]
