from celery import shared_task


@shared_task(acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def load_mext_registry(user_id: int) -> dict:
    """Load the university registry from the MEXT list shipped in followup/data/."""
    from followup import mext
    from followup.services import institutions_load_mext
    from portal.audit import task_actor
    from portal.models import User
    from portal.permissions import has_perm

    user = User.objects.filter(pk=user_id).first()
    if user is None or not has_perm(user, "followup.institution.load"):
        return {"refused": True}
    with task_actor(user):
        stats = institutions_load_mext(records=mext.default_records(), actor=user)
    return {"created": stats.created, "updated": stats.updated, "unchanged": stats.unchanged}
