"""Requests for information: answers with attachments, and the thread both sides re-read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import AuditEntry
from portal.notifications.models import Notification
from riskmgmt import services
from riskmgmt.models import Case, InformationRequest, RequestAttachment
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


def _case(researcher):
    return Case.objects.create(reference="RC-0001", researcher=researcher, concern="other",
                               title="Test case", department=researcher.department)


def _ask(researcher, staff, question="契約書の写しを添付してください"):
    case = Case.objects.filter(researcher=researcher).first() or _case(researcher)
    return services.information_request_ask(case=case, question=question, actor=staff)


def _pdf(name="contract.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def _answer(client, req, answer="添付しました", **files):
    return client.post(reverse("riskmgmt:my_request_detail", args=[req.public_id]),
                       {"answer": answer, **files})


def test_the_researcher_answers_with_a_file_and_the_staff_are_told(client_as, researcher,
                                                                   staff):
    req = _ask(researcher, staff)
    response = _answer(client_as(researcher), req, attachment=_pdf())
    assert response.status_code == 302
    [attachment] = RequestAttachment.objects.filter(request=req)
    assert attachment.original_name == "contract.pdf" and attachment.mimetype == "application/pdf"
    assert Notification.objects.filter(recipient=staff, kind="information_answered").count() == 1


def test_staff_see_and_download_the_file_from_the_case_page(client_as, researcher, staff):
    req = _ask(researcher, staff)
    _answer(client_as(researcher), req, attachment=_pdf())
    attachment = RequestAttachment.objects.get(request=req)
    client = client_as(staff)
    page = client.get(reverse("riskmgmt:case_detail", args=[req.case.public_id])).content.decode()
    url = reverse("riskmgmt:request_attachment", args=[attachment.public_id])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.filter(action="riskmgmt.request.attachment_downloaded").count() == 1


def test_another_researcher_cannot_download_the_file(client_as, researcher, other_researcher,
                                                     staff):
    req = _ask(researcher, staff)
    _answer(client_as(researcher), req, attachment=_pdf())
    attachment = RequestAttachment.objects.get(request=req)
    url = reverse("riskmgmt:request_attachment", args=[attachment.public_id])
    assert client_as(other_researcher).get(url).status_code == 404


def test_the_researcher_downloads_their_own_file(client_as, researcher, staff):
    req = _ask(researcher, staff)
    client = client_as(researcher)
    _answer(client, req, attachment=_pdf())
    attachment = RequestAttachment.objects.get(request=req)
    url = reverse("riskmgmt:request_attachment", args=[attachment.public_id])
    assert client.get(url).status_code == 200


def test_an_executable_named_pdf_is_refused_and_nothing_is_answered(client_as, researcher,
                                                                    staff):
    req = _ask(researcher, staff)
    fake = SimpleUploadedFile("contract.pdf", b"MZ\x90\x00" + b"\x00" * 200,
                              content_type="application/pdf")
    response = _answer(client_as(researcher), req, attachment=fake)
    assert response.status_code == 400
    req.refresh_from_db()
    assert not req.is_answered and not RequestAttachment.objects.exists()


def test_an_answered_question_stays_readable_after_answering(client_as, researcher, staff):
    req = _ask(researcher, staff)
    client = client_as(researcher)
    response = _answer(client, req, answer="Signed on 1 April")
    assert response.url == reverse("riskmgmt:my_request_detail", args=[req.public_id])
    page = client.get(response.url).content.decode()
    assert "Signed on 1 April" in page and 'data-testid="answer-form"' not in page


def test_the_researcher_re_reads_the_whole_thread_of_the_case(client_as, researcher, staff):
    first = _ask(researcher, staff, question="First question")
    services.information_request_answer(request=first, answer="First answer", actor=researcher)
    second = _ask(researcher, staff, question="Second question")
    page = client_as(researcher).get(
        reverse("riskmgmt:my_request_detail", args=[second.public_id])).content.decode()
    assert page.count('data-testid="thread-entry"') == 2
    assert page.index("First question") < page.index("First answer") < page.index(
        "Second question")


def test_the_thread_never_shows_another_researchers_questions(client_as, researcher,
                                                              other_researcher, staff):
    mine = _ask(researcher, staff, question="Mine")
    other_case = Case.objects.create(reference="RC-0002", researcher=other_researcher,
                                     concern="other", title="Other",
                                     department=other_researcher.department)
    services.information_request_ask(case=other_case, question="Not yours", actor=staff)
    page = client_as(researcher).get(
        reverse("riskmgmt:my_request_detail", args=[mine.public_id])).content.decode()
    assert "Not yours" not in page
    assert InformationRequest.objects.count() == 2
