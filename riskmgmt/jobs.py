"""Background work of risk management, run by the outbox (see :mod:`portal.outbox`).

* ``riskmgmt.evaluate_version``: the flagging rules over a submitted version, enqueued in the
  submission's own transaction (``version_submitted`` receiver). One transaction: all the
  version's flags, cases and the job's "done" mark, or none of them.
* ``riskmgmt.rescreen_registry``: the registry against a list release, enqueued with the release
  (and by staff from the screening page). Its run records "failed" when it fails; the job is
  retried, and staff can start it again.
* ``riskmgmt.rescreen_outputs``: the co-authors of research outputs against a list release,
  enqueued with the release beside the registry's re-screening.
* ``riskmgmt.screen_outputs``: the co-authors of newly imported outputs, enqueued in the
  import's transaction (``outputs_imported`` receiver).
"""

from portal import outbox


def _runs_left_open(run_kind: str):
    """``on_error`` of a re-screening: an attempt that ended without finishing leaves no run of
    its own "running" (the run's own error handling cannot write once the database connection
    is gone); it ends failed with the job's reason, and the retry starts a new run."""

    def close(job) -> None:
        from django.utils import timezone

        from riskmgmt.models import ScreeningRun

        ScreeningRun.objects.filter(
            kind=run_kind, release_id=job.params.get("release_id"), triggered_by_id=job.actor_id,
            status=ScreeningRun.Status.RUNNING, started_at__gte=job.started_at,
        ).update(status=ScreeningRun.Status.FAILED, finished_at=timezone.now(),
                 message=job.last_error[:300])

    return close


@outbox.handler("riskmgmt.evaluate_version", max_attempts=8, time_limit=10 * 60)
def evaluate_version(job, *, version_id: int) -> None:
    from riskmgmt.services import version_evaluate

    version_evaluate(version_id=version_id)


@outbox.handler("riskmgmt.rescreen_registry", atomic=False, max_attempts=3,
                on_error=_runs_left_open("registry"))
def rescreen_registry(job, *, release_id: int, full: bool = False) -> None:
    from riskmgmt.models import ScreeningListRelease
    from riskmgmt.services import screening_rescreen_registry

    release = ScreeningListRelease.objects.filter(pk=release_id).first()
    if release is None:  # the list was deleted since: nothing to screen
        return
    screening_rescreen_registry(release=release, actor=job.actor, full=full)


@outbox.handler("riskmgmt.rescreen_outputs", atomic=False, max_attempts=3,
                on_error=_runs_left_open("outputs"))
def rescreen_outputs(job, *, release_id: int, full: bool = False) -> None:
    from riskmgmt.models import ScreeningListRelease
    from riskmgmt.services import outputs_rescreen

    release = ScreeningListRelease.objects.filter(pk=release_id).first()
    if release is not None:
        outputs_rescreen(release=release, actor=job.actor, full=full)


@outbox.handler("riskmgmt.screen_outputs", max_attempts=8, time_limit=10 * 60)
def screen_outputs(job, *, output_ids: list[int]) -> None:
    from riskmgmt.services import outputs_screen

    outputs_screen(output_ids=output_ids)

