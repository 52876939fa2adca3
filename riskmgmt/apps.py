import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def on_version_submitted(sender, version, **kwargs):
    """Record the rule evaluation in the submission's transaction (the outbox runs it after
    commit, and again later if Redis or a worker is down): a submission is never unscreened."""
    from riskmgmt.services import version_evaluate_enqueue

    version_evaluate_enqueue(version=version)


def on_outputs_imported(sender, owner, output_ids, **kwargs):
    """Record the co-author screening in the import's transaction (the outbox runs it)."""
    from portal import outbox

    outbox.enqueue("riskmgmt.screen_outputs", output_ids=list(output_ids))


class RiskmgmtConfig(AppConfig):
    name = "riskmgmt"
    label = "riskmgmt"
    verbose_name = _("Risk management")

    def ready(self):
        from disclosures.signals import outputs_imported, version_submitted
        version_submitted.connect(on_version_submitted, dispatch_uid="riskmgmt.evaluate_version")
        outputs_imported.connect(on_outputs_imported, dispatch_uid="riskmgmt.screen_outputs")
        from django.db.models.signals import post_delete, post_save

        from portal.models import RoleAssignment, User
        from riskmgmt.selectors import picker_users_clear

        for model in (User, RoleAssignment):
            for signal in (post_save, post_delete):
                signal.connect(picker_users_clear, sender=model,
                               dispatch_uid=f"riskmgmt.picker.{signal is post_save}.{model.__name__}")
        try:
            from celery.signals import worker_process_init

            worker_process_init.connect(warm_matcher, dispatch_uid="riskmgmt.warm_matcher")
        except ImportError:  # pragma: no cover - celery is a dependency
            pass


def warm_matcher(**kwargs):
    """Build the screening index when a worker starts, so the first submission is fast."""
    try:
        from riskmgmt.matching import current_index

        current_index()
    except Exception:  # the database may not be migrated yet
        logger.warning("Could not warm the screening index", exc_info=True)
