"""Writes of the shared core. Keyword-only, atomic, validated, audited."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.audit import audit_log, snapshot, task_actor
from portal.errors import ApplicationError, NotAllowed
from portal.exports import get_exporter
from portal.models import (
    Department,
    GeneratedFile,
    Institution,
    Organisation,
    OrganisationAlias,
    RoleAssignment,
    User,
)
from portal.permissions import clear_cache

logger = logging.getLogger(__name__)


# --- Generated files -------------------------------------------------------------------------


def generated_file_request(*, user: User, exporter: str, params: dict | None = None) -> GeneratedFile:
    """Ask for an export for ``user``: the file row and its ``portal.build_file`` outbox job
    commit together; a worker builds it after the commit (later if Redis is down)."""
    from portal import outbox

    try:
        exp = get_exporter(exporter)
    except LookupError:
        raise ApplicationError(_("Unknown export."))
    if not exp.available_for(user):
        raise NotAllowed(_("You are not allowed to run this export."))
    with transaction.atomic():
        gf = GeneratedFile(
            owner=user,
            exporter=exporter,
            params=params or {},
            title=str(exp.verbose_name),
            language=translation.get_language() or settings.LANGUAGE_CODE,
            expires_at=timezone.now() + dt.timedelta(days=settings.PORTAL_GENERATED_FILE_DAYS),
        )
        gf.full_clean()
        gf.save()
        audit_log(action="portal.generated_file.requested", target=gf, actor=user,
                  data={"exporter": exporter, "params": params or {}})
        outbox.enqueue("portal.build_file", key=f"file:{gf.pk}", actor=user, file_id=gf.pk)
    return gf


def generated_file_retry(*, user: User, generated_file: GeneratedFile) -> GeneratedFile:
    """Build a failed file again (its owner's retry button): same export, same parameters."""
    from portal import outbox

    if generated_file.owner_id != user.pk:
        raise NotAllowed(_("You are not allowed to run this export."))
    if generated_file.status != GeneratedFile.Status.FAILED:
        raise ApplicationError(_("Only a file that failed can be built again."))
    try:
        exp = get_exporter(generated_file.exporter)
    except LookupError:
        raise ApplicationError(_("Unknown export."))
    if not exp.available_for(user):
        raise NotAllowed(_("You are not allowed to run this export."))
    with transaction.atomic():
        gf = GeneratedFile.objects.select_for_update().get(pk=generated_file.pk)
        if gf.status != GeneratedFile.Status.FAILED:
            return gf
        gf.status, gf.progress, gf.message, gf.finished_at = GeneratedFile.Status.PENDING, 0, "", None
        gf.expires_at = timezone.now() + dt.timedelta(days=settings.PORTAL_GENERATED_FILE_DAYS)
        gf.save(update_fields=["status", "progress", "message", "finished_at", "expires_at",
                               "updated_at"])
        audit_log(action="portal.generated_file.retried", target=gf, actor=user)
        outbox.enqueue("portal.build_file", key=f"file:{gf.pk}", actor=user, file_id=gf.pk)
    return gf


def generated_file_progress(*, file_id: int, progress: int, message: str = "") -> None:
    GeneratedFile.objects.filter(pk=file_id).update(
        progress=max(0, min(100, int(progress))), message=str(message)[:300],
        status=GeneratedFile.Status.RUNNING,
    )


def generated_file_build(*, file_id: int) -> GeneratedFile:
    """Render the export (the ``portal.build_file`` job). Re-checks the owner's permission first.

    Rendered in the language the owner was reading when they asked (``GeneratedFile.language``;
    older rows: the owner's profile language): every exporter's words and file name follow it.

    An export's own refusal (``ApplicationError``) fails the file with its message. Anything
    else (a database or disk fault, a killed worker) propagates: the outbox tries again, and
    after its last attempt marks the file failed ("try again", with a retry button)."""
    gf = GeneratedFile.objects.select_related("owner").get(pk=file_id)
    if gf.is_finished:
        return gf
    exp = get_exporter(gf.exporter)
    language = gf.language or gf.owner.language or settings.LANGUAGE_CODE
    with task_actor(gf.owner), translation.override(language):
        if not exp.available_for(gf.owner):
            gf.status = GeneratedFile.Status.FAILED
            gf.message = _("You are no longer allowed to run this export.")
            gf.finished_at = timezone.now()
            gf.save()
            audit_log(action="portal.generated_file.refused", target=gf)
            return gf
        generated_file_progress(file_id=gf.pk, progress=1, message=_("Started"))
        try:
            filename, mimetype, content = exp.render(
                gf.params,
                user=gf.owner,
                progress=lambda p, m="": generated_file_progress(file_id=gf.pk, progress=p, message=m),
            )
        except ApplicationError as exc:
            _finish_failed(gf, exc.message)
            return gf
        with transaction.atomic():
            gf.refresh_from_db()
            gf.file.save(filename, ContentFile(content), save=False)
            gf.filename = filename
            gf.mimetype = mimetype
            gf.size = len(content)
            gf.status = GeneratedFile.Status.DONE
            gf.progress = 100
            gf.message = ""
            gf.finished_at = timezone.now()
            gf.save()
            audit_log(action="portal.generated_file.built", target=gf,
                      data={"filename": filename, "size": len(content)})
            from portal import notices

            notices.export_ready(gf)
    return gf


def generated_file_fail(*, file_id: int) -> None:
    """The build job failed for good: the file says so (the page offers to try again)."""
    gf = GeneratedFile.objects.filter(pk=file_id).first()
    if gf is not None and not gf.is_finished:
        _finish_failed(gf, _("The export failed. Please try again or contact the administrator."))


def _finish_failed(gf: GeneratedFile, message: str) -> None:
    with transaction.atomic():
        gf.refresh_from_db()
        gf.status = GeneratedFile.Status.FAILED
        gf.message = str(message)[:300]
        gf.finished_at = timezone.now()
        gf.save()
        audit_log(action="portal.generated_file.failed", target=gf, data={"message": gf.message})


def generated_file_downloaded(*, user: User, generated_file: GeneratedFile) -> None:
    audit_log(action="portal.generated_file.downloaded", target=generated_file, actor=user)


def generated_files_purge_expired(*, now=None) -> int:
    """Delete exports past their download period, file and row (run by ``portal.purge``)."""
    count = 0
    for gf in GeneratedFile.objects.filter(expires_at__lt=now or timezone.now()).iterator():
        if gf.file:
            gf.file.delete(save=False)
        GeneratedFile.objects.filter(pk=gf.pk).delete()
        count += 1
    return count


# --- Institutions, departments, roles --------------------------------------------------------


@transaction.atomic
def institution_save(*, instance: Institution, actor: User | None = None) -> Institution:
    before = snapshot(Institution.objects.get(pk=instance.pk)) if instance.pk else {}
    if instance.is_home:
        Institution.objects.filter(is_home=True).exclude(pk=instance.pk).update(is_home=False)
    instance.full_clean()
    instance.save()
    audit_log(action="portal.institution.saved", target=instance, actor=actor,
              before=before, after=snapshot(instance))
    return instance


@transaction.atomic
def department_save(*, instance: Department, actor: User | None = None) -> Department:
    before = snapshot(Department.objects.get(pk=instance.pk)) if instance.pk else {}
    if instance.parent_id and instance.pk:
        node = instance.parent
        while node is not None:
            if node.pk == instance.pk:
                raise ApplicationError(_("A department cannot be placed below itself."), field="parent")
            node = node.parent
    instance.full_clean()
    instance.save()
    audit_log(action="portal.department.saved", target=instance, actor=actor,
              before=before, after=snapshot(instance))
    return instance


@transaction.atomic
def role_assign(*, user: User, role: str, department: Department | None = None,
                actor: User | None = None) -> RoleAssignment:
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, department=department
    )
    if created:
        assignment.full_clean()
        audit_log(action="portal.role.assigned", target=user, actor=actor,
                  data={"role": role, "department": str(department) if department else ""})
    clear_cache(user)
    return assignment


@transaction.atomic
def role_revoke(*, user: User, role: str, department: Department | None = None,
                actor: User | None = None) -> None:
    deleted, _unused = RoleAssignment.objects.filter(
        user=user, role=role, department=department
    ).delete()
    if deleted:
        audit_log(action="portal.role.revoked", target=user, actor=actor,
                  data={"role": role, "department": str(department) if department else ""})
    clear_cache(user)


@transaction.atomic
def role_change(*, assignment: RoleAssignment, role: str, department: Department | None = None,
                actor: User | None = None) -> RoleAssignment:
    """Change one role assignment in place (the admin's role inline), audited with what
    changed (role and department scope, before and after)."""
    before = {"role": assignment.role,
              "department": str(assignment.department) if assignment.department_id else ""}
    assignment.role = role
    assignment.department = department
    assignment.full_clean()
    assignment.save()
    after = {"role": role, "department": str(department) if department else ""}
    if before != after:
        audit_log(action="portal.role.changed", target=assignment.user, actor=actor,
                  before=before, after=after)
    clear_cache(assignment.user)
    return assignment


#: The account flags that open the Django admin and every permission. Decision: they are not
#: in any form of the admin UI; ``manage.py portal_admin_flags`` (:func:`user_flags_set`) is
#: the one way to change them, audited with the values. A superuser or staff account is also
#: held to MFA like the admin role (portal.middleware.MFARequiredMiddleware).
ACCOUNT_FLAGS = ("is_superuser", "is_staff")


@transaction.atomic
def user_flags_set(*, user: User, actor: User | None = None, reason: str = "",
                   **flags: bool) -> User:
    unknown = set(flags) - set(ACCOUNT_FLAGS)
    if unknown:
        raise ApplicationError(_("Unknown account flag: %(flags)s") % {"flags": ", ".join(unknown)})
    before = {f: getattr(user, f) for f in flags}
    for flag, value in flags.items():
        setattr(user, flag, bool(value))
    if before == flags:
        return user
    User.objects.filter(pk=user.pk).update(**{f: bool(v) for f, v in flags.items()})
    audit_log(action="portal.user.flags_changed", target=user, actor=actor,
              before=before, after={f: bool(v) for f, v in flags.items()},
              data={"reason": reason})
    clear_cache(user)
    return user


@transaction.atomic
def admin_deleted(*, instance, actor: User | None = None) -> None:
    """Audit a delete made in the Django admin (before the row goes): what it was, its values."""
    audit_log(action="portal.admin.deleted", target=instance, actor=actor,
              data={"model": instance._meta.label, "pk": str(instance.pk),
                    "object": str(instance)[:300], "values": snapshot(instance)})


@transaction.atomic
def user_save(*, instance: User, actor: User | None = None) -> User:
    fields = ["email", "family_name", "given_name", "family_name_en", "given_name_en",
              "employee_number", "researcher_number", "department_id", "job_title", "is_active",
              "language"]
    stored = User.objects.get(pk=instance.pk) if instance.pk else None
    for flag in ACCOUNT_FLAGS:
        if getattr(instance, flag) != (getattr(stored, flag) if stored else False):
            raise NotAllowed(_("The superuser and staff flags are changed with "
                               "manage.py portal_admin_flags only."))
    before = snapshot(stored, fields) if stored else {}
    instance.email = (instance.email or "").strip().lower()
    instance.full_clean(exclude=["password"])
    if not instance.pk and not instance.password:
        instance.set_unusable_password()
    instance.save()
    audit_log(action="portal.user.saved", target=instance, actor=actor,
              before=before, after=snapshot(instance, fields))
    return instance


# --- Organisation registry -------------------------------------------------------------------


@transaction.atomic
def organisation_save(*, instance: Organisation, aliases: list[str] | None = None,
                      actor: User | None = None) -> Organisation:
    before = snapshot(Organisation.objects.get(pk=instance.pk)) if instance.pk else {}
    if not (instance.name_ja or instance.name_en):
        raise ApplicationError(_("Give the organisation's name in Japanese or English."), field="name_ja")
    if instance.successor_id and instance.successor_id == instance.pk:
        raise ApplicationError(_("An organisation cannot succeed itself."), field="successor")
    if actor is not None and not instance.pk:
        instance.created_by = actor
    instance.full_clean()
    instance.save()
    added = []
    for name in aliases or []:
        name = name.strip()
        if name and not instance.aliases.filter(name=name).exists():
            OrganisationAlias.objects.create(organisation=instance, name=name)
            added.append(name)
    data = {"aliases_added": added} if added else None
    audit_log(action="portal.organisation.saved", target=instance, actor=actor,
              before=before, after=snapshot(instance), data=data)
    return instance
