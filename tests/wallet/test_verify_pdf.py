"""Verifying a PDF transcript companion (issue 14): /verify/ and POST /api/v1/verify read the credential
attached to the PDF, verify it as an uploaded credential file is verified, and show what *it* says.

The PDFs are made here with WeasyPrint directly (the portal's own renderer is tested on its own), each
carrying a credential signed through the real issuance pipeline.
"""

import copy
import io
import json
import re
from html import unescape

import pypdf
import pytest
import weasyprint
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf.generic import NameObject, NumberObject

from credentials import services
from credentials.models import IssuedCredential
from credentials.pdf_attachment import MAX_ATTACHMENT_BYTES, MAX_EMBEDDED_FILES
from credentials.status_lists import status_list_publish
from wallet.models import ExternalCredential
from wallet.verification import PDF_WARNING

pytestmark = pytest.mark.django_db

API = "/api/v1/verify"
# What the pages of a forged companion might claim: none of it is in the signed credential.
PAGES = (
    "<h1>Learner copy — transcript companion</h1><p>Maya Chen</p><p>CS 999 Advanced Quantum Surgery: A+</p>"
)


@pytest.fixture(autouse=True)
def _signing_runs_in_the_test_process(monkeypatch):
    from clrportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def clr(issued, learner, django_capture_on_commit_callbacks):
    """Maya Chen's signed ClrCredential of her three courses and her degree, naming her (as a companion's does)."""
    with django_capture_on_commit_callbacks(execute=True):
        credential = services.clr_issue(learner=learner, include_name=True)
    credential.refresh_from_db()
    assert credential.state == "signed", credential.error
    status_list_publish(status_list_id=credential.status_list_id)
    return credential


def attachment(content, name="clr.json"):
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    return weasyprint.Attachment(string=text, name=name, relationship="Data")


def pdf_with(*attachments, html=PAGES, variant="pdf/a-3u") -> bytes:
    return weasyprint.HTML(string=html).write_pdf(attachments=list(attachments), pdf_variant=variant)


def companion(credential) -> bytes:
    """A transcript companion of the credential: readable pages, and the signed credential as clr.json."""
    return pdf_with(attachment(credential.document))


def with_attachment_replaced(pdf: bytes, data: bytes) -> bytes:
    """The same PDF, its attached file's bytes swapped for `data` (what a forger would do)."""
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    names = writer.root_object["/Names"]["/EmbeddedFiles"].get_object()["/Names"]
    stream = names[1].get_object()["/EF"]["/F"].get_object()
    stream.set_data(data)
    stream["/Params"][NameObject("/Size")] = NumberObject(len(data))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(data: bytes, name="transcript.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def page_text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def checks_by_name(payload: dict) -> dict:
    return {check["name"]: check for check in payload["checks"]}


def assert_nothing_stored(before: int):
    assert IssuedCredential.objects.count() == before
    assert not ExternalCredential.objects.exists()


# --- the page --------------------------------------------------------------------------------------


def test_uploading_a_companion_shows_verified_and_what_its_attached_credential_says(client, clr):
    page = client.post("/verify/", {"credential_file": upload(companion(clr))})

    assert page.status_code == 200
    html = page.content.decode()
    text = page_text(page)
    assert html.count('<article class="verify-result" data-verdict="verified">') == 1
    assert "Verified" in text
    # The learner, achievements and results come from the signed attachment.
    assert "Recipient Maya Chen" in text
    assert "What this record holds" in text
    assert "CS 101 · Introduction to Programming" in text
    assert "CS 230 · Software Engineering" in text
    assert "BSc Computer Science" in text
    assert "CS 101 · Introduction to Programming Course Fall 2024 Final grade: A 4" in text
    assert "CC-TUTOR · Peer Tutor Co-curricular Spring 2025 Completion: Completed" in text
    assert "Verified from The file clr.json attached to the PDF you uploaded" in text
    assert PDF_WARNING in text
    # What only the pages claim is not shown as what the credential says.
    assert "Advanced Quantum Surgery" not in text


def test_a_companion_whose_attachment_was_replaced_by_a_tampered_credential_is_not_valid(client, clr):
    forged = copy.deepcopy(clr.document)
    [intro] = [
        nested["credentialSubject"]
        for nested in forged["credentialSubject"]["verifiableCredential"]
        if nested["credentialSubject"]["achievement"].get("humanCode") == "CS 101"
    ]
    intro["result"][0]["value"] = "A+"  # a better grade, in the attachment this time
    pdf = with_attachment_replaced(companion(clr), json.dumps(forged).encode())

    page = client.post("/verify/", {"credential_file": upload(pdf)})
    api = client.post(API, pdf, content_type="application/pdf")

    html = page.content.decode()
    assert 'data-verdict="not_valid"' in html
    assert "Not valid" in html
    assert '<li class="check failed" data-check="proof">' in html
    assert PDF_WARNING in page_text(page)
    assert api.status_code == 200
    assert api.json()["verdict"] == "not_valid"
    assert api.json()["source"] == "pdf attachment clr.json"
    assert checks_by_name(api.json())["proof"]["status"] == "failed"


def test_a_companion_of_a_revoked_credential_is_not_valid_and_says_revoked(client, clr):
    pdf = companion(clr)  # rendered while it was valid; revoking does not change the file
    services.credential_revoke(credential=clr, reason="Issued in error")

    page = client.post("/verify/", {"credential_file": upload(pdf)})
    api = client.post(API, {"file": upload(pdf)}).json()

    text = page_text(page)
    assert 'data-verdict="not_valid"' in page.content.decode()
    assert "Not valid" in text
    assert "Its issuer revoked it." in text
    assert api["verdict"] == "not_valid"
    assert checks_by_name(api)["status"]["status"] == "failed"
    assert "revoked" in checks_by_name(api)["status"]["message"]


def test_a_companion_of_a_single_achievement_credential_verifies_too(client, issued):
    credential = issued["intro"]

    page = client.post("/verify/", {"credential_file": upload(companion(credential), "certificate.pdf")})

    assert 'data-verdict="verified"' in page.content.decode()
    assert "Introduction to Programming" in page_text(page)
    assert PDF_WARNING in page_text(page)


def test_the_page_explains_each_pdf_it_cannot_verify_and_stores_nothing(client, clr, settings):
    before = IssuedCredential.objects.count()
    signed = json.dumps(clr.document)
    encrypted = pypdf.PdfWriter(clone_from=io.BytesIO(companion(clr)))
    encrypted.encrypt("secret", algorithm="RC4-128")
    encrypted_pdf = io.BytesIO()
    encrypted.write(encrypted_pdf)
    cases = {
        "no attachment": (pdf_with(), "This PDF carries no credential"),
        "another kind of file": (
            pdf_with(weasyprint.Attachment(string="not a credential", name="notes.txt")),
            "This PDF carries no credential: nothing in it can be verified, whatever its pages say. It has 1 "
            "attached file, none of them a credential",
        ),
        "two": (
            pdf_with(attachment(signed), attachment(signed, "credential.json")),
            "This PDF carries 2 credentials (clr.json, credential.json); a transcript companion carries "
            "exactly one",
        ),
        "broken attachment": (
            pdf_with(attachment("this is not JSON {")),
            "This PDF carries the file clr.json, but it is not a credential: it is not JSON and not a signed "
            "token.",
        ),
        "an array": (pdf_with(attachment("[1, 2]")), "a credential is one JSON object"),
        "not a pdf": (b"%PDF-1.7\nthis is not really a PDF", "This PDF is damaged and cannot be read"),
        "named pdf": (b'{"hello": "world"}', "This file is not a PDF: a PDF starts with"),
        "truncated": (companion(clr)[:4000], "This PDF is damaged and cannot be read"),
        "encrypted": (encrypted_pdf.getvalue(), "This PDF is encrypted (protected by a password)"),
    }
    for case, (data, message) in cases.items():
        page = client.post("/verify/", {"credential_file": upload(data)})

        assert page.status_code == 400, case
        assert message in page_text(page), (case, page_text(page))
        assert "data-verdict" not in page.content.decode(), case
    assert_nothing_stored(before)


def test_the_page_refuses_a_20_mb_pdf_before_reading_it(client):
    pdf = pdf_with() + b"%" + b"x" * (20 * 1024 * 1024)

    page = client.post("/verify/", {"credential_file": upload(pdf)})

    assert page.status_code == 400
    assert (
        f"The file is {len(pdf):,} bytes, over the limit of 5,242,880 bytes (5 MB); it was not examined."
        in (page_text(page))
    )


def test_the_page_says_it_accepts_pdfs(client):
    html = client.get("/verify/").content.decode()

    assert "or a PDF transcript companion" in html
    assert "application/pdf" in html  # the file picker offers PDFs
    assert "not supported yet" not in html


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_verifies_a_companion_as_an_upload_and_as_a_pdf_body(client, clr):
    pdf = companion(clr)

    uploaded = client.post(API, {"file": upload(pdf)})
    raw = client.post(API, pdf, content_type="application/pdf")

    for response in (uploaded, raw):
        assert response.status_code == 200
        body = response.json()
        assert body["verified"] is True
        assert body["verdict"] == "verified"
        assert body["source"] == "pdf attachment clr.json"
        assert body["warning"] == PDF_WARNING
        assert body["credential"]["id"] == clr.document["id"]
        assert len(body["nested"]) == len(clr.document["credentialSubject"]["verifiableCredential"])
    # A credential that was not in a PDF has no source or warning.
    plain = client.post(API, json.dumps(clr.document), content_type="application/json").json()
    assert plain["verdict"] == "verified"
    assert "source" not in plain and "warning" not in plain


def test_the_api_answers_pdfs_it_cannot_verify_with_a_4xx_and_a_message(client, clr):
    before = IssuedCredential.objects.count()
    signed = json.dumps(clr.document)
    two = pdf_with(attachment(signed), attachment(signed, "other.jwt"))
    many = pdf_with(*(attachment("{}", f"file-{i}.txt") for i in range(MAX_EMBEDDED_FILES + 1)))

    none = client.post(API, {"file": upload(pdf_with())})
    doubled = client.post(API, two, content_type="application/pdf")
    broken = client.post(API, {"file": upload(pdf_with(attachment("not json")))})
    fake = client.post(API, b"%PDF-1.4 not a pdf at all", content_type="application/pdf")
    crowded = client.post(API, {"file": upload(many)})
    huge_upload = client.post(API, {"file": upload(b"%PDF-1.7\n" + b"x" * (20 * 1024 * 1024))})
    huge_body = client.post(API, b"%PDF-1.7\n" + b"x" * (20 * 1024 * 1024), content_type="application/pdf")

    assert none.status_code == 400
    assert set(none.json()) == {"message", "extra"}
    assert none.json()["message"].startswith("This PDF carries no credential")
    assert doubled.status_code == 400
    assert "This PDF carries 2 credentials" in doubled.json()["message"]
    assert broken.status_code == 400
    assert broken.json()["extra"]["attachment"] == "clr.json"
    assert "not JSON" in broken.json()["message"]
    assert fake.status_code == 400
    assert "damaged" in fake.json()["message"]
    assert fake.json()["extra"]["pdf_error"]  # pypdf's own words, for programs
    assert crowded.status_code == 400
    assert f"more than {MAX_EMBEDDED_FILES} attached files" in crowded.json()["message"]
    assert huge_upload.status_code == 413
    assert "over the limit of 5,242,880 bytes" in huge_upload.json()["message"]
    assert huge_body.status_code == 413
    assert "over the limit" in huge_body.json()["message"]
    assert_nothing_stored(before)


def test_a_decompression_bomb_in_the_attachment_stops_at_the_limit(client, clr):
    # 500 MB of spaces, compressed into about half a megabyte, and a /Size that lies about it.
    bomb = with_attachment_replaced(companion(clr), b"{" + b" " * (500 * 1024 * 1024) + b"}")
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(bomb))
    names = writer.root_object["/Names"]["/EmbeddedFiles"].get_object()["/Names"]
    names[1].get_object()["/EF"]["/F"].get_object()["/Params"][NameObject("/Size")] = NumberObject(40)
    lying = io.BytesIO()
    writer.write(lying)
    assert len(lying.getvalue()) < 1024 * 1024

    response = client.post(API, lying.getvalue(), content_type="application/pdf")

    assert response.status_code == 413
    assert f"more than the limit of {MAX_ATTACHMENT_BYTES:,} bytes" in response.json()["message"]


def test_the_openapi_schema_lists_pdf_bodies_and_the_pdf_fields(client):
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)
    operation = schema["paths"]["/api/v1/verify"]["post"]

    assert "application/pdf" in operation["requestBody"]["content"]
    assert "`pdf attachment clr.json`" in operation["description"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    fields = schema["components"]["schemas"][answer]["properties"]
    assert PDF_WARNING in fields["warning"]["description"]
    assert "source" in fields and "source" not in schema["components"]["schemas"][answer]["required"]
