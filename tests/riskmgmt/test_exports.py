"""The risk register export: typed list sheets and a query count that does not grow with the
number of cases."""
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from portal.exports import get_exporter
from riskmgmt import services
from riskmgmt.models import Concern, MeasureKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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


def test_the_register_is_a_list_sheet_with_typed_dates_frozen_and_filtered(departments, staff):
    person = UserFactory(email="x@example.ac.jp", department=departments["mech"],
                         roles=["researcher"])
    case = services.case_open_or_join(researcher=person, concern=Concern.AWARENESS, reason="r")[0]
    services.measure_add(case=case, kind=MeasureKind.EXPORT_CONTROL, owner=staff,
                         due_date=dt.date(2020, 1, 1), actor=staff)
    _name, _mime, content = get_exporter("riskmgmt.register").render(
        {}, user=staff, progress=lambda *a: None)
    register, measures, _heat = load_workbook(io.BytesIO(content)).worksheets
    assert register.freeze_panes == "A2" and register.auto_filter.ref == "A1:P2"
    assert register["L2"].is_date and register["M2"].data_type == "n"
    assert measures["E2"].value == dt.datetime(2020, 1, 1)
    assert measures["A2"].fill.fgColor.rgb.endswith("F8D7DA")  # overdue
