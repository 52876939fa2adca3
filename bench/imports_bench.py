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
    """The header and lines up to ``size`` bytes (not over: the upload limit is 10 MB)."""
    parts, total, i = [header], len(header.encode()), 0
    while True:
        text = line(i)
        length = len(text.encode())
        if total + length > size:
            return "".join(parts).encode()
        parts.append(text)
        total += length
        i += 1


def _xlsx_until(size: int, header: list, row) -> bytes:
    """An xlsx of about ``size`` bytes: the rows per byte measured on a sample, then written
    (openpyxl's write-only mode, as an export would)."""
    from openpyxl import Workbook

    def build(n: int) -> bytes:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(header)
        for i in range(n):
            ws.append(row(i))
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    sample = 2_000
    per_row = len(build(sample)) / sample
    return build(int(size / per_row))


def _noise(i: int, n: int = 24) -> str:
    """Text that does not compress away (a workbook of 10 MB is then many rows, not millions)."""
    import hashlib

    return hashlib.sha256(str(i).encode()).hexdigest()[:n]


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
    if make == "roster_csv_50k_rows":  # the largest roster file that is not refused: every row checked
        return "portal.roster", "people", (ROSTER_HEADER + "".join(
            f"bench.ok{i}@example.ac.jp,山田,花子{i},Yamada,Hanako,C{i:07d},,{dept},researcher\n"
            for i in range(50_000))).encode(), {}
    if make == "roster_xlsx":
        return "portal.roster", "people", _xlsx_until(TEN_MB, ROSTER_HEADER.strip().split(","), lambda i: [
            f"bench.x{i}@example.ac.jp", "山田", f"花子{_noise(i)}", "Yamada", f"Hanako{_noise(-i)}",
            f"B{i:07d}", "", dept, "researcher"]), {}
    if make == "attendance_csv":
        return "awareness.attendance", "file", _until(TEN_MB, "email,staff_number,attended,completed_at,note\n",
                                                      lambda i: f"bench.a{i}@example.ac.jp,,yes,2026-04-01,{_noise(i)}\n"), {}
    if make == "attendance_xlsx":
        return "awareness.attendance", "file", _xlsx_until(TEN_MB, ["email", "staff_number", "attended",
                                                                    "completed_at", "note"], lambda i: [
            f"bench.a{i}@example.ac.jp", "", "yes", "2026-04-01", _noise(i, 64)]), {}
    if make == "screening_meti_xlsx":
        return "riskmgmt.screening", "file", _xlsx_until(TEN_MB, ["No.", "Country or Region", "Company or Organization",
                                                                  "Also Known As", "Type of WMD", "CW"], lambda i: [
            str(i + 1), "中国\nChina", f"Bench Organisation {_noise(i)}", f"Alias {_noise(-i)}", "核\nN", ""]), \
            {"format": "meti"}
    if make == "screening_csl_csv":
        return "riskmgmt.screening", "file", _until(TEN_MB, "_id,name,type,alt_names,addresses,programs,source\n", lambda i: (
            f"{i},Bench Organisation {_noise(i)},Entity,Alias {i},\"1 Road, Beijing, CN\",EAR,Entity List\n")), \
            {"format": "csl"}
    if make == "screening_csl_json":
        rows, total = [], 0
        while total < TEN_MB - 4096:
            rows.append(json.dumps({"id": str(len(rows)), "name": f"Bench Organisation {_noise(len(rows))}",
                                    "type": "Entity", "alt_names": [f"Alias {len(rows)}"],
                                    "addresses": [{"country": "CN"}], "programs": ["EAR"],
                                    "source": "Entity List"}))
            total += len(rows[-1]) + 2
        return "riskmgmt.screening", "file", ('{"results": [' + ",\n".join(rows) + "]}").encode(), \
            {"format": "csl_json"}
    if make == "screening_ftm_jsonl":
        return "riskmgmt.screening", "file", _until(TEN_MB, "", lambda i: json.dumps({
            "id": f"bench-{i}", "schema": "Company", "caption": f"Bench Organisation {_noise(i)}",
            "properties": {"name": [f"Bench Organisation {_noise(i)}"], "alias": [f"Alias {i}"],
                           "country": ["cn"], "topics": ["sanction"]}, "datasets": ["bench"]}) + "\n"), \
            {"format": "ftm"}
    if make == "followup_xlsx":
        return "followup.answers", "file", _xlsx_until(TEN_MB, ["機関コード", "機関名", "機関区分", "年度", "Q1", "Q2", "Q3",
                                                               "Q4", "Q5", "Q6", "Q7"], lambda i: [
            f"B{i:07d}", f"大学{_noise(i)}", "国立大学", 2024, 1, 1, 1, 1, 1, 1, 1]), {}
    if make == "orcid_json":
        groups, total = [], 0
        while total < TEN_MB - 4096:
            n = len(groups)
            groups.append({"summaries": [{"employment-summary": {
                "put-code": n, "department-name": f"Department {_noise(n)}", "role-title": "Professor",
                "start-date": {"year": {"value": "2020"}, "month": {"value": "04"}},
                "organization": {"name": f"University {_noise(-n)}", "address": {"country": "JP"}}}}]})
            total += len(json.dumps(groups[-1])) + 2
        return "disclosures.records", "file", json.dumps({
            "orcid-identifier": {"path": "0000-0002-1825-0097"},
            "activities-summary": {"employments": {"affiliation-group": groups}}}).encode(), {}
    if make == "orcid_xml":
        item = ('<employment:employment-summary put-code="%d"><common:department-name>Department %s'
                '</common:department-name><common:role-title>Professor</common:role-title>'
                '<common:start-date><common:year>2020</common:year></common:start-date>'
                '<common:organization><common:name>University %s</common:name><common:address>'
                '<common:country>JP</common:country></common:address></common:organization>'
                '</employment:employment-summary>')
        head = ('<?xml version="1.0" encoding="UTF-8"?><record:record '
                'xmlns:record="http://www.orcid.org/ns/record" xmlns:common="http://www.orcid.org/ns/common" '
                'xmlns:employment="http://www.orcid.org/ns/employment" '
                'xmlns:activities="http://www.orcid.org/ns/activities"><activities:activities-summary>'
                '<activities:employments>')
        body = _until(TEN_MB - 100, head, lambda i: "<activities:affiliation-group>" + item % (i, _noise(i), _noise(-i))
                      + "</activities:affiliation-group>")
        return "disclosures.records", "file", body + (b"</activities:employments></activities:activities-summary>"
                                                      b"</record:record>"), {}
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
    if kind_code == "awareness.attendance":  # the office records attendance, not the admin
        from bench.benchmarks import staff_email

        email = staff_email()
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
            if kind_code == "awareness.attendance":  # an activity of the office to import into
                import datetime as dt

                from followup.awareness.models import AwarenessActivity

                activity = AwarenessActivity.objects.create(
                    kind=AwarenessActivity._meta.get_field("kind").choices[0][0],
                    title="Bench training", date=dt.date(2026, 4, 1), fiscal_year=2026)
                ctx.params = {"activity": str(activity.public_id)}
            try:
                report = kind.check(ctx)
            except ApplicationError as exc:
                return {"outcome": "refused", "message": exc.message, "bytes": len(data)}
        outcome = "checked" if report.get("ok") else "row errors"
        first = (report.get("errors") or [None])[0] or (report.get("base_errors") or [None])[0]
        return {"outcome": outcome, "bytes": len(data), "first_error": str(first)[:200]}

    return work


UPLOADS = ["roster_csv", "roster_csv_50k_rows", "roster_xlsx", "roster_xlsx_bomb", "attendance_csv", "attendance_xlsx",
           "attendance_xlsx_bomb", "screening_csv", "screening_csl_csv", "screening_meti_xlsx",
           "screening_csl_json", "screening_ftm_jsonl", "followup_csv", "followup_xlsx",
           "researchmap_jsonl", "orcid_json", "orcid_xml"]


def _upload_benchmark(make: str):
    def run(b):
        result = b.child("import_check", make=make, email=admin_email())
        detail = {**result["info"], "baseline_rss_mb": round(result["baseline_rss_mb"], 1),
                  "peak_rss_mb": round(result["peak_rss_mb"], 1)}
        return [Figure(f"import_{make}_peak_memory", result["info"]["check_peak_mb"], "MB",
                       target("< 300 MB"), detail=detail),
                Figure(f"import_{make}_time", round(result["seconds"], 2), "s", detail=detail)]

    run.__doc__ = f"A 10 MB upload ({make}) through its import's check (tracemalloc peak)."
    return run


# One benchmark per upload (``--only import_roster_xlsx_bomb,...``): a slow one does not hide the
# figures of the others. Times are under tracemalloc (a few times slower than without).
for _make in UPLOADS:
    benchmark(f"import_{_make}", [f"import_{_make}_peak_memory", f"import_{_make}_time"])(
        _upload_benchmark(_make))


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
