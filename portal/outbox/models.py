"""The outbox: one row per piece of work a change calls for, committed with the change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Job(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("job status", "Done")
        FAILED = "failed", _("Failed")

    OPEN = (State.PENDING, State.RUNNING)

    kind = models.CharField(_("kind"), max_length=100)
    key = models.CharField(
        _("key"), max_length=200, blank=True,
        help_text=_("What the work is about; at most one open job per kind and key."),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveIntegerField(_("maximum attempts"), default=5)
    run_after = models.DateTimeField(_("due at"), default=timezone.now)
    locked_until = models.DateTimeField(_("lease ends"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=Q(state__in=["pending", "running"]) & ~Q(key=""),
                name="outbox_job_one_open_per_key",
            ),
        ]
        indexes = [
            # the sweep reads only these two small sets, however many finished jobs there are
            models.Index(fields=["run_after"], condition=Q(state="pending"), name="outbox_job_due"),
            models.Index(fields=["locked_until"], condition=Q(state="running"),
                         name="outbox_job_leased"),
            models.Index(fields=["kind", "key", "-created_at"], name="outbox_job_kind_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key or self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    @property
    def is_finished(self) -> bool:
        return not self.is_open

    def report(self, progress: int, message: str = "") -> None:
        """Progress of a running job (committed at once outside an atomic handler); it also
        renews the lease, so a handler that reports is never taken back while alive."""
        from portal.outbox import services

        services.job_report(self, progress=progress, message=message)
