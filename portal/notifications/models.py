"""Notifications, their e-mail deliveries and each user's delivery preferences.

* :class:`Notification` is what a person reads in the portal: its kind and the parameters of
  its text (``params``), rendered in the reader's language whenever it is read or e-mailed
  (``title``/``body``); a link to the exact page; ``read_at``; ``resolved_at`` once the task a
  reminder asked for is done. ``stored_title``/``stored_body`` keep the text as rendered for
  the recipient when it was created: the fallback for rows stored before ``params`` existed
  (migration 0003) and for a kind no longer declared. Its
  ``dedupe_key`` is unique: a reminder is stored at most once per recipient, object and period,
  however many times (or on however many workers) a schedule runs.
* :class:`Delivery` is the outbox and the log of e-mail sends: one row per e-mail (an immediate
  notification, or a daily digest of several). It is written in the same transaction as the
  notification ("stored first"); workers claim due rows with ``select_for_update(skip_locked)``
  and record the outcome, attempts and last error.
* :class:`NotificationPreference` holds a user's choice for an optional kind (immediately, in a
  daily digest, or in the portal only). Mandatory kinds (campaign, overdue) ignore it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import PublicModel, TimeStampedModel
from portal.notifications.kinds import kind_choices


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail immediately")
    DIGEST = "digest", _("E-mail in a daily digest")
    NONE = "none", _("In the portal only")


class Notification(PublicModel):
    SCOPE_OWNER_FIELD = "recipient"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=kind_choices)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    params = models.JSONField(_("parameters"), null=True, blank=True, default=None)
    stored_title = models.CharField(_("title as stored"), max_length=300)
    stored_body = models.TextField(_("text as stored"), blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, editable=False)
    email_mode = models.CharField(
        _("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    digest = models.ForeignKey(
        "Delivery", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="digested_notifications", verbose_name=_("digest e-mail"),
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_recent"),
            models.Index(
                fields=["email_mode", "created_at"], condition=Q(email_mode="digest", digest__isnull=True),
                name="notif_digest_waiting",
            ),
            models.Index(fields=["kind", "object_id"], condition=Q(resolved_at__isnull=True),
                         name="notif_unresolved"),
        ]

    def __str__(self) -> str:
        return self.title

    def rendered(self) -> tuple[str, str]:
        """Title and body in the active language (cached per language on the instance)."""
        from django.utils.translation import get_language

        from portal.notifications.kinds import render_active

        language = get_language() or "ja"
        cache = self.__dict__.setdefault("_rendered", {})
        if language not in cache:
            try:
                if self.params is None:
                    raise KeyError(self.kind)
                cache[language] = render_active(self.kind, self.params)
            except (KeyError, ValueError, TypeError):
                cache[language] = (self.stored_title, self.stored_body)
        return cache[language]

    @property
    def title(self) -> str:
        return self.rendered()[0]

    @property
    def body(self) -> str:
        return self.rendered()[1]

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def kind_label(self) -> str:
        from portal.notifications.kinds import KINDS

        kind = KINDS.get(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def scope_owner_id(self):
        return self.recipient_id

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def absolute_url(self) -> str:
        return absolute(self.url)


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + url


class Delivery(TimeStampedModel):
    """One e-mail: the outbox row and, once tried, the record of what happened."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Nothing to send")

    DIGEST_KIND = "digest"

    dedupe_key = models.CharField(max_length=200, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_deliveries",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    notification = models.ForeignKey(
        Notification, to_field="dedupe_key", db_column="notification_key", null=True, blank=True,
        on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notification"),
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    status = models.CharField(
        _("outcome"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["kind", "-created_at"], name="delivery_kind_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.status})"

    @property
    def is_digest(self) -> bool:
        return self.kind == self.DIGEST_KIND

    @property
    def kind_label(self) -> str:
        from portal.notifications.kinds import KINDS

        if self.is_digest:
            return str(_("Daily digest"))
        kind = KINDS.get(self.kind)
        return str(kind.label) if kind else self.kind


class NotificationPreference(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=40, choices=kind_choices)
    mode = models.CharField(_("delivery"), max_length=10, choices=EmailMode.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}={self.mode}"
