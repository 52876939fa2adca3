"""The one upload check (portal.uploads): type decided by parsing, hostile files refused, names
sanitised with the detected extension, size limited; downloads always attachments."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import uploads
from portal.errors import ValidationFailed
from tests import files

pytestmark = pytest.mark.django_db

ALL = set(uploads.EXTENSIONS)


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def check(name, data, allowed=ALL):
    return uploads.check_upload(upload(name, data), allowed=allowed, message="refused")


def test_a_pdf_that_opens_is_a_pdf():
    assert check("report.pdf", files.PDF).mimetype == uploads.PDF


def test_a_pdf_header_without_a_pdf_behind_it_is_refused():
    with pytest.raises(ValidationFailed):
        check("report.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def test_an_executable_carrying_a_pdf_in_its_first_kib_is_refused():
    with pytest.raises(ValidationFailed):
        check("invoice.pdf.exe", files.EXE_PDF_POLYGLOT)


def test_a_pdf_after_junk_is_not_taken_for_a_pdf():
    with pytest.raises(ValidationFailed):
        check("invoice.pdf", b"junk" * 10 + files.PDF, allowed={uploads.PDF})


def test_an_html_file_with_a_script_is_refused_even_where_text_is_allowed():
    with pytest.raises(ValidationFailed):
        check("list.csv", files.HTML)


def test_an_svg_is_refused():
    with pytest.raises(ValidationFailed):
        check("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                          b"<script>alert(1)</script></svg>")


@pytest.mark.parametrize(("fmt", "mimetype"), [("PNG", uploads.PNG), ("JPEG", uploads.JPEG),
                                                ("GIF", uploads.GIF), ("WEBP", uploads.WEBP)])
def test_an_image_that_decodes_is_its_format(fmt, mimetype):
    assert check("picture.bin", files.image_bytes(fmt)).mimetype == mimetype


def test_an_image_header_that_does_not_decode_is_refused():
    with pytest.raises(ValidationFailed):
        check("picture.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)


def test_an_image_of_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 10)
    with pytest.raises(ValidationFailed):
        check("bomb.png", files.image_bytes("PNG", (5, 5)))


def test_an_xlsx_is_a_workbook_by_its_content_types():
    assert check("book.xlsx", files.xlsx_bytes()).mimetype == uploads.XLSX


def test_a_zip_without_a_workbook_part_is_refused():
    with pytest.raises(ValidationFailed):
        check("book.xlsx", files.zip_bytes({"a.txt": b"hello"}))


def test_a_macro_enabled_workbook_is_refused():
    content_types = (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
        b'vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>')
    data = files.zip_bytes({"[Content_Types].xml": content_types, "xl/workbook.xml": b"<x/>"})
    with pytest.raises(ValidationFailed):
        check("book.xlsx", data)


def test_a_docx_is_a_document_by_its_content_types():
    content_types = (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    data = files.zip_bytes({"[Content_Types].xml": content_types, "word/document.xml": b"<w/>"})
    assert check("letter.docx", data).mimetype == uploads.DOCX


def test_csv_is_text():
    assert check("list.csv", "氏名,所属\n山田,工学部\n".encode("cp932")).mimetype == uploads.CSV


# Text is decided as every import decides it (portal.tabular.detect_encoding): one decision.
ROSTER_JA = ("氏名,所属,役職\n山田花子,工学研究科,教授\n佐藤太郎,理学研究科,准教授\n"
             "鈴木一郎,医学研究科,講師\n高橋次郎,農学研究科,助教\n田中三郎,文学研究科,教授\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "euc_jp"])
def test_japanese_text_in_each_encoding_the_imports_read_is_csv(encoding):
    assert check("list.csv", ROSTER_JA.encode(encoding)).mimetype == uploads.CSV


def test_a_short_text_that_reads_differently_as_shift_jis_and_euc_jp_is_refused():
    with pytest.raises(ValidationFailed):
        check("list.csv", "山田花子\n".encode("euc_jp"))  # as CP932: ｻｳﾅﾄｲﾖｻﾒ


def test_bytes_that_only_a_fallback_would_turn_into_characters_are_not_csv():
    with pytest.raises(ValidationFailed):
        check("list.csv", b"name,note\nabc,\x80\xa0\xfd\xfe\n")


def test_utf8_text_longer_than_the_first_64_kib_is_csv_even_where_the_head_cuts_a_character():
    data = ("a," + "山" * 40_000 + "\n").encode()  # 120 KB: 64 KiB falls inside a character
    assert check("list.csv", data).mimetype == uploads.CSV


def test_binary_is_not_csv():
    with pytest.raises(ValidationFailed):
        check("list.csv", b"a,b\x00\x01\x02")


def test_only_the_allowed_types_pass():
    with pytest.raises(ValidationFailed):
        check("picture.png", files.PNG, allowed={uploads.PDF})


def test_the_size_is_limited(settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationFailed):
        check("report.pdf", files.PDF)


@pytest.mark.parametrize(("name", "mimetype", "expected"), [
    ("invoice.pdf.exe", uploads.PNG, "invoice.png"),
    ("../../etc/passwd", uploads.PDF, "passwd.pdf"),
    ("C:\\Users\\x\\兼業許可書.PDF", uploads.PDF, "兼業許可書.pdf"),
    ('a<b>:"c|?*.jpeg', uploads.JPEG, "a_b___c.jpg"),
    ("\x00\x1f.pdf", uploads.PDF, "file.pdf"),
    ("", uploads.PDF, "file.pdf"),
])
def test_the_stored_name_is_sanitised_with_the_detected_extension(name, mimetype, expected):
    assert uploads.safe_name(name, mimetype) == expected


def test_the_stored_name_is_bounded():
    assert len(uploads.safe_name("あ" * 500 + ".pdf", uploads.PDF)) == 100


# --- every upload field uses it, every download is an attachment ---------------------------

def test_disclosure_attachment_refuses_the_polyglot(researcher):
    from disclosures import services
    from disclosures.models import Attachment
    from tests.disclosures.factories import draft_for

    draft = draft_for(researcher)
    with pytest.raises(ValidationFailed):
        services.attachment_add(version=draft, actor=researcher,
                                uploaded_file=upload("invoice.pdf.exe", files.EXE_PDF_POLYGLOT))
    assert not Attachment.objects.filter(version=draft).exists()


def test_disclosure_attachment_is_stored_under_the_detected_extension(researcher):
    from disclosures import services
    from tests.disclosures.factories import draft_for

    attachment = services.attachment_add(version=draft_for(researcher), actor=researcher,
                                         uploaded_file=upload("scan.pdf.exe", files.PNG))
    assert attachment.original_name == "scan.png"


def test_disclosure_attachment_download_is_an_attachment_not_sniffed(client_as, researcher):
    from disclosures import services
    from tests.disclosures.factories import draft_for

    attachment = services.attachment_add(version=draft_for(researcher), actor=researcher,
                                         uploaded_file=upload("a.pdf", files.PDF))
    response = client_as(researcher).get(
        reverse("disclosures:attachment_download", args=[attachment.public_id]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_awareness_material_refuses_html(staff):
    from followup.awareness import services
    from tests.awareness.factories import ActivityFactory

    with pytest.raises(ValidationFailed):
        services.material_add(actor=staff, activity=ActivityFactory(),
                              upload=upload("slides.pdf", files.HTML))


@pytest.mark.parametrize("data", [files.PDF, files.PNG])
def test_awareness_material_download_is_an_attachment_not_inline(client_as, staff, data):
    from followup.awareness import services
    from tests.awareness.factories import ActivityFactory

    material = services.material_add(actor=staff, activity=ActivityFactory(),
                                     upload=upload("slides", data))
    response = client_as(staff).get(f"/awareness/materials/{material.pk}/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_regulation_document_refuses_the_polyglot(admin_user):
    from followup import services
    from followup.models import RegulationDocument

    with pytest.raises(ValidationFailed):
        services.regulation_upload(title="規程", kind=RegulationDocument.Kind.choices[0][0],
                                   enacted_on=dt.date(2024, 4, 1), revised_on=None,
                                   upload=upload("invoice.pdf.exe", files.EXE_PDF_POLYGLOT),
                                   actor=admin_user)
    assert not RegulationDocument.objects.exists()


def test_regulation_download_is_an_attachment_not_sniffed(client_as, admin_user):
    from followup import services
    from followup.models import RegulationDocument

    doc = services.regulation_upload(title="規程", kind=RegulationDocument.Kind.choices[0][0],
                                     enacted_on=dt.date(2024, 4, 1), revised_on=None,
                                     upload=upload("規程.pdf", files.PDF), actor=admin_user)
    response = client_as(admin_user).get(
        reverse("followup:regulation_download", args=[doc.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
