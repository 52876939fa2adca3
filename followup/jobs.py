"""Background work of the follow-up survey, run by the outbox (:mod:`portal.outbox`).

* ``followup.load_mext``: load the university registry from the MEXT list shipped in
  ``followup/data/`` (an administrator's button; loading twice changes nothing).
"""

from portal import outbox
from portal.errors import NotAllowed


@outbox.handler("followup.load_mext", throws=(NotAllowed,), time_limit=10 * 60)
def load_mext(job) -> None:
    from followup import mext
    from followup.services import institutions_load_mext

    if job.actor is None:
        raise NotAllowed("The person who asked for the load no longer exists.")
    institutions_load_mext(records=mext.default_records(), actor=job.actor)
