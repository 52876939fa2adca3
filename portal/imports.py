"""The one import pipeline: upload → stored privately → checked in the background → confirm →
applied all-or-nothing. Every upload-then-confirm import of the portal goes through it.

An app declares its import once with :func:`register` (an :class:`ImportKind`: the permission,
a ``check`` and an ``apply`` function, the template of its report, where to go when done); the
core stores the files, runs the steps, keeps the state and progress, and shows the page:

1. :func:`import_start` checks the permission and the size, stores the files in the private
   storage under ``imports/<public_id>/`` with their SHA-256, creates an :class:`ImportUpload`
   (state in the database, not in a file or the session) and dispatches the *check*.
2. The check runs ``kind.check(ctx)`` inside a transaction that is always rolled back (a dry run
   may write, e.g. the roster's people referencing departments of the same upload), and stores
   its report. ``ok`` in the report decides between *checked* and *invalid*.
3. :func:`import_confirm` (the owner only, before expiry, only a checked upload) dispatches the
   *apply*: the stored files are read again, their digests compared with the upload's, and
   ``kind.apply(ctx)`` runs in one transaction; a report that is not ``ok`` rolls it all back.

A problem of the file (:class:`~portal.errors.ApplicationError`, e.g. a
:class:`~portal.tabular.TabularError` with its line) makes the upload *invalid* with the message.
A database error is never shown (no SQL): the upload is *interrupted* with "try again", and
:func:`import_retry` runs the same step again. Anything else is logged and reported the same way.

Where a step runs is decided in one place, :func:`dispatch`: a small upload (at most
``INLINE_MAX_BYTES``) runs in the request, anything larger is a job of the outbox
(:mod:`portal.outbox`, kind ``portal.import_step``) recorded with the state change. Progress of a running
step is kept in the cache (the step's own writes are inside its transaction, invisible to the
page that polls); with Redis every worker and web process sees the same figure.

**Expiry and purge** (one policy for every import): an upload expires ``MAX_AGE`` after it was
made; its files are deleted as soon as it is applied, refused, discarded or expired, and the
record itself (with its report) ``KEEP_RECORD`` after expiry. :func:`imports_purge_expired` is
one of the core's purgers (:mod:`portal.purge`, the ``purge_files`` schedule).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_log, register_renderer, task_actor
from portal.errors import ApplicationError, NotAllowed
from portal.models import ImportUpload, User
from portal.permissions import has_perm
from portal.storage import private_storage

logger = logging.getLogger(__name__)

Status = ImportUpload.Status
MAX_AGE = dt.timedelta(hours=1)
KEEP_RECORD = dt.timedelta(days=7)
#: Uploads up to this size are checked and applied in the request itself.
INLINE_MAX_BYTES = 64 * 1024
CHECK, APPLY = "check", "apply"
JOB_KIND = "portal.import_step"  # declared in portal/jobs.py

register_renderer("portal.import.applied",
                  gettext_lazy("Imported %(label)s from %(files)s"))

TRY_AGAIN = gettext_lazy("The import could not be completed because of a problem on the server, "
                         "not in your file. Please try again in a moment.")


class ImportRefused(ApplicationError):
    """Raised by an apply step to roll everything back with a report (``extra["report"]``)."""


@dataclass(frozen=True)
class ImportKind:
    """What an app declares about one of its imports.

    ``check(ctx) -> dict`` and ``apply(ctx) -> dict`` return a JSON-serialisable report with
    at least ``ok``; ``load_report(dict)`` turns it into what ``report_template`` renders.
    ``allowed(user, params)`` narrows the permission to an object (e.g. one activity).
    """

    code: str
    label: object
    permission: str
    check: Callable
    apply: Callable
    report_template: str
    done_url: Callable  # (upload) -> str
    back_url: Callable  # (upload) -> str
    load_report: Callable = staticmethod(lambda data: data)
    allowed: Callable = staticmethod(lambda user, params: True)
    done_message: Callable | None = None  # (upload) -> str
    reauthenticate: bool = False
    testid: str = "import"


KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> ImportKind:
    return KINDS[code]


@dataclass
class ImportContext:
    upload: ImportUpload
    user: User
    files: dict[str, bytes]
    names: dict[str, str]
    params: dict
    progress: Callable[[float], None] = field(default=lambda fraction: None)


# --- Starting, confirming, discarding --------------------------------------------------------


def _may(user, kind: ImportKind, params: dict) -> bool:
    return has_perm(user, kind.permission) and bool(kind.allowed(user, params))


def import_start(*, user: User, kind: str, files: dict, params: dict | None = None,
                 dispatch_now: bool = True) -> ImportUpload:
    """Store the uploaded files (``{role: UploadedFile}``) and dispatch their check."""
    spec = get_kind(kind)
    params = dict(params or {})
    if not _may(user, spec, params):
        raise NotAllowed(_("You are not allowed to run this import."))
    chosen = {role: f for role, f in files.items() if f}
    if not chosen:
        raise ApplicationError(_("Choose a file to import."), field="file")
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    for role, upload in chosen.items():
        if upload.size is None or upload.size > limit:
            raise ApplicationError(
                _("“%(name)s” is larger than %(max)s.")
                % {"name": upload.name, "max": filesizeformat(limit)}, field=role)
    record = ImportUpload(owner=user, kind=kind, params=params, status=Status.CHECKING,
                          step=CHECK, expires_at=timezone.now() + MAX_AGE)
    storage = private_storage()
    stored = []
    for role, upload in chosen.items():
        upload.seek(0)
        data = upload.read()
        path = storage.save(f"imports/{record.public_id}/{role}", ContentFile(data))
        stored.append({"role": role, "name": (upload.name or role)[:200], "path": path,
                       "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    record.files = stored
    with transaction.atomic():
        record.save()
        after = dispatch(record, CHECK) if dispatch_now else (lambda: None)
    after()
    return record


def import_confirm(*, user: User, upload: ImportUpload) -> ImportUpload:
    """Apply a checked upload (its owner, before it expires)."""
    spec = get_kind(upload.kind)
    if upload.owner_id != user.pk or not _may(user, spec, upload.params):
        raise NotAllowed(_("You are not allowed to run this import."))
    with transaction.atomic():
        locked = ImportUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != Status.CHECKED or locked.is_expired:
            raise ApplicationError(
                _("This import has expired or was already done. Upload the file again."))
        locked.status, locked.step, locked.message = Status.APPLYING, APPLY, ""
        locked.save(update_fields=["status", "step", "message", "updated_at"])
        after = dispatch(locked, APPLY)
    after()
    return locked


def import_retry(*, user: User, upload: ImportUpload) -> ImportUpload:
    """Run an interrupted step (a server problem, not the file's) again."""
    spec = get_kind(upload.kind)
    if upload.owner_id != user.pk or not _may(user, spec, upload.params):
        raise NotAllowed(_("You are not allowed to run this import."))
    with transaction.atomic():
        locked = ImportUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != Status.FAILED or locked.is_expired or not locked.files:
            raise ApplicationError(
                _("This import has expired or was already done. Upload the file again."))
        locked.status = Status.CHECKING if locked.step == CHECK else Status.APPLYING
        locked.message = ""
        locked.save(update_fields=["status", "message", "updated_at"])
        after = dispatch(locked, locked.step)
    after()
    return locked


def import_discard(*, user: User, upload: ImportUpload) -> None:
    if upload.owner_id != user.pk:
        raise NotAllowed(_("You are not allowed to run this import."))
    if upload.status in {Status.APPLYING, Status.APPLIED}:
        return
    _delete_files(upload)
    ImportUpload.objects.filter(pk=upload.pk).update(status=Status.DISCARDED, files=[],
                                                     updated_at=timezone.now())


# --- Running a step --------------------------------------------------------------------------


def dispatch(upload: ImportUpload, step: str) -> Callable[[], None]:
    """Where a step runs — the one place that decides. Call it inside the transaction that set
    the upload's state; run what it returns after that transaction.

    A small upload runs in the request (the returned callable); a larger one is a job of the
    outbox (``portal.outbox``), recorded in the same transaction and run by a worker after the
    commit (retried and swept like every job).
    """
    upload_id = upload.pk
    if sum(f["size"] for f in upload.files) <= INLINE_MAX_BYTES:
        return lambda: import_step_run(upload_id=upload_id, step=step)
    from portal import outbox

    outbox.enqueue(JOB_KIND, key=f"import:{upload_id}:{step}", actor=upload.owner,
                   upload_id=upload_id, step=step)
    return lambda: None


def progress_of(upload: ImportUpload) -> int:
    if not upload.is_running:
        return 100 if upload.status in {Status.CHECKED, Status.APPLIED} else 0
    return int(cache.get(_progress_key(upload.pk)) or 0)


def _progress_key(upload_id: int) -> str:
    return f"portal:import-progress:{upload_id}"


class _Rollback(Exception):
    pass


def _load_files(upload: ImportUpload) -> tuple[dict[str, bytes], dict[str, str]]:
    storage = private_storage()
    files, names = {}, {}
    for f in upload.files:
        try:
            with storage.open(f["path"], "rb") as fh:
                data = fh.read()
        except OSError:
            raise ApplicationError(
                _("The uploaded file is no longer available. Upload it again.")) from None
        if hashlib.sha256(data).hexdigest() != f["sha256"]:
            raise ApplicationError(
                _("The stored file has changed since it was uploaded. Upload it again."))
        files[f["role"]], names[f["role"]] = data, f["name"]
    return files, names


def import_step_run(*, upload_id: int, step: str) -> None:
    """Body of the task (or of the inline run): one step of one upload."""
    upload = ImportUpload.objects.select_related("owner").filter(pk=upload_id).first()
    expected = Status.CHECKING if step == CHECK else Status.APPLYING
    if upload is None or upload.status != expected:
        return  # already run (a retried task), discarded or purged
    spec = get_kind(upload.kind)
    user = upload.owner
    key = _progress_key(upload.pk)

    def progress(fraction: float) -> None:
        cache.set(key, max(1, min(99, int(fraction * 100))), 3600)

    status, report, message = Status.FAILED, {}, ""
    with task_actor(user):
        try:
            if not user.is_active or not _may(user, spec, upload.params):
                raise NotAllowed(_("You are not allowed to run this import."))
            if upload.is_expired:
                raise ApplicationError(
                    _("This import has expired or was already done. Upload the file again."))
            files, names = _load_files(upload)
            ctx = ImportContext(upload=upload, user=user, files=files, names=names,
                                params=upload.params, progress=progress)
            progress(0.01)
            if step == CHECK:
                with transaction.atomic():
                    report = spec.check(ctx)
                    transaction.set_rollback(True)
                status = Status.CHECKED if report.get("ok") else Status.INVALID
            else:
                try:
                    with transaction.atomic():
                        report = spec.apply(ctx)
                        if not report.get("ok"):
                            raise _Rollback
                        audit_log(action="portal.import.applied", actor=user,
                                  data={"kind": spec.code, "label": str(spec.label),
                                        "files": ", ".join(f["name"] for f in upload.files),
                                        "sha256": [f["sha256"] for f in upload.files]})
                except _Rollback:
                    status = Status.INVALID
                    message = _("Nothing was imported: some rows are no longer valid.")
                else:
                    status = Status.APPLIED
        except ImportRefused as exc:
            status, message = Status.INVALID, exc.message
            report = exc.extra.get("report", report)
        except ApplicationError as exc:  # the file, its rows, the permission: final
            status, message = Status.INVALID, exc.message
        except DatabaseError:
            logger.exception("Import %s (%s) %s: database error", upload.public_id, spec.code,
                             step)
            status, message = Status.FAILED, str(TRY_AGAIN)
            if not connection.in_atomic_block:  # a lost connection: record it on a new one
                connection.close_if_unusable_or_obsolete()
        except Exception:
            logger.exception("Import %s (%s) %s failed", upload.public_id, spec.code, step)
            status, message = Status.FAILED, str(TRY_AGAIN)
    cache.delete(key)
    upload.status, upload.report, upload.message = status, report, message[:500]
    upload.finished_at = timezone.now()
    if status in {Status.APPLIED, Status.INVALID}:
        _delete_files(upload)
        upload.files = []
    upload.save(update_fields=["status", "report", "message", "finished_at", "files",
                               "updated_at"])


def import_step_failed(*, upload_id: int, step: str) -> None:
    """The step's job failed for good (its attempts ran out, e.g. the outcome could not be
    stored): the upload says "try again", with its retry button, instead of "checking" for
    ever. Nothing was applied: the apply step is one transaction."""
    expected = Status.CHECKING if step == CHECK else Status.APPLYING
    now = timezone.now()
    ImportUpload.objects.filter(pk=upload_id, status=expected).update(
        status=Status.FAILED, message=str(TRY_AGAIN)[:500], finished_at=now, updated_at=now)
    cache.delete(_progress_key(upload_id))


# --- Expiry ----------------------------------------------------------------------------------


def _delete_files(upload: ImportUpload) -> None:
    storage = private_storage()
    for f in upload.files:
        try:
            if storage.exists(f["path"]):
                storage.delete(f["path"])
        except OSError:
            logger.warning("Could not delete %s", f["path"])


def imports_purge_expired(*, now=None) -> int:
    """Delete the files of expired uploads, and the records KEEP_RECORD after expiry."""
    now = now or timezone.now()
    count = 0
    for upload in ImportUpload.objects.filter(expires_at__lt=now).exclude(files=[]).iterator():
        if upload.is_running and upload.expires_at > now - MAX_AGE:
            continue  # a step may still be running: give it another hour
        _delete_files(upload)
        ImportUpload.objects.filter(pk=upload.pk).update(files=[], updated_at=now)
        count += 1
    ImportUpload.objects.filter(expires_at__lt=now - KEEP_RECORD).delete()
    return count


def uploads_for(*, user: User):
    """The uploads a person may open: their own."""
    return ImportUpload.objects.filter(owner=user)


def _purge_preview(now) -> list[str]:
    return [f"{u.kind} {u.public_id}" for u in
            ImportUpload.objects.filter(expires_at__lt=now).exclude(files=[])
            .order_by("expires_at")[:100]]


def _declare_purger() -> None:
    """Abandoned imports are one of the core's purgers (portal/purge.py: one schedule)."""
    from portal import purge

    purge.register("imports", gettext_lazy("Imports never confirmed"),
                   lambda now: imports_purge_expired(now=now), _purge_preview)


_declare_purger()
