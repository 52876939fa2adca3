"""Institutional risk management (issue 4).

Flagging rules over submitted disclosure versions (``rules.py``: built-in rule types whose
parameters cannot name a person's nationality, race, religion or birthplace), screening lists
(``importers.py`` for METI/CSL/generic files, ``matching.py`` for the blocked rapidfuzz matcher),
cases with assessment, decision, mitigation and contingency plans, monitoring and requests for
information, the risk register and funding-agency inquiries.

Entry points for other apps (all in :mod:`riskmgmt.services`):

* ``case_open_or_join(*, researcher, concern, reason, source_obj=None, actor=None)`` →
  ``(case, flag)``: one open case per researcher and :class:`riskmgmt.models.Concern`;
  ``cases_open_or_join(*, concern, flags=[FlagSpec(...)], rule=None, actor=None)`` records many
  flags at once in a fixed number of queries (re-screening uses it).
* ``version_evaluate(*, version_id)``: run the enabled rules over a submitted version (the
  ``disclosures.signals.version_submitted`` receiver queues it in a Celery task on commit).
* ``screening_release_import(...)`` / ``screening_rescreen_registry(*, release, full=False)``
  (incremental from the list's previous run unless ``full``).

Models read by other apps: ``MitigationMeasure`` (owner, due_date, status),
``FundingAgencyInquiry`` (deadline), ``InformationRequest`` (asked_at, answered_at, researcher),
``ScreeningList``/``ScreeningListRelease``/``ScreeningEntry``/``ScreeningRun``/``ScreeningHit``,
``Case``/``RiskAssessment``/``ContingencyPlan``.
"""
