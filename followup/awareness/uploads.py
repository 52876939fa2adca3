"""Checks of uploaded files: the type is sniffed from the content, the size is limited."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import filesizeformat
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from portal.errors import ValidationFailed

MATERIAL_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sniff(head: bytes) -> str | None:
    """The MIME type told by the first bytes of a file, or None when unknown."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return XLSX  # a zip container; openpyxl decides whether it really is a workbook
    return None


def check_size(upload) -> None:
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            field="file",
        )


def read_head(upload, n: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def check_material(upload) -> str:
    """Return the sniffed type of a material (PDF or image) or raise ValidationFailed."""
    check_size(upload)
    mimetype = sniff(read_head(upload))
    if mimetype not in MATERIAL_TYPES:
        raise ValidationFailed(
            _("Only PDF files and images (PNG, JPEG, GIF, WebP) can be attached."), field="file"
        )
    return mimetype


class _PrivateStorage(LazyObject):
    """``storages["private"]``, looked up again whenever the STORAGES setting changes.

    A FileField evaluates its storage callable once, at import; tests override STORAGES per
    test, so the field holds this proxy rather than the storage object of that moment.
    """

    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorage()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


def material_storage():
    """Callable for ``ActivityMaterial.file``: the private storage (never served directly)."""
    return _private
