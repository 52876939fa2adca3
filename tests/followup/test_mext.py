"""Loading the institution registry from MEXT's list (the real sample shipped in followup/data)."""

from django.core.management import call_command

from followup import mext
from followup.services import institutions_load_mext
from portal.models import Institution


def test_real_mext_list_gives_every_university_its_category_and_loads_idempotently(db):
    stats = institutions_load_mext(records=mext.default_records())
    assert stats.created == 821 and not stats.skipped
    counts = {code: Institution.objects.filter(category__code=code).count()
              for code in ("national_university", "public_university", "private_university")}
    assert counts == {"national_university": 85, "public_university": 103,
                      "private_university": 633}
    hokudai = Institution.objects.get(code="F101110100010")
    assert hokudai.name_ja == "北海道大学" and hokudai.name_en == "Hokkaido University"
    assert hokudai.category.name_ja == "国立大学"
    assert Institution.objects.get(code="F113110112030").name_ja == "東京科学大学"
    # A renamed school keeps its code: the old English name (Ryotokuji University) is not used.
    renamed = Institution.objects.get(name_ja="ＳＢＣ東京医療大学")
    assert renamed.name_en == ""
    # Loading twice changes nothing.
    stats = institutions_load_mext(records=mext.default_records())
    assert (stats.created, stats.updated, stats.unchanged) == (0, 0, 821)


def test_json_list_alone_is_understood(db, tmp_path):
    records = mext.read_path(mext.DEFAULT_JSON)
    assert records[0] == {"code": "F101110100010", "name_ja": "北海道大学",
                          "name_en": "Hokkaido University", "type": "国立"}
    stats = institutions_load_mext(records=records[:3])
    assert stats.created == 3


def test_command_loads_a_given_csv(db, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("id,school_code,name,type,region,source\n"
                    "x,F201110100019,札幌医科大学,public,北海道,mext\n"
                    "y,F999,不明大学,unknown,北海道,mext\n", encoding="utf-8")
    call_command("institutions_load_mext", str(path))
    assert Institution.objects.get(code="F201110100019").category.code == "public_university"
    assert not Institution.objects.filter(code="F999").exists()


def test_the_load_button_records_an_outbox_job_that_loads_the_list(
        client_as, admin_user, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from portal.models import Institution
    from portal.outbox.models import Job

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(admin_user).post(reverse("followup:institutions_load"))
    assert (response.status_code, Job.objects.get(kind="followup.load_mext").state) == (302, "done")
    assert Institution.objects.count() > 1
