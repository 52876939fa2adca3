"""Browser journey: an administrator uploads a roster, reads the dry run, and confirms."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PEOPLE = (
    "email,family_name,given_name,family_name_en,given_name_en,employee_number,researcher_number,department_code,roles\n"
    "hanako.e2e@example.ac.jp,山本,花子,Yamamoto,Hanako,E900,99990000,ENG-MECH,researcher\n"
    "ken.e2e@example.ac.jp,森,健,Mori,Ken,E901,,SCI-CHEM,researcher;dept_reviewer:SCI\n"
)


def test_roster_dry_run_then_confirm(page, login, age_sign_in, admin_user, tmp_path):
    from portal.models import RoleAssignment, User
    from tests.factories import PASSWORD

    bad = tmp_path / "bad.csv"
    bad.write_text(PEOPLE + "broken@example.ac.jp,壊,れ,,,,,NOPE,researcher\n", encoding="utf-8")
    good = tmp_path / "people.csv"
    good.write_text(PEOPLE, encoding="utf-8")

    login(page, admin_user)
    age_sign_in(page)  # signed in a while ago: the bulk change asks for the password again
    page.goto("/roster/")
    assert page.get_by_test_id("roster-sample-people").is_visible()

    # A file with one bad row: the upload's page reports the row, nothing can be confirmed.
    page.set_input_files("input[name=people]", str(bad))
    page.get_by_test_id("roster-dry-run").click()
    page.wait_for_url("**/imports/**")
    report = page.get_by_test_id("roster-report")
    assert "NOPE" in report.inner_text()
    assert page.get_by_test_id("roster-confirm").count() == 0

    # The corrected file: the dry run lists the new people; confirming imports them.
    page.get_by_test_id("import-back").click()
    page.wait_for_url("**/roster/")
    page.set_input_files("input[name=people]", str(good))
    page.get_by_test_id("roster-dry-run").click()
    page.wait_for_url("**/imports/**")
    rows = page.get_by_test_id("roster-rows-people").inner_text()
    assert "hanako.e2e@example.ac.jp" in rows and "ken.e2e@example.ac.jp" in rows
    assert not User.objects.filter(email="hanako.e2e@example.ac.jp").exists()
    page.get_by_test_id("roster-confirm").click()
    page.wait_for_load_state()
    # A bulk change long after signing in: allauth asks for the password again, then carries on.
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/roster/")
    assert page.locator(".message-success").is_visible()
    ken = User.objects.get(email="ken.e2e@example.ac.jp")
    assert ken.department.code == "SCI-CHEM"
    assert RoleAssignment.objects.filter(user=ken, role="dept_reviewer", department__code="SCI").exists()


def test_large_roster_is_processed_in_the_background(page, login, age_sign_in, admin_user, tmp_path, monkeypatch):
    from portal import imports
    from portal.models import User
    from tests.factories import PASSWORD

    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 1)
    good = tmp_path / "people.csv"
    good.write_text(PEOPLE, encoding="utf-8")
    login(page, admin_user)
    age_sign_in(page)  # signed in a while ago: the bulk change asks for the password again
    page.goto("/roster/")
    page.set_input_files("input[name=people]", str(good))
    page.get_by_test_id("roster-dry-run").click()
    page.wait_for_url("**/imports/**")
    page.get_by_test_id("roster-confirm").wait_for()
    assert "hanako.e2e@example.ac.jp" in page.get_by_test_id("roster-rows-people").inner_text()
    page.get_by_test_id("roster-confirm").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/roster/")
    assert page.locator(".message-success").is_visible()
    assert User.objects.filter(email__endswith=".e2e@example.ac.jp").count() == 2
