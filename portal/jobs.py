"""Background work of the core, run by the outbox (:mod:`portal.outbox`; found by its
autodiscovery).

* ``portal.build_file``: build a requested export (:class:`portal.models.GeneratedFile`). Not
  atomic: the file shows its progress while it is built. Three attempts; after the last one the
  file shows "failed" with a retry button, never "building" for ever.
* ``portal.import_step``: one step (check or apply) of an upload of the import pipeline
  (:mod:`portal.imports`). Three attempts; after the last one the upload shows "try again"
  with its retry button, never "checking" for ever.
"""

from portal import outbox


def _file_failed(job) -> None:
    from portal.services import generated_file_fail

    generated_file_fail(file_id=job.params["file_id"])


@outbox.handler("portal.build_file", atomic=False, max_attempts=3, on_failed=_file_failed)
def build_file(job, *, file_id: int) -> None:
    from portal.services import generated_file_build

    generated_file_build(file_id=file_id)


def _import_step_failed(job) -> None:
    from portal.imports import import_step_failed

    import_step_failed(upload_id=job.params["upload_id"], step=job.params["step"])


@outbox.handler("portal.import_step", atomic=False, max_attempts=3, time_limit=60 * 60,
                on_failed=_import_step_failed)
def import_step(job, *, upload_id: int, step: str) -> None:
    """One step (check or apply) of an upload of the import pipeline (portal/imports.py).

    Idempotent: a step runs only while the upload is in the state that asked for it, and the
    step handles its own transactions and errors (a database error leaves the upload
    "interrupted" with a try-again button)."""
    from portal.imports import import_step_run

    import_step_run(upload_id=upload_id, step=step)
