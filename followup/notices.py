"""What the follow-up survey runs on a schedule: the annual turn of its cycles.

Found by the notifications engine's autodiscovery (``<app>/notices.py``). The survey sends no
notifications of its own; its one periodic job opens the fiscal year's cycle on 1 April and
closes older cycles once their answers are locked (``services.cycles_roll``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from portal.notifications import schedules
from portal.notifications.selectors import Preview


def _roll_run(now, options):
    from django.utils import timezone

    from followup import services

    result = services.cycles_roll(today=timezone.localdate(now))
    return len(result["opened"]) + len(result["closed"])


def _roll_preview(now, options):
    return Preview(total=0, rows=[])


# 15 6 * * *  — daily 06:15: the fiscal year's survey cycle opened from 1 April; older cycles
# closed once their answers are locked.
schedules.register(
    "followup_cycles", _("Follow-up survey: the year's cycle"),
    _("Opens the current fiscal year's survey cycle (from 1 April) and closes older cycles "
      "once their answers are locked."),
    {"minute": "15", "hour": "6"}, _roll_run, _roll_preview,
)
