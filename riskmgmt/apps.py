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


class RiskmgmtConfig(AppConfig):
    name = "riskmgmt"
    label = "riskmgmt"
    verbose_name = _("Risk management")

    def ready(self):
        from disclosures.signals import version_submitted
        version_submitted.connect(on_version_submitted, dispatch_uid="riskmgmt.evaluate_version")
