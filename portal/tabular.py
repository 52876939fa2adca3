"""The one reader of tabular uploads (CSV, TSV, Excel .xlsx) behind every import.

Every import that takes a table (roster, screening lists, attendance, follow-up answers) reads it
here, so encodings, limits and error messages are the same everywhere:

* **Format** is decided from the content (a zip container is a workbook, text is CSV/TSV) and
  must agree with the allowed formats of the import; TSV is a ``.tsv``/``.txt`` name or a header
  line with tabs and no commas.
* **Encoding** of text files: a UTF-8 (or UTF-16) byte-order mark decides; otherwise valid UTF-8
  is UTF-8. Failing that, charset-normalizer weighs the two legacy Japanese encodings, CP932
  (Windows' Shift_JIS) and EUC-JP. When only one reads the file, it is used; when both read it
  and charset-normalizer cannot tell them apart (it cannot on short files), the file is EUC-JP
  only if its CP932 reading has many runs of half-width katakana (the shape of EUC-JP bytes read
  as CP932: 山田花子 → ｻｳﾅﾄｲﾖｻﾒ) while its EUC-JP reading is made of ordinary JIS X 0208 text
  (kana, symbols, first-level kanji); otherwise the file is **refused** as ambiguous, asking for UTF-8.
  A file is never decoded with a fallback that turns it into other characters.
* **Limits** are checked while streaming, before anything big is built: an xlsx's zip directory
  (the declared uncompressed sizes, which :mod:`zipfile` also enforces while reading) and the
  sheet's declared dimension are checked before its first row is read; rows are counted as they
  are read and the reader stops at the first row over the limit. A whole sheet is never held in
  memory (openpyxl read-only mode, rows yielded one by one).
* **Every error** carries the line of the file (the row number in Excel, the physical line of
  a CSV record: a quoted cell may span lines) and is a :class:`TabularError`, an
  :class:`~portal.errors.ApplicationError` shown to the person as is.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.errors import ApplicationError

CSV, TSV, XLSX = "csv", "tsv", "xlsx"
TEXT_FORMATS = (CSV, TSV)

#: Rows of data (not counting blank rows and the header) an import may have.
MAX_ROWS = 50_000
MAX_COLUMNS = 64
#: A cell of a CSV file (characters); csv's own default is 128 KiB.
MAX_CELL_CHARS = 32_768
#: Everything an xlsx expands to (the zip's declared uncompressed sizes, all parts together),
#: and the shared-strings part alone (openpyxl holds it in memory).
MAX_XLSX_EXPANDED_BYTES = 128 * 1024 * 1024
MAX_XLSX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
MAX_XLSX_PARTS = 2_000
#: Blank lines are skipped but still bounded (a file of a million empty rows is refused).
BLANK_ROWS_ALLOWED = 10_000

LEGACY_ENCODINGS = ("cp932", "euc_jp")
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "utf-16": "UTF-16",
                   "cp932": "Shift_JIS (CP932)", "euc_jp": "EUC-JP"}


class TabularError(ApplicationError):
    """A file that cannot be read as a table; ``line`` is the file's line (0: the whole file)."""

    def __init__(self, message: str, *, line: int = 0):
        self.detail = message  # without the line, for a report that has a column for it
        if line:
            message = _("Line %(line)s: %(message)s") % {"line": line, "message": message}
        super().__init__(message, field="file", extra={"line": line})
        self.line = line


@dataclass(frozen=True)
class Row:
    """One non-blank row: its line in the file and its cells (text, or Excel's typed values)."""

    line: int
    cells: tuple


def cell_text(value) -> str:
    """A cell as stripped text (Excel's 1001.0 for a numeric cell becomes ``1001``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- Format ----------------------------------------------------------------------------------


def sniff_format(data: bytes, *, name: str = "", allowed=(CSV, TSV, XLSX)) -> str:
    """``csv``, ``tsv`` or ``xlsx`` from the content (the name only tells CSV from TSV)."""
    if not data:
        raise TabularError(_("The file is empty."))
    lowered = (name or "").lower()
    if data.startswith(b"PK\x03\x04"):
        fmt = XLSX
    elif data.startswith((b"\xd0\xcf\x11\xe0", b"%PDF")) or (
            b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE,
                                                            codecs.BOM_UTF16_BE))):
        raise TabularError(_("The file is neither an Excel workbook (.xlsx) nor CSV text. "
                             "Old .xls workbooks must be saved as .xlsx or CSV."))
    elif lowered.endswith((".tsv", ".txt")):
        fmt = TSV
    else:
        first = data[:4096].split(b"\n", 1)[0]
        fmt = TSV if b"\t" in first and b"," not in first else CSV
    if fmt not in allowed:
        if fmt == XLSX:
            raise TabularError(_("An Excel workbook was uploaded but this import takes CSV."))
        raise TabularError(_("This import takes an Excel workbook (.xlsx), not text."))
    return fmt


# --- Encoding --------------------------------------------------------------------------------


def _first_bad_line(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


#: What no Japanese text file holds: C1 controls and the private-use area (CP932 maps its
#: user-defined and unassigned bytes there).
_UNUSED = re.compile("[\x80-\x9f\ue000-\uf8ff]")
_HALFWIDTH_RUN = re.compile("[\uff61-\uff9f]+")
#: Runs of half-width katakana in the CP932 reading needed to call a file EUC-JP. Genuine
#: half-width Shift_JIS reads as EUC-JP only when every run has an even length (a chance of one
#: in 2**runs), so a file with fewer runs stays ambiguous and is refused.
EUC_MIN_RUNS = 8


def _is_halfwidth_kana(ch: str) -> bool:
    return "\uff61" <= ch <= "\uff9f"


def _plain_jis(text: str) -> bool:
    """Every non-ASCII character is JIS X 0208 rows 1–47: symbols, kana, first-level kanji."""
    for ch in text:
        if ch < "\x80":
            continue
        try:
            lead = ch.encode("euc_jp")
        except UnicodeEncodeError:
            return False
        if len(lead) != 2 or lead[0] > 0xCF:
            return False
    return True


def detect_encoding(data: bytes) -> str:
    """The codec of a text file, or TabularError (undecodable or ambiguous)."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # Excel's "Unicode text" (TSV)
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            utf8_error = exc
        else:
            return "utf-8"
        return _legacy_encoding(data, utf8_error)
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TabularError(_("The file starts as %(encoding)s but is not valid %(encoding)s "
                             "text.") % {"encoding": ENCODING_LABELS[encoding]},
                           line=_first_bad_line(data, exc.start)) from None
    return encoding


def _legacy_encoding(data: bytes, utf8_error: UnicodeDecodeError) -> str:
    import charset_normalizer

    readings = {}
    for encoding in LEGACY_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _UNUSED.search(text):
            readings[encoding] = text
    if not readings:
        raise TabularError(
            _("The file is not UTF-8, Shift_JIS or EUC-JP text. Save it as “CSV UTF-8” and "
              "upload it again."), line=_first_bad_line(data, utf8_error.start))
    if len(readings) == 1:
        return next(iter(readings))
    matches = charset_normalizer.from_bytes(data, cp_isolation=list(readings),
                                            preemptive_behaviour=False)
    chaos = {m.encoding: m.chaos for m in matches if m.encoding in readings}
    if len(chaos) == 2 and abs(chaos["cp932"] - chaos["euc_jp"]) >= 0.1:
        return min(chaos, key=chaos.get)
    if len(chaos) == 1:
        return next(iter(chaos))
    as_cp932, as_euc = readings["cp932"], readings["euc_jp"]
    if len(_HALFWIDTH_RUN.findall(as_cp932)) >= EUC_MIN_RUNS \
            and not any(map(_is_halfwidth_kana, as_euc)) and _plain_jis(as_euc):
        return "euc_jp"
    raise TabularError(
        _("The file could be Shift_JIS or EUC-JP text and they would read differently. Save it "
          "as “CSV UTF-8” and upload it again."))


# --- Reading ---------------------------------------------------------------------------------


def read_rows(data: bytes, *, name: str = "", allowed=(CSV, TSV, XLSX), max_rows: int = MAX_ROWS,
              max_columns: int = MAX_COLUMNS) -> Iterator[Row]:
    """The non-blank rows of the file, header included, streamed; TabularError on the first
    problem (the rows before it have been yielded)."""
    fmt = sniff_format(data, name=name, allowed=allowed)
    if fmt == XLSX:
        rows = _xlsx_rows(data, max_rows=max_rows, max_columns=max_columns)
    else:
        rows = _text_rows(data, fmt=fmt, max_columns=max_columns)
    yield from _bounded(rows, max_rows=max_rows)


def _bounded(rows, *, max_rows: int) -> Iterator[Row]:
    count = blank = 0
    for line, cells in rows:
        if not any(cell_text(c) for c in cells):
            blank += 1
            if blank > BLANK_ROWS_ALLOWED:
                raise TabularError(_("The file has more than %(n)s blank rows.")
                                   % {"n": BLANK_ROWS_ALLOWED}, line=line)
            continue
        count += 1
        if count > max_rows + 1:  # + the header
            raise TabularError(_("The file has more than %(max)s rows; split it into smaller "
                                 "files.") % {"max": max_rows}, line=line)
        yield Row(line=line, cells=tuple(cells))


def _text_rows(data: bytes, *, fmt: str, max_columns: int):
    encoding = detect_encoding(data)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    csv.field_size_limit(MAX_CELL_CHARS)
    reader = csv.reader(stream, delimiter="\t" if fmt == TSV else ",", strict=False)
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger" in str(exc):
                raise TabularError(_("A cell is longer than %(n)s characters.")
                                   % {"n": MAX_CELL_CHARS}, line=line) from None
            raise TabularError(_("The line cannot be read as CSV (%(error)s).")
                               % {"error": exc}, line=line) from None
        if len(record) > max_columns:
            raise TabularError(_("The line has more than %(n)s cells.") % {"n": max_columns},
                               line=line)
        if line == 1 and record:
            record[0] = record[0].lstrip("\ufeff")
        yield line, [c.strip() for c in record]


def check_xlsx_container(data: bytes) -> None:
    """Refuse a zip that is not a workbook, or expands beyond the limits, before opening it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TabularError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    if len(infos) > MAX_XLSX_PARTS:
        raise TabularError(_("The workbook has too many parts to be a table."))
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(
            n.startswith("xl/") and n.endswith("workbook.xml") for n in names):
        raise TabularError(_("The file is a zip archive without a workbook part: it is not an "
                             "Excel workbook (.xlsx)."))
    expanded = sum(info.file_size for info in infos)
    shared = sum(info.file_size for info in infos if "sharedstrings" in info.filename.lower())
    if expanded > MAX_XLSX_EXPANDED_BYTES or shared > MAX_XLSX_SHARED_STRINGS_BYTES:
        raise TabularError(_("The workbook expands to %(size)s MB of data, more than a table "
                             "this import can take (%(max)s MB).")
                           % {"size": expanded // (1024 * 1024),
                              "max": MAX_XLSX_EXPANDED_BYTES // (1024 * 1024)})


def _xlsx_rows(data: bytes, *, max_rows: int, max_columns: int):
    check_xlsx_container(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken workbook  # noqa: BLE001
        raise TabularError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    try:
        if not workbook.worksheets:
            raise TabularError(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        declared_rows = sheet.max_row
        if declared_rows is not None and declared_rows > max_rows + 1 + BLANK_ROWS_ALLOWED:
            raise TabularError(_("The sheet has %(rows)s rows, more than %(max)s; split it into "
                                 "smaller files.") % {"rows": declared_rows, "max": max_rows})
        # The declared dimension was only a first check: openpyxl would stop at the declared
        # last row and pad every row to the declared width, so the rows are read as they are.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        line = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                break
            except TabularError:
                raise
            except Exception:  # a broken sheet part  # noqa: BLE001
                raise TabularError(_("The sheet cannot be read."), line=line + 1) from None
            line += 1
            cells = [v.strip() if isinstance(v, str) else v for v in values]
            while cells and cells[-1] in (None, ""):
                cells.pop()
            if len(cells) > max_columns:
                raise TabularError(_("The row has more than %(n)s cells.") % {"n": max_columns},
                                   line=line)
            yield line, cells
    finally:
        workbook.close()


# --- A table with a header -------------------------------------------------------------------


@dataclass
class Table:
    """The header (lower-cased, stripped names) and the rows after it, streamed."""

    header: list[str]
    header_line: int
    rows: Iterator[Row]
    format: str


def read_table(data: bytes, *, name: str = "", allowed=(CSV, TSV, XLSX),
               max_rows: int = MAX_ROWS, max_columns: int = MAX_COLUMNS,
               normalise=lambda h: h.lower()) -> Table:
    """The first non-blank row as the header, the rest streamed (see :func:`read_rows`)."""
    fmt = sniff_format(data, name=name, allowed=allowed)
    rows = read_rows(data, name=name, allowed=allowed, max_rows=max_rows,
                     max_columns=max_columns)
    try:
        first = next(rows)
    except StopIteration:
        raise TabularError(_("The file is empty.")) from None
    header = [normalise(cell_text(c)) for c in first.cells]
    while header and not header[-1]:
        header.pop()
    return Table(header=header, header_line=first.line, rows=rows, format=fmt)
