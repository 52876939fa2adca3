"""Notices of the portal core: a requested export is ready to download."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.notifications import kinds, services


def _export_params(params: dict) -> dict:
    """The export's name in the reader's language (stored: its identifier)."""
    from portal.exports import get_exporter

    params = kinds.dates("expires")(params)
    try:
        params["title"] = get_exporter(params.get("exporter", "")).verbose_name
    except LookupError:
        pass
    return params


EXPORT_READY = kinds.register(
    "export_ready", _("Export ready"), mandatory=False,
    title=_("Your export is ready: %(title)s"),
    body=_("The file %(filename)s has been built and can be downloaded until %(expires)s."),
    prepare=_export_params,
)


def export_ready(generated_file) -> int:
    """Tell the person who asked for an export that its file can be downloaded (in the
    transaction that marks the file done)."""
    from portal.permissions import users_with_perm

    expires = generated_file.expires_at or timezone.now()
    return services.notice_send(
        kind=EXPORT_READY.code,
        recipients=users_with_perm("portal.files.view_own").filter(pk=generated_file.owner_id),
        params={"exporter": generated_file.exporter, "title": generated_file.title,
                "filename": generated_file.filename, "expires": timezone.localdate(expires)},
        url=reverse("portal:file_detail", args=[generated_file.public_id]),
        target=generated_file,
    )
