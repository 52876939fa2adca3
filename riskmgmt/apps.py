import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def on_version_submitted(sender, version, **kwargs):
    """Evaluate the rules in a task after commit; a failure never undoes the submission."""
    from django.db import transaction

    from riskmgmt.tasks import evaluate_version

    version_id = version.pk

    def enqueue():
        try:
            evaluate_version.delay(version_id)
        except Exception:
            logger.exception("Could not evaluate the rules for disclosure version %s", version_id)

    transaction.on_commit(enqueue)


def on_outputs_imported(sender, owner, output_ids, **kwargs):
    """Screen imported co-authors in a task after commit; a failure never undoes the import."""
    from riskmgmt.tasks import screen_outputs

    try:
        screen_outputs.delay(list(output_ids))
    except Exception:
        logger.exception("Could not screen the co-authors of outputs %s", output_ids)


class RiskmgmtConfig(AppConfig):
    name = "riskmgmt"
    label = "riskmgmt"
    verbose_name = _("Risk management")

    def ready(self):
        from disclosures.signals import outputs_imported, version_submitted
        version_submitted.connect(on_version_submitted, dispatch_uid="riskmgmt.evaluate_version")
        outputs_imported.connect(on_outputs_imported, dispatch_uid="riskmgmt.screen_outputs")
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
