"""Checks of uploaded files: the type is sniffed from the content, the size is limited."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.storage import private_storage
from portal.uploads import (
    GIF,
    JPEG,
    PDF,
    PNG,
    WEBP,
    XLSX,
    CheckedUpload,
    check_size,
    check_upload,
    read_head,
    sniff,
)

__all__ = ["XLSX", "check_material", "check_size", "material_storage", "read_head", "sniff"]

MATERIAL_TYPES = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", GIF: ".gif", WEBP: ".webp"}


def check_material(upload) -> CheckedUpload:
    """The checked type and safe name of a material (PDF or image), or ValidationFailed."""
    return check_upload(
        upload, allowed=MATERIAL_TYPES,
        message=_("Only PDF files and images (PNG, JPEG, GIF, WebP) can be attached."),
        default_name="material",
    )


def material_storage():
    """Callable for ``ActivityMaterial.file``: the private storage (never served directly)."""
    return private_storage()
