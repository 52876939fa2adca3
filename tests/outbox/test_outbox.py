"""The outbox engine: jobs commit with the change, run once, retry, fail with a reason."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from portal import outbox
from portal.audit import audit_log
from portal.errors import ApplicationError
from portal.models import AuditEntry
from portal.outbox import registry, services
from portal.outbox.models import Job

pytestmark = pytest.mark.django_db

CALLS: list[dict] = []


def _write_then(job, *, mark, fail=""):
    CALLS.append({"job": job.pk, "mark": mark})
    audit_log(action="tests.outbox.wrote", data={"mark": mark})
    if fail == "expected":
        raise ApplicationError("The release was withdrawn.")
    if fail == "crash":
        raise ValueError("boom")


def _failed(job):
    audit_log(action="tests.outbox.failed", data={"job": job.pk})


@pytest.fixture(autouse=True)
def kinds():
    CALLS.clear()
    registry.register("tests.write", _write_then, throws=(ApplicationError,), max_attempts=3,
                      on_failed=_failed, module=__name__)
    registry.register("tests.write_loose", _write_then, atomic=False, module=__name__)
    yield
    registry.KINDS.pop("tests.write", None)
    registry.KINDS.pop("tests.write_loose", None)


def _marks(action="tests.outbox.wrote"):
    return [e.data.get("mark") for e in AuditEntry.objects.filter(action=action).order_by("pk")]


def _enqueue(django_capture_on_commit_callbacks, kind="tests.write", **params):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return outbox.enqueue(kind, **params)


def _due_again(job):
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())


def test_the_bell_after_commit_runs_the_handler_and_marks_the_job_done(django_capture_on_commit_callbacks):
    job = _enqueue(django_capture_on_commit_callbacks, key="a", mark="a")
    job.refresh_from_db()
    assert (job.state, job.attempts, _marks()) == ("done", 1, ["a"])


def test_a_job_is_rolled_back_with_the_change_that_asked_for_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("tests.write", key="b", mark="b")
        raise RuntimeError("the change failed")
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox.enqueue("tests.write", mark="x")


def test_an_undeclared_kind_is_refused():
    with pytest.raises(LookupError), transaction.atomic():
        outbox.enqueue("tests.nobody", mark="x")


def test_the_same_key_gives_the_open_job_not_a_second_one():
    with transaction.atomic():
        first = outbox.enqueue("tests.write", key="version:1", mark="1")
        second = outbox.enqueue("tests.write", key="version:1", mark="1")
    assert (second.pk, Job.objects.count()) == (first.pk, 1)


def test_a_finished_job_does_not_stop_a_new_one_with_the_same_key(django_capture_on_commit_callbacks):
    first = _enqueue(django_capture_on_commit_callbacks, key="version:1", mark="1")
    second = _enqueue(django_capture_on_commit_callbacks, key="version:1", mark="1")
    assert second.pk != first.pk


def test_a_second_bell_for_a_done_job_changes_nothing(django_capture_on_commit_callbacks):
    job = _enqueue(django_capture_on_commit_callbacks, key="c", mark="c")
    assert services.job_run(job.pk) == "not-due"
    assert _marks() == ["c"]


def test_a_crash_in_an_atomic_handler_rolls_back_its_writes_and_schedules_a_retry(django_capture_on_commit_callbacks):
    job = _enqueue(django_capture_on_commit_callbacks, key="d", mark="d", fail="crash")
    job.refresh_from_db()
    assert (job.state, job.attempts, _marks(), job.last_error) == ("pending", 1, [], "ValueError: boom")


def test_a_retry_waits_with_exponential_back_off():
    assert [services.backoff_seconds(n) for n in (1, 2, 3)] == [30, 120, 480]


def test_a_job_that_keeps_failing_ends_failed_with_its_reason(django_capture_on_commit_callbacks):
    job = _enqueue(django_capture_on_commit_callbacks, key="e", mark="e", fail="crash")
    for _ in range(2):
        _due_again(job)
        services.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error) == ("failed", 3, "ValueError: boom")


def test_a_job_that_ends_failed_tells_its_kind(django_capture_on_commit_callbacks):
    job = _enqueue(django_capture_on_commit_callbacks, key="e2", mark="e", fail="expected")
    assert [e.data["job"] for e in AuditEntry.objects.filter(action="tests.outbox.failed")] == [job.pk]


def test_an_expected_error_fails_the_job_at_once_with_its_message(django_capture_on_commit_callbacks):
    job = _enqueue(django_capture_on_commit_callbacks, key="f", mark="f", fail="expected")
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error) == ("failed", 1, "The release was withdrawn.")


def test_a_non_atomic_handler_keeps_what_it_committed_when_it_crashes(django_capture_on_commit_callbacks):
    job = _enqueue(django_capture_on_commit_callbacks, "tests.write_loose", key="g", mark="g",
                   fail="crash")
    job.refresh_from_db()
    assert (job.state, _marks()) == ("pending", ["g"])


def test_with_the_broker_down_the_job_waits_and_the_sweep_runs_it(django_capture_on_commit_callbacks, monkeypatch):
    from portal.outbox import tasks

    real = tasks.run_job.apply_async
    monkeypatch.setattr(tasks.run_job, "apply_async",
                        lambda *a, **k: (_ for _ in ()).throw(OperationalError("down")))
    job = _enqueue(django_capture_on_commit_callbacks, key="h", mark="h")
    assert Job.objects.get(pk=job.pk).state == "pending"
    monkeypatch.setattr(tasks.run_job, "apply_async", real)
    result = services.sweep()
    job.refresh_from_db()
    assert (result["rung"], job.state, _marks()) == (1, "done", ["h"])


def test_the_sweep_rings_nothing_while_the_broker_is_down(monkeypatch):
    from portal.outbox import tasks

    with transaction.atomic():
        outbox.enqueue("tests.write", key="i", mark="i")
    monkeypatch.setattr(tasks.run_job, "apply_async",
                        lambda *a, **k: (_ for _ in ()).throw(OperationalError("down")))
    assert services.sweep() == {"taken_back": 0, "failed": 0, "due": 1, "rung": 0}


def _running(attempts=1, lease_left=-1, **params):
    now = timezone.now()
    return Job.objects.create(kind="tests.write", key=params.pop("key", "r"), params=params,
                              state="running", attempts=attempts, max_attempts=3,
                              locked_until=now + timedelta(seconds=lease_left))


def test_the_sweep_takes_back_a_job_whose_worker_vanished_and_runs_it():
    job = _running(mark="r")
    services.sweep()
    job.refresh_from_db()
    assert (job.state, job.attempts, _marks()) == ("done", 2, ["r"])


def test_the_sweep_leaves_a_job_whose_lease_is_still_running():
    job = _running(lease_left=60, mark="r")
    services.sweep()
    assert Job.objects.get(pk=job.pk).state == "running"


def test_a_vanished_worker_on_the_last_attempt_ends_the_job_failed_with_the_reason():
    job = _running(attempts=3, mark="r")
    services.sweep()
    job.refresh_from_db()
    assert (job.state, job.last_error) == ("failed", services.WORKER_LOST)


def test_a_worker_that_lost_its_lease_cannot_mark_the_job_done():
    def taken_back_meanwhile(job, **params):
        audit_log(action="tests.outbox.wrote", data={"mark": "late"})
        Job.objects.filter(pk=job.pk).update(state="pending", attempts=job.attempts + 1)

    registry.register("tests.slow", taken_back_meanwhile, module=__name__)
    try:
        with transaction.atomic():
            job = outbox.enqueue("tests.slow", key="s")
        assert (services.job_run(job.pk), _marks()) == ("lost", [])
    finally:
        registry.KINDS.pop("tests.slow")


def test_reported_progress_is_stored_and_renews_the_lease():
    job = _running(lease_left=5, mark="p")
    job.report(40, "sheet 2")
    job.refresh_from_db()
    assert (job.progress, job.message, job.locked_until > timezone.now() + timedelta(seconds=60)) == (
        40, "sheet 2", True)


def test_staff_run_a_failed_job_again_as_a_new_job(django_capture_on_commit_callbacks, staff):
    job = _enqueue(django_capture_on_commit_callbacks, key="t", mark="t", fail="expected")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.job_retry(job=Job.objects.get(pk=job.pk), actor=staff)
    assert (again.pk != job.pk, again.key, again.actor_id) == (True, "t", staff.pk)


def test_the_sweep_is_an_every_minute_schedule():
    from portal.notifications import schedules

    assert schedules.get_schedule("jobs_sweep").cron == {"minute": "*"}


def _closed(job):
    audit_log(action="tests.outbox.closed", data={"job": job.pk, "error": job.last_error})


@pytest.fixture
def closing_kind():
    registry.register("tests.closing", _write_then, atomic=False, max_attempts=2,
                      on_error=_closed, module=__name__)
    yield
    registry.KINDS.pop("tests.closing", None)


def _closed_errors():
    return [e.data["error"] for e in AuditEntry.objects.filter(action="tests.outbox.closed")
            .order_by("pk")]


def test_every_attempt_that_ends_without_finishing_tells_its_kind_with_the_reason(
        closing_kind, django_capture_on_commit_callbacks):
    job = _enqueue(django_capture_on_commit_callbacks, "tests.closing", key="o", mark="o",
                   fail="crash")
    _due_again(job)
    services.job_run(job.pk)  # the last attempt
    assert _closed_errors() == ["ValueError: boom", "ValueError: boom"]


def test_a_job_taken_back_from_a_vanished_worker_tells_its_kind(closing_kind):
    Job.objects.create(kind="tests.closing", key="v", params={"mark": "v"}, state="running",
                       attempts=1, max_attempts=2,
                       locked_until=timezone.now() - timedelta(seconds=1))
    services.sweep()
    assert _closed_errors()[0] == services.WORKER_LOST


def test_an_import_step_whose_attempts_run_out_says_try_again_not_checking(
        admin_user, monkeypatch, django_capture_on_commit_callbacks):
    from django.db import OperationalError

    from portal import imports
    from portal.models import ImportUpload

    def lost(**kwargs):
        raise OperationalError("the connection is closed")

    monkeypatch.setattr(imports, "import_step_run", lost)
    upload = ImportUpload.objects.create(owner=admin_user, kind="portal.roster",
                                         expires_at=timezone.now() + timedelta(hours=1))
    job = _enqueue(django_capture_on_commit_callbacks, imports.JOB_KIND,
                   key=f"import:{upload.pk}:check", upload_id=upload.pk, step="check")
    for _ in range(2):
        _due_again(job)
        services.job_run(job.pk)
    upload.refresh_from_db()
    assert (upload.status, upload.message) == ("failed", str(imports.TRY_AGAIN))


def test_a_worker_that_starts_runs_what_waited_while_the_broker_was_down(
        django_capture_on_commit_callbacks, monkeypatch):
    from celery.signals import worker_ready

    from portal.outbox import tasks

    real = tasks.run_job.apply_async
    monkeypatch.setattr(tasks.run_job, "apply_async",
                        lambda *a, **k: (_ for _ in ()).throw(OperationalError("down")))
    job = _enqueue(django_capture_on_commit_callbacks, key="w", mark="w")
    monkeypatch.setattr(tasks.run_job, "apply_async", real)
    worker_ready.send(sender=None)  # what Celery sends once a worker is up
    job.refresh_from_db()
    assert (job.state, _marks()) == ("done", ["w"])

