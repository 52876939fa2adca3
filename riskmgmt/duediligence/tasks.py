"""Celery tasks of due diligence: pass ids, load, call the service."""
from __future__ import annotations

from celery import shared_task

from portal.audit import task_actor


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def check_project(project_id: int, reason: str = "manual") -> int:
    """Re-check one project (after a member joined or a declaration changed)."""
    from riskmgmt.duediligence.models import Project
    from riskmgmt.duediligence.services import project_check

    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return 0
    with task_actor(None):
        return project_check(project=project, reason=reason).hit_count


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def check_open_projects() -> int:
    """Re-check every project still being prepared whose programme requires the check against
    the lists (a screening list was updated)."""
    from riskmgmt.duediligence.models import CheckRun, Project
    from riskmgmt.duediligence.services import project_check
    from riskmgmt.matching import current_index

    index = current_index()
    count = 0
    with task_actor(None):
        for project in Project.objects.filter(status=Project.Status.PREPARING,
                                              programme__requires_list_check=True).select_related(
                "programme", "lead_institution"):
            project_check(project=project, reason=CheckRun.Reason.LIST, index=index)
            count += 1
    return count
