"""Benchmarks of the import pipeline (issue 14): every import refuses or reads a 10 MB upload
with a peak under 300 MB, a decompression bomb is refused early, and the 50,000-row roster dry
run stays under a minute.

Each file is built in the child process before the measurement starts; the measured work is the
pipeline's *check* step of the import (``ImportKind.check``) on those bytes, inside a transaction
rolled back afterwards. The peak memory figure is the check's own: the peak of Python
allocations while it runs (tracemalloc), the file's bytes included; the process's resident
high-water mark (which also holds Django and the building of the test file) is in the detail.
"""

from __future__ import annotations

import io
import json
import zipfile

from bench.benchmarks import admin_email, rolled_back
from bench.measure import Figure, target
from bench.run import benchmark, child_job

TEN_MB = 10 * 1024 * 1024
ROSTER_HEADER = ("email,family_name,given_name,family_name_en,given_name_en,employee_number,"
                 "researcher_number,department_code,roles\n")


def _until(size: int, header: str, line) -> bytes:
    parts, total, i = [header], len(header.encode()), 0
    while total < size:
        text = line(i)
        parts.append(text)
        total += len(text.encode())
        i += 1
    return "".join(parts).encode()


def _department_code() -> str:
    from portal.models import Department

    department = Department.objects.order_by("pk").first()
    return department.code if department else "ENG"


def _xlsx_bomb(rows: int = 1_000_000) -> bytes:
    """A zip of a few hundred KB whose sheet holds (and declares) a million rows."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["email"])
    plain = io.BytesIO()
    wb.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zf.writestr(info, source.read(info))
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
                      '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension '
                      f'ref="A1:A{rows}"/><sheetData>').encode())
            row = '<row r="%d"><c r="A%d" t="inlineStr"><is><t>a@example.ac.jp</t></is></c></row>'
            for start in range(1, rows + 1, 10_000):
                fh.write("".join(row % (i, i) for i in range(start, min(start + 10_000, rows + 1)))
                         .encode())
            fh.write(b"</sheetData></worksheet>")
    return out.getvalue()


def _file(make: str) -> tuple[str, str, bytes, dict]:
    """(import kind, role, bytes, params) of a hostile or large upload."""
    dept = _department_code()
    if make == "roster_csv":
        return "portal.roster", "people", _until(TEN_MB, ROSTER_HEADER, lambda i: (
            f"bench.import{i}@example.ac.jp,山田,花子{i},Yamada,Hanako,B{i:07d},,{dept},researcher\n")), {}
    if make == "roster_xlsx_bomb":
        return "portal.roster", "people", _xlsx_bomb(), {}
    if make == "attendance_xlsx_bomb":
        return "awareness.attendance", "file", _xlsx_bomb(), {}
    if make == "screening_csv":
        return "riskmgmt.screening", "file", _until(TEN_MB, "name,aliases,country,source,note\n", lambda i: (
            f"Bench Organisation {i},Alias {i};別名{i},CN,bench,\n")), {"format": "generic"}
    if make == "followup_csv":
        return "followup.answers", "file", _until(TEN_MB, "機関コード,機関名,機関区分,年度,Q1,Q2,Q3,Q4,Q5,Q6,Q7\n",
                                                  lambda i: f"B{i:07d},大学{i},国立大学,2024,1,1,1,1,1,1,1\n"), {}
    if make == "researchmap_jsonl":
        return "disclosures.records", "file", _until(TEN_MB, "", lambda i: json.dumps({
            "insert": {"type": "research_experience", "id": str(i), "user_id": "R0001"},
            "merge": {"affiliation": {"ja": f"大学{i}"}, "job": {"ja": "教授"},
                      "from_date": "2020-04", "to_date": "9999"}}, ensure_ascii=False) + "\n"), {}
    raise ValueError(make)


@child_job("import_check")
def import_check_job(*, make: str, email: str):
    from portal import imports
    from portal.errors import ApplicationError
    from portal.models import User

    kind_code, role, data, params = _file(make)
    user = User.objects.get(email=email)
    kind = imports.get_kind(kind_code)

    def work():
        import tracemalloc

        tracemalloc.start()
        try:
            info = check()
            info["check_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        finally:
            tracemalloc.stop()
        return info

    def check():
        ctx = imports.ImportContext(upload=None, user=user, files={role: data},
                                    names={role: f"bench.{make}"}, params=params)
        with rolled_back():
            if kind_code == "awareness.attendance":  # needs an activity: read the file only
                from django.core.files.base import ContentFile

                from followup.awareness.resources import read_dataset

                try:
                    read_dataset(ContentFile(data, name="bench.xlsx"))
                except ApplicationError as exc:
                    return {"outcome": "refused", "message": exc.message, "bytes": len(data)}
                return {"outcome": "read", "bytes": len(data)}
            try:
                report = kind.check(ctx)
            except ApplicationError as exc:
                return {"outcome": "refused", "message": exc.message, "bytes": len(data)}
        return {"outcome": "checked" if report.get("ok") else "row errors", "bytes": len(data)}

    return work


UPLOADS = ["roster_csv", "roster_xlsx_bomb", "attendance_xlsx_bomb", "screening_csv",
           "followup_csv", "researchmap_jsonl"]


@benchmark("imports_10mb", [f"import_{m}_peak_memory" for m in UPLOADS]
           + [f"import_{m}_time" for m in UPLOADS])
def imports_10mb(b):
    """A 10 MB upload of each kind (or a 300 KB bomb of a million rows) through its check."""
    figures = []
    for make in UPLOADS:
        result = b.child("import_check", make=make, email=admin_email())
        detail = {**result["info"], "baseline_rss_mb": round(result["baseline_rss_mb"], 1),
                  "peak_rss_mb": round(result["peak_rss_mb"], 1)}
        figures.append(Figure(f"import_{make}_peak_memory", result["info"]["check_peak_mb"], "MB",
                              target("< 300 MB"), detail=detail))
        figures.append(Figure(f"import_{make}_time", round(result["seconds"], 2), "s",
                              detail=detail))
    return figures


@child_job("roster_dry_run")
def roster_dry_run_job(*, rows: int, email: str):
    from portal import roster
    from portal.models import User

    user = User.objects.get(email=email)
    dept = _department_code()
    data = (ROSTER_HEADER + "".join(
        f"bench.dry{i}@example.ac.jp,山田,花子{i},Yamada,Hanako,D{i:07d},,{dept},researcher\n"
        for i in range(rows))).encode()

    def work():
        with rolled_back():
            report = roster.roster_run(user=user, files={"people": data},
                                       names={"people": "bench.csv"}, dry_run=True)
        return {"rows": rows, "ok": report.ok, "errors": report.error_count}

    return work


@benchmark("roster_dry_run", ["roster_dry_run_50k_time", "roster_dry_run_50k_peak_memory"])
def roster_dry_run(b):
    """The dry run of a 50,000-row people file (was 364 s)."""
    result = b.child("roster_dry_run", rows=50_000, email=admin_email())
    info = result["info"]
    return [
        Figure("roster_dry_run_50k_time", round(result["seconds"], 2), "s", target("< 60 s"),
               detail=info),
        Figure("roster_dry_run_50k_peak_memory", round(result["peak_rss_mb"], 1), "MB",
               detail=info),
    ]
