"""Demo data loads, and loading it twice changes nothing."""

import pytest
from django.core.management import call_command

from followup.awareness import demo
from followup.awareness.models import Attendance, AwarenessActivity, QuizQuestion

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent():
    from portal import demo as core_demo

    call_command("loaddata", "fixtures/institution_categories.json",
                 "fixtures/awareness_risk_types.json", "fixtures/awareness_case_studies.json",
                 verbosity=0)
    core_demo.load()
    demo.load()
    counts = (AwarenessActivity.objects.count(), Attendance.objects.count(),
              QuizQuestion.objects.count())
    demo.load()
    assert counts == (AwarenessActivity.objects.count(), Attendance.objects.count(),
                      QuizQuestion.objects.count())
    assert counts[0] == 3 and counts[2] == 2
    elearning = AwarenessActivity.objects.get(title=demo.ELEARNING_TITLE)
    assert elearning.is_required and elearning.self_completion
