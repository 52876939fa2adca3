"""Checks of uploaded files shared by every app: type sniffed from the content, size limited.

The file name and the browser's content type are never trusted; what counts is the first bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.errors import ValidationFailed

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sniff(head: bytes) -> str | None:
    """The MIME type told by the first bytes of a file, or None when unknown.

    A PDF may have a little junk before ``%PDF-`` (the format allows it within 1 KiB).
    """
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return XLSX  # a zip container; openpyxl decides whether it really is a workbook
    return None


def read_head(upload, n: int = 1024) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def check_size(upload, *, limit: int | None = None, field: str = "file") -> None:
    limit = settings.PORTAL_MAX_UPLOAD_BYTES if limit is None else limit
    if upload.size is None or upload.size > limit:
        raise ValidationFailed(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            field=field,
        )


def check_upload(upload, *, allowed: set[str] | dict, message: str, field: str = "file") -> str:
    """Size and type check; returns the sniffed MIME type or raises ValidationFailed(message)."""
    check_size(upload, field=field)
    mimetype = sniff(read_head(upload))
    if mimetype not in allowed:
        raise ValidationFailed(message, field=field)
    return mimetype
