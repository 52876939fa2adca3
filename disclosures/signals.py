"""Events other apps listen to (riskmgmt evaluates rules; notifications tell people).

``version_submitted`` is sent after the transaction that submitted a disclosure version has
committed, with ``version`` (a ``DisclosureVersion``) as keyword argument. Receivers must not
raise: a failing receiver never undoes a researcher's submission.
"""

from django.dispatch import Signal

version_submitted = Signal()
# Sent on commit when research outputs (publications, patents) were imported or re-imported,
# with ``owner`` (the researcher) and ``output_ids``; riskmgmt screens their contributors.
outputs_imported = Signal()
version_accepted = Signal()
# Sent on commit when an administrator opens a fiscal year's update campaign (``campaign``).
campaign_opened = Signal()
