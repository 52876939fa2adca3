import pytest
from django.core.management import call_command

from disclosures.models import Disclosure, UpdateCampaign

pytestmark = pytest.mark.django_db


def test_demo_loads_twice_without_changes():
    from disclosures import demo
    from portal import demo as core_demo

    call_command("loaddata", "fixtures/institution_categories.json", verbosity=0)
    core_demo.load()
    demo.load()
    demo.load()
    alice = Disclosure.objects.get(owner__email="researcher@demo.example")
    assert alice.last_accepted_version is not None
    assert any(i["values"]["organisation"]["country"] == "US"
               for i in alice.last_accepted_version.content["sections"]["position"])
    hanako = Disclosure.objects.get(owner__email="researcher2@demo.example")
    assert hanako.current_version.status == "submitted"
    assert UpdateCampaign.objects.filter(status="open").count() == 1
    assert Disclosure.objects.count() == 2
