"""The one check of uploaded files, and the one way a user's upload is served back.

Every upload field of the project (disclosure attachments, awareness-activity materials,
regulation documents) goes through :func:`check_upload`:

* the **size** is limited (``PORTAL_MAX_UPLOAD_BYTES``);
* the **type is decided from the content by a real parser**, never from the name or the
  browser's content type: a PDF must open with pypdf and have pages, an image must be decoded
  and verified by Pillow (and not be a decompression bomb), an xlsx/docx must be an OOXML zip
  whose ``[Content_Types].xml`` declares the workbook/document part (macro-enabled parts are
  not accepted), a CSV must be text;
* **executables, HTML, SVG, XML and scripts are refused** whatever they are called, and so are
  polyglots: a file that starts like a Windows/ELF/Mach-O executable or a script is refused even
  if it also parses as something else. Decision: a PDF must *begin* with ``%PDF-`` (as ISO
  32000-2 requires). Readers' leniency of junk within the first KiB is what lets an executable
  carry ``%PDF-`` and pass as a PDF, so it is not granted here;
* the **stored name is sanitised** (path, control and reserved characters removed, every
  trailing extension dropped) and given the extension of the detected type:
  ``invoice.pdf.exe`` holding a PNG is stored as ``invoice.png``.

User uploads are never served inline: :func:`serve_upload` answers every download with
``Content-Disposition: attachment`` and ``X-Content-Type-Options: nosniff``.

The import flows (roster, screening lists, attendance, follow-up answers) read their files
through the import pipeline; :func:`sniff` is the cheap first-bytes hint they use.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.errors import ValidationFailed

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv"

EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", GIF: ".gif", WEBP: ".webp",
              XLSX: ".xlsx", DOCX: ".docx", CSV: ".csv"}
IMAGES = {PNG, JPEG, GIF, WEBP}
_PIL_FORMATS = {"PNG": PNG, "JPEG": JPEG, "GIF": GIF, "WEBP": WEBP}
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
}
MAX_IMAGE_PIXELS = 50_000_000  # a larger picture is refused as a decompression bomb
_MAX_CONTENT_TYPES_BYTES = 1024 * 1024

# First bytes of what is never accepted, whatever else the file also parses as.
_EXECUTABLE_STARTS = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O fat binary / Java class
    b"#!",  # scripts
    b"\xd0\xcf\x11\xe0",  # OLE2 (legacy Office, MSI): macros, not checked
)
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|meta|\?xml|xml)\b"
    rb"|javascript:", re.IGNORECASE)


def read_head(upload, n: int = 1024) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def sniff(head: bytes) -> str | None:
    """A cheap hint of the type told by the first bytes, or None (not a decision: see
    :func:`detect`). A PDF must begin with ``%PDF-``."""
    if head.startswith(b"%PDF-"):
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
        return XLSX  # a zip container; the parser decides whether it really is a workbook
    return None


def is_executable(head: bytes) -> bool:
    """A program or a script by its first bytes (refused even if it also parses as a PDF)."""
    return head.startswith(_EXECUTABLE_STARTS)


def is_markup(head: bytes) -> bool:
    """Text that a browser would run or render: HTML, SVG, XML, a ``javascript:`` URL."""
    return bool(_MARKUP.search(head.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]))


def _is_pdf(upload) -> bool:
    from pypdf import PdfReader

    try:
        upload.seek(0)
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return False
        return len(reader.pages) > 0
    except Exception:  # pypdf raises many kinds on a broken file
        return False
    finally:
        upload.seek(0)


def _image_type(upload) -> str | None:
    from PIL import Image

    try:
        upload.seek(0)
        with Image.open(upload) as img:
            mimetype = _PIL_FORMATS.get(img.format or "")
            width, height = img.size
            if mimetype is None or width * height > MAX_IMAGE_PIXELS:
                return None
            img.verify()
        return mimetype
    except Exception:  # Pillow raises many kinds (and DecompressionBombError) on bad images
        return None
    finally:
        upload.seek(0)


def _ooxml_type(upload) -> str | None:
    from defusedxml import ElementTree

    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES_BYTES:
                return None
            root = ElementTree.fromstring(archive.read(info))
            names = set(archive.namelist())
    except Exception:  # not a zip, no content types, bad XML
        return None
    finally:
        upload.seek(0)
    found = None
    for element in root:
        content_type = element.get("ContentType", "")
        if "macroEnabled" in content_type or "vbaProject" in content_type:
            return None
        if element.tag.endswith("Override") and content_type in _OOXML_MAIN:
            part = (element.get("PartName") or "").lstrip("/")
            if part in names:
                found = _OOXML_MAIN[content_type]
    return found


def _is_text(upload) -> bool:
    """Text in an encoding the portal reads, decided as every import decides it
    (:func:`portal.tabular.detect_encoding`: UTF-8, UTF-8 with BOM, Shift_JIS/CP932 or EUC-JP,
    refused when undecodable or when Shift_JIS and EUC-JP would read differently). The whole
    file is read (it is within the upload limit): a head could cut a character, and the
    EUC-JP/Shift_JIS decision is the file's, not its first bytes'."""
    from portal import tabular

    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data or b"\x00" in data:
        return False
    try:
        encoding = tabular.detect_encoding(data)
    except tabular.TabularError:
        return False
    return encoding != "utf-16"  # a NUL-free file never is; kept out explicitly


def detect(upload, allowed: Iterable[str] | None = None) -> str | None:
    """The MIME type of ``upload`` decided by parsing it, among ``allowed`` (all when None);
    None when hostile (executable, markup, script) or none of the allowed types parses."""
    allowed = set(EXTENSIONS) if allowed is None else set(allowed)
    head = read_head(upload, 8192)
    if is_executable(head):
        return None
    hint = sniff(head)
    if hint == PDF:
        return PDF if PDF in allowed and _is_pdf(upload) else None
    if hint in IMAGES:
        mimetype = _image_type(upload)
        return mimetype if mimetype in allowed else None
    if hint == XLSX:  # any zip
        mimetype = _ooxml_type(upload) if allowed & {XLSX, DOCX} else None
        return mimetype if mimetype in allowed else None
    if CSV in allowed and not is_markup(head) and _is_text(upload):
        return CSV
    return None


_RESERVED = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def safe_name(original: str | None, mimetype: str, *, default: str = "file",
              max_length: int = 100) -> str:
    """A file name safe to store and to offer for download: the base name without path,
    control or reserved characters, every trailing extension dropped, then the extension of
    the detected type (``invoice.pdf.exe`` → ``invoice.pdf`` only when it is a PDF)."""
    name = unicodedata.normalize("NFKC", original or "")
    name = os.path.basename(name.replace("\\", "/"))
    name = _RESERVED.sub("_", name)
    while _EXTENSION.search(name):
        name = _EXTENSION.sub("", name)
    name = name.strip(" ._") or default
    extension = EXTENSIONS.get(mimetype, "")
    return name[: max_length - len(extension)] + extension


@dataclass(frozen=True)
class CheckedUpload:
    """What :func:`check_upload` decided: the type, and the name to store and offer."""

    mimetype: str
    name: str
    size: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.mimetype]


def check_size(upload, *, limit: int | None = None, field: str = "file") -> None:
    limit = settings.PORTAL_MAX_UPLOAD_BYTES if limit is None else limit
    if upload.size is None or upload.size > limit:
        raise ValidationFailed(
            _("The file is too large (at most %(limit)s).") % {"limit": filesizeformat(limit)},
            field=field,
        )


def check_upload(upload, *, allowed: Iterable[str], message: str, field: str = "file",
                 limit: int | None = None, default_name: str = "file") -> CheckedUpload:
    """Size and type check of a user's upload; raises ValidationFailed(message) when the
    content is not one of ``allowed`` (MIME types of this module)."""
    if not upload:
        raise ValidationFailed(_("Choose a file."), field=field)
    check_size(upload, limit=limit, field=field)
    mimetype = detect(upload, allowed)
    if mimetype is None:
        raise ValidationFailed(message, field=field)
    return CheckedUpload(mimetype=mimetype, size=upload.size,
                         name=safe_name(getattr(upload, "name", ""), mimetype,
                                        default=default_name))


def serve_upload(file_field, *, filename: str, mimetype: str) -> FileResponse:
    """A user's upload as a download: always an attachment, never sniffed by the browser."""
    try:
        handle = file_field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename,
                            content_type=mimetype or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["CSV", "DOCX", "GIF", "JPEG", "PDF", "PNG", "WEBP", "XLSX", "CheckedUpload",
           "check_size", "check_upload", "detect", "is_executable", "is_markup", "read_head",
           "safe_name", "serve_upload", "sniff"]
