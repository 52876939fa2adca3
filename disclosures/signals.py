"""Events other apps listen to (riskmgmt evaluates rules; notifications tell people).

``version_submitted`` is sent inside the transaction that submits a disclosure version, with
``version`` (a ``DisclosureVersion``) as keyword argument. A receiver does no slow work there:
it records the work in the outbox (``portal.outbox.enqueue``), which commits with the
submission and runs after it. A receiver that raises undoes the submission — no submission is
stored without the work it calls for.
"""

from django.dispatch import Signal

version_submitted = Signal()
# Sent in the transaction in which research outputs (publications, patents) are (re-)imported,
# with ``owner`` (the researcher) and ``output_ids``; riskmgmt screens their contributors.
outputs_imported = Signal()
version_accepted = Signal()
# Sent in the transaction in which an administrator opens a fiscal year's update campaign (``campaign``).
campaign_opened = Signal()
