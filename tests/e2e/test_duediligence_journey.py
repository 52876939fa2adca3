"""Browser journey (issue 16): an administrator registers a designated programme; the office
registers a project with three members (one external); each member finds a prefilled
declaration, corrects and signs it; a co-author's affiliation matches the real METI list and
shows in the checks; the office records a mitigation measure and generates the forms; the .docx
opens with python-docx and the PDF's text carries the items."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings

from portal.models import GeneratedFile
from riskmgmt.duediligence.models import Project, TeamMember
from tests.riskmgmt import factories as rf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

METI_XLSX = Path(settings.PORTAL_SAMPLE_DATA) / "export_control" / "meti_end_user_list_20250929.xlsx"


def _sign(page, name):
    page.locator("input[name='consent']").check()
    page.locator("input[name='signed_name']").fill(name)
    page.locator("button[name='action'][value='sign']").click()
    page.wait_for_load_state()
    assert page.locator("#declaration-status").inner_text().startswith(("第", "Version"))


def _generate(page, button, exporter_format):
    before = GeneratedFile.objects.count()
    # Tests build the file eagerly inside the request: WeasyPrint can take a while.
    page.locator(f"#outputs button:text('{button}')").click(timeout=120000)
    page.wait_for_load_state()
    gf = GeneratedFile.objects.order_by("-id").first()
    assert GeneratedFile.objects.count() == before + 1
    gf.refresh_from_db()
    assert gf.status == "done", gf.message
    assert gf.filename.endswith(exporter_format)
    return gf.file.open("rb").read()


def test_staff_run_due_diligence_for_a_project_and_generate_the_forms(
        page, login, browser, live_server, researcher, other_researcher, staff, admin_user):
    rf.import_list(METI_XLSX.read_bytes(), code="meti", fmt="meti")
    v = rf.version(researcher)
    rf.position(v, rf.org("Tsinghua University", country="CN"), role="Visiting professor",
                start_date=dt.date(2022, 4, 1))

    # The administrator registers the programme.
    login(page, admin_user)
    page.goto("/risk/due-diligence/programmes/new/")
    page.fill("[name='agency_name']", "防衛装備庁")
    page.fill("[name='name_ja']", "安全保障技術研究推進制度")
    page.fill("[name='fiscal_year']", "2026")
    page.fill("[name='funding_since']", "2023-04-01")
    page.check("[name='measure_costs_chargeable']")
    page.locator("form.rm-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "安全保障技術研究推進制度" in page.content()

    # The office registers the project and its team.
    page.goto("/risk/due-diligence/projects/new/")
    page.locator("[name='programme']").select_option(label="安全保障技術研究推進制度")
    page.fill("[name='title']", "量子センサの研究")
    page.fill("[name='lead_institution']", "例示大学")
    page.fill("[name='partner_institutions']", "協力大学")
    page.fill("[name='declarations_due']", "2026-12-20")
    page.locator("form.rm-form button[type=submit]").click()
    page.wait_for_load_state()
    project = Project.objects.get(title="量子センサの研究")
    for role, email, name, institution in [
            ("pi", researcher.email, "", "例示大学"),
            ("partner_senior", other_researcher.email, "", "協力大学"),
            ("participant", "jane@example.org", "Jane Roe", "例示大学")]:
        form = page.locator("#member-form")
        form.locator("[name='role']").select_option(role)
        form.locator("[name='email']").fill(email)
        form.locator("[name='name']").fill(name)
        form.locator("[name='institution']").fill(institution)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
    assert page.locator("#members tbody tr").count() == 3
    external = TeamMember.objects.get(project=project, name="Jane Roe")

    # The PI finds a declaration prefilled from their disclosure, adds a publication, signs.
    ctx = browser.new_context(base_url=live_server.url, locale="ja-JP")
    mpage = ctx.new_page()
    login(mpage, researcher)
    mpage.goto("/risk/due-diligence/")
    mpage.locator("#my-declarations a").first.click()
    mpage.wait_for_load_state()
    assert mpage.locator("[name='career-0-organisation']").input_value() == "Tsinghua University"
    mpage.fill("[name='career-0-position']", "客員教授")
    mpage.fill("[name='publications-0-title']", "Quantum sensing / Phys. Rev.")
    mpage.fill("[name='publications-0-coauthor_affiliations']",
               "Kyoto University; HARBIN INSTITUTE OF TECHNOLOGY")
    _sign(mpage, "研究 太郎")
    ctx.close()

    # The partner institution's senior researcher signs theirs.
    ctx = browser.new_context(base_url=live_server.url, locale="ja-JP")
    mpage = ctx.new_page()
    login(mpage, other_researcher)
    mpage.goto("/risk/due-diligence/")
    mpage.locator("#my-declarations a").first.click()
    mpage.wait_for_load_state()
    mpage.fill("[name='education-0-content']", "理学部卒業")
    _sign(mpage, "協力 花子")
    ctx.close()

    # The external member opens the link the office sent, corrects and signs.
    ctx = browser.new_context(base_url=live_server.url, locale="ja-JP")
    mpage = ctx.new_page()
    mpage.goto(f"/risk/due-diligence/link/{external.access_token}/")
    mpage.fill("[name='career-0-organisation']", "Example Lab")
    mpage.check("[name='disciplinary-answer'][value='no']")
    _sign(mpage, "Jane Roe")
    ctx.close()

    # The office sees the hit with its evidence, records a measure and generates the forms.
    page.goto(project.get_absolute_url())
    hits = page.locator("#hits").inner_text()
    assert "Harbin Institute of Technology (HIT)" in hits and "HARBIN INSTITUTE OF TECHNOLOGY" in hits
    assert "Harbin Institute of Technology (HIT)" in page.locator("#findings").inner_text()
    form = page.locator("#measure-form")
    form.locator("[name='area']").select_option("data_access")
    form.locator("[name='description']").fill("共有フォルダのアクセス権を限定する")
    form.locator("[name='owner_email']").fill(staff.email)
    form.locator("[name='due_date']").fill("2027-01-31")
    form.locator("[name='cost_amount']").fill("100000")
    form.locator("[name='charged_to_programme']").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "共有フォルダのアクセス権を限定する" in page.locator("#measures").inner_text()

    from docx import Document
    from pypdf import PdfReader

    page.goto(project.get_absolute_url())
    data = _generate(page, "Word", ".docx")
    doc = Document(io.BytesIO(data))
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "客員教授" in cells and "Harbin Institute of Technology (HIT)" in cells
    page.goto(project.get_absolute_url())
    data = _generate(page, "PDF", ".pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "理学部卒業" in text and "Example Lab" in text and "共有フォルダ" in text
