"""Background work of the core, run by the outbox (:mod:`portal.outbox`).

* ``portal.build_file``: build a requested export (:class:`portal.models.GeneratedFile`). Not
  atomic: the file shows its progress while it is built. Three attempts; after the last one the
  file shows "failed" with a retry button, never "building" for ever.
"""

from portal import outbox


def _file_failed(job) -> None:
    from portal.services import generated_file_fail

    generated_file_fail(file_id=job.params["file_id"])


@outbox.handler("portal.build_file", atomic=False, max_attempts=3, on_failed=_file_failed)
def build_file(job, *, file_id: int) -> None:
    from portal.services import generated_file_build

    generated_file_build(file_id=file_id)
