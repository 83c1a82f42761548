"""Students and employers read words people use; the standards' names are one click away.

Every page a learner or an employer sees is read as a person reads it: only the text of the body,
leaving out what is inside a closed-by-default `<details class="technical">` ("Technical details").
None of the standards' type names, JSON-LD / VC-JWT, identifiers (`urn:`, `did:`) or a parser's error
text may appear there.
"""

import copy
import json
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credentials.services import clr_issue
from vc import data_integrity, keys
from vc.did import did_key_from_public
from wallet import services
from wallet.models import ExternalCredential

pytestmark = pytest.mark.django_db

TECHNICAL_TERMS = (
    "JSON-LD",
    "VC-JWT",
    "OpenBadgeCredential",
    "AchievementCredential",
    "ClrCredential",
    "CoCurricular",
    "Co Curricular",
    "isPartOf",
    "LetterGrade",
    "urn:",
    "did:",
    "Expecting value",  # Python's JSON error
)
TECHNICAL_DETAILS = '<details class="technical"><summary>Technical details</summary>'


class _VisibleText(HTMLParser):
    """The body's text outside <script>, <style> and <details class="technical">."""

    HIDDEN = {"script", "style", "template", "title", "head"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, opens a hidden part)
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        hides = tag in self.HIDDEN or (tag == "details" and "technical" in classes)
        self.stack.append((tag, hides))
        self.hidden += hides

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack:
            open_tag, hides = self.stack.pop()
            self.hidden -= hides
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(response) -> str:
    parser = _VisibleText()
    parser.feed(response.content.decode())
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def assert_plain(response, page: str) -> str:
    assert response.status_code == 200, (page, response.status_code)
    text = visible_text(response)
    found = [term for term in TECHNICAL_TERMS if term in text]
    assert not found, f"{page} shows {found} outside “Technical details”: …{_around(text, found[0])}…"
    return text


def _around(text: str, term: str) -> str:
    at = text.index(term)
    return text[max(at - 80, 0) : at + 80]


@pytest.fixture
def record(student_user, awards, issued, issue, django_capture_on_commit_callbacks):
    """The learner's whole record issued (courses, degree, co-curricular), their CLR, a share of it."""
    tutor = issue(awards["tutor"])
    with django_capture_on_commit_callbacks(execute=True):
        clr = clr_issue(learner=issued["intro"].learner)
    clr.refresh_from_db()
    assert clr.state == "signed", clr.error
    credentials = [issued["intro"], issued["data"], issued["team"], issued["degree"], tutor]
    with django_capture_on_commit_callbacks(execute=True):
        share, token = services.share_link_create(owner=student_user, credentials=credentials, label="Acme")
    return SimpleNamespace(credentials=credentials, clr=clr, share=share, share_path=f"/s/{token}")


@pytest.fixture
def elsewhere(issued):
    """A badge signed by another issuer (a did:key), as a learner imports one."""
    private_key = keys.generate_ed25519()
    did = did_key_from_public(private_key.public_key())
    unsigned = {
        k: v
        for k, v in copy.deepcopy(issued["intro"].document).items()
        if k not in ("proof", "credentialStatus")
    }
    unsigned["id"] = "urn:uuid:6f1c7a44-0e0e-4c55-9d55-0d3f0f1f2a3b"
    unsigned["issuer"] = {"id": did, "type": ["Profile"]}  # no name: only its DID says who it is
    return data_integrity.sign(unsigned, private_key=private_key, verification_method=f"{did}#{did[8:]}")


def _import(client, name, content: bytes):
    return client.post("/wallet/imports/", {"file": SimpleUploadedFile(name, content)})


def test_the_dashboard_and_record_pages_speak_plainly(client, login, student_user, record):
    login(student_user)
    text = assert_plain(client.get("/wallet/"), "the dashboard")
    assert "Co-curricular" in text
    for credential in [*record.credentials, record.clr]:
        page = client.get(f"/wallet/records/{credential.id}/")
        assert_plain(page, f"the record page of {credential.name}")
        assert TECHNICAL_DETAILS in page.content.decode()
    clr_text = visible_text(client.get(f"/wallet/records/{record.clr.id}/"))
    assert "Comprehensive Learner Record" in clr_text
    course_text = visible_text(client.get(f"/wallet/records/{record.credentials[0].id}/"))
    assert "Download for a wallet (JSON)" in course_text
    assert "Download as a signed token (JWT)" in course_text
    assert "Course" in course_text


def test_the_share_page_and_the_verify_page_speak_plainly_to_an_employer(client, record):
    text = assert_plain(client.get(record.share_path), "the share page")
    assert "Verified" in text
    text = assert_plain(client.get("/verify/", {"credential": record.share_path}), "the verify page (a link)")
    assert "Verified" in text
    document = json.dumps(record.credentials[0].document)
    text = assert_plain(client.post("/verify/", {"credential_text": document}), "the verify page (pasted)")
    assert "Verified" in text
    assert_plain(client.get("/verify/"), "the empty verify page")


def test_the_imports_pages_speak_plainly_and_a_file_that_is_not_a_credential_is_said_so(
    client, login, student_user, record, elsewhere
):
    login(student_user)
    assert_plain(client.get("/wallet/imports/"), "the imports page")
    refused = client.post("/wallet/imports/", {"file": SimpleUploadedFile("notes.txt", b"hello, world")})
    text = assert_plain(refused, "the imports page refusing a text file")
    assert "The file is not a credential: it is not JSON and not a signed token." in text
    # The exact reason stays one click away.
    assert "Expecting value" in refused.content.decode()

    response = _import(client, "badge.json", json.dumps(elsewhere).encode())
    external = ExternalCredential.objects.get()
    assert response.status_code == 302
    detail = client.get(f"/wallet/imports/{external.id}/")
    assert_plain(detail, "an imported badge's page")
    assert TECHNICAL_DETAILS in detail.content.decode()
    assert_plain(client.get("/wallet/imports/"), "the imports page with an import")
    assert_plain(client.get("/wallet/"), "the dashboard with an import")
    text = assert_plain(
        client.post("/verify/", {"credential_text": json.dumps(elsewhere)}), "verify (elsewhere)"
    )
    assert "Not named" in text


def test_what_is_left_out_of_plain_words_is_kept_under_technical_details(client, login, student_user, record):
    login(student_user)
    page = client.get(f"/wallet/records/{record.clr.id}/").content.decode()
    assert TECHNICAL_DETAILS in page
    assert "ClrCredential" in page  # the type, and the signed document itself, one click away
