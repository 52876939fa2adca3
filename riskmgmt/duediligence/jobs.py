"""Background work of research-security due diligence, run by the outbox (:mod:`portal.outbox`).

* ``riskmgmt.dd_check_project``: the checks of one project (a member joined, a declaration
  changed), enqueued in the change's transaction.
* ``riskmgmt.dd_check_open_projects``: every project being prepared whose programme requires
  the check against the lists, after a screening list release was imported (enqueued with the
  release).
"""

from portal import outbox


@outbox.handler("riskmgmt.dd_check_project", max_attempts=5, time_limit=10 * 60)
def dd_check_project(job, *, project_id: int, reason: str = "manual") -> None:
    from riskmgmt.duediligence.tasks import check_project

    check_project(project_id, reason)  # the task's body, run here


@outbox.handler("riskmgmt.dd_check_open_projects", atomic=False, max_attempts=3)
def dd_check_open_projects(job) -> None:
    from riskmgmt.duediligence.tasks import check_open_projects

    check_open_projects()  # idempotent: each project's check is recorded on its own
