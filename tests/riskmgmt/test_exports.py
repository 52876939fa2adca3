"""The risk register export: its styled sheets and a query count that does not grow with the
number of cases."""
import datetime as dt
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree
from openpyxl import load_workbook

from portal.exports import get_exporter
from riskmgmt import services
from riskmgmt.exports import BOLD, PLAIN, RED, _Sheets
from riskmgmt.models import Concern, MeasureKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_sheets_keep_values_styles_and_guard_formulas():
    book = _Sheets()
    book.sheet("Register", iter([
        (["Reference", "Name"], BOLD),
        (["RC-1", " leading space", 3, 2.5, None, "", "=HYPERLINK(1)", True, "日本語 & <x>",
          "bell\x07tab\tline\nend"], PLAIN, RED),
        (list(range(30)), PLAIN),
    ]))
    book.sheet("Heat map: [1/2]?", [([1, 2], PLAIN)])
    data = book.close()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            etree.fromstring(zf.read(name))  # every part is well-formed XML
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Register", "Heat map 12"]
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("Reference", "Name")
    assert rows[1][:10] == ("RC-1", " leading space", 3, 2.5, None, None, "'=HYPERLINK(1)", True,
                            "日本語 & <x>", "belltab\tline\nend")
    assert rows[2][29] == 29 and ws["AD3"].value == 29
    assert ws["A1"].font.b and ws["B1"].font.b
    assert ws["A2"].fill.fgColor.rgb.endswith("F8D7DA") and ws["B2"].fill.fill_type is None


def test_the_register_export_reads_a_fixed_number_of_queries(departments, staff):
    def export():
        with CaptureQueriesContext(connection) as ctx:
            name, _mime, content = get_exporter("riskmgmt.register").render(
                {}, user=staff, progress=lambda *a: None)
        return len(ctx), load_workbook(io.BytesIO(content))

    def add_cases(start, count):
        for n in range(start, start + count):
            person = UserFactory(email=f"x{n}@example.ac.jp", department=departments["mech"],
                                 roles=["researcher"])
            case = services.case_open_or_join(researcher=person, concern=Concern.AWARENESS,
                                              reason="r")[0]
            services.measure_add(case=case, kind=MeasureKind.EXPORT_CONTROL, owner=staff,
                                 due_date=dt.date(2020, 1, 1), actor=staff)

    add_cases(0, 2)
    export()  # the staff member's roles are read once and cached
    few, _wb = export()
    add_cases(2, 10)
    many, wb = export()
    assert few == many
    register = list(wb.worksheets[0].iter_rows(values_only=True))
    measures = list(wb.worksheets[1].iter_rows(values_only=True))
    assert len(register) == 13 and len(measures) == 13
    assert all(row[14] == 1 for row in register[1:])  # every measure overdue
