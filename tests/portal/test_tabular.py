"""The one tabular reader: encodings read right or refused, limits checked while streaming."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from portal import tabular
from portal.tabular import TabularError


@pytest.fixture(autouse=True)
def _english():
    """The messages are matched in English (the Japanese ones are the catalogue's)."""
    from django.utils import translation

    with translation.override("en"):
        yield

PEOPLE = (
    "email,family_name,given_name,department_code\n"
    "hanako@example.ac.jp,山田,花子,工学部\n"
    "ken@example.ac.jp,森,健,理学部\n"
    "aiko@example.ac.jp,佐藤,愛子,文学部\n"
    "taro@example.ac.jp,鈴木,太郎,医学部\n"
    "jiro@example.ac.jp,高橋,次郎,工学部\n"
)


def _rows(data: bytes, **kwargs):
    return [r.cells for r in tabular.read_rows(data, **kwargs)]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis", "euc_jp",
                                      "utf-16"])
def test_a_roster_in_each_japanese_encoding_reads_as_written(encoding):
    rows = _rows(PEOPLE.encode(encoding))
    assert rows[1] == ("hanako@example.ac.jp", "山田", "花子", "工学部")


def test_euc_jp_is_never_read_as_halfwidth_katakana():
    rows = _rows(PEOPLE.encode("euc_jp"))
    assert "ｻｳﾅﾄｲﾖｻﾒ" not in "".join(rows[1])


def test_a_short_file_that_reads_as_both_shift_jis_and_euc_jp_is_refused():
    data = "山田花子\n".encode("euc_jp")  # also valid CP932: ｻｳﾅﾄｲﾖｻﾒ
    with pytest.raises(TabularError, match="Shift_JIS or EUC-JP"):
        _rows(data)


def test_halfwidth_katakana_shift_jis_reads_as_written():
    rows = _rows("氏名,カナ\n山田,ﾔﾏﾀﾞ ﾊﾅｺ\n".encode("cp932"))
    assert rows[1] == ("山田", "ﾔﾏﾀﾞ ﾊﾅｺ")


def test_bytes_of_no_japanese_encoding_are_refused_with_their_line():
    data = b"name\nok\n" + b"\xff\xfe\xfa\xfb\x80\n"
    with pytest.raises(TabularError) as info:
        _rows(data)
    assert info.value.line == 3


def test_a_tsv_is_split_on_tabs():
    assert _rows("email\tname\na@example.ac.jp\t山田\n".encode())[1] == ("a@example.ac.jp", "山田")


def test_a_quoted_cell_over_two_lines_keeps_the_line_where_the_row_starts():
    data = b'name,note\n"a","line one\nline two"\nb,x\n'
    assert [r.line for r in tabular.read_rows(data)] == [1, 2, 4]


def test_rows_over_the_limit_are_refused_at_the_first_extra_line():
    data = ("email\n" + "".join(f"u{i}@example.ac.jp\n" for i in range(20))).encode()
    with pytest.raises(TabularError) as info:
        _rows(data, max_rows=10)
    assert info.value.line == 12


def test_a_cell_longer_than_the_limit_is_refused_with_its_line():
    data = ("name\nok\n" + "x" * (tabular.MAX_CELL_CHARS + 1) + "\n").encode()
    with pytest.raises(TabularError) as info:
        _rows(data)
    assert info.value.line == 3


def test_an_xlsx_reads_its_first_sheet():
    rows = _rows(_xlsx([["email", "family_name"], ["a@example.ac.jp", "山田"], [None, None],
                        ["b@example.ac.jp", "森"]]))
    assert rows == [("email", "family_name"), ("a@example.ac.jp", "山田"),
                    ("b@example.ac.jp", "森")]


def test_an_xlsx_row_reports_its_excel_row_number():
    lines = [r.line for r in tabular.read_rows(_xlsx([["email"], [None], ["a@example.ac.jp"]]))]
    assert lines == [1, 3]


def _million_row_xlsx(dimension="A1:A1000000") -> bytes:
    """A small zip whose sheet declares and holds a million rows (the decompression finding)."""
    buffer = io.BytesIO()
    sheet_head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  f'<dimension ref="{dimension}"/><sheetData>')
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        source = zipfile.ZipFile(io.BytesIO(_xlsx([["email"]])))
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zf.writestr(info, source.read(info))
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(sheet_head.encode())
            row = '<row r="%d"><c r="A%d" t="inlineStr"><is><t>a@example.ac.jp</t></is></c></row>'
            for start in range(1, 1_000_001, 10_000):
                fh.write("".join(row % (i, i) for i in range(start, start + 10_000)).encode())
            fh.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_a_million_row_xlsx_is_refused_before_its_rows_are_read():
    with pytest.raises(TabularError, match="1000000 rows"):
        _rows(_million_row_xlsx())


def test_an_xlsx_that_hides_its_size_is_stopped_while_streaming():
    data = _million_row_xlsx(dimension="A1:A1")  # a lying dimension
    with pytest.raises(TabularError) as info:
        _rows(data, max_rows=100)
    assert info.value.line == 102


def test_an_xlsx_expanding_beyond_the_limit_is_refused_from_its_zip_directory(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_XLSX_EXPANDED_BYTES", 1000)
    with pytest.raises(TabularError, match="expands"):
        _rows(_xlsx([["email"], ["a@example.ac.jp"]]))


def test_a_zip_without_a_workbook_part_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    with pytest.raises(TabularError, match="without a workbook part"):
        _rows(buffer.getvalue())


def test_a_broken_zip_is_refused():
    with pytest.raises(TabularError, match="not a readable Excel workbook"):
        _rows(b"PK\x03\x04" + b"\x00" * 100)


def test_an_xlsx_is_refused_where_only_csv_is_taken():
    with pytest.raises(TabularError, match="takes CSV"):
        _rows(_xlsx([["name"]]), allowed=(tabular.CSV,))


def test_a_binary_file_is_refused():
    with pytest.raises(TabularError, match="neither an Excel workbook"):
        _rows(b"MZ\x90\x00\x03\x00\x00\x00")


def test_read_table_gives_the_header_and_streams_the_rest():
    table = tabular.read_table("Email,Name\na@example.ac.jp,山田\n".encode("cp932"))
    assert (table.header, [r.cells for r in table.rows]) == (["email", "name"],
                                                             [("a@example.ac.jp", "山田")])
