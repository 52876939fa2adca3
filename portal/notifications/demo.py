"""Demo data of the notifications app: the periodic schedules (so `make run` has them).

Campaign notices appear when the disclosures demo opens a campaign (the ``campaign_opened``
signal); nothing else is invented here.
"""

from __future__ import annotations

from portal.notifications import schedules


def load(stdout=None) -> None:
    result = schedules.sync()
    if stdout is not None:
        created = sum(1 for v in result.values() if v == "created")
        stdout.write(f"  notifications: {len(result)} schedules in sync ({created} created)")
