"""A credential's addresses become links and images only when they are http(s) (issue 11, finding 5).

An imported badge, a pasted credential or a stored document may say `issuer.url: "javascript:…"`, give
an OB 2.0 `criteria` as any string, or put `data:text/html,…` where an image or evidence belongs. Every
page that shows a credential (import detail, /verify/, the record page and the share page) must turn
none of these into an `href` or `src`: such a value is shown, if at all, as plain text. Each hostile
document carries a harmless https link beside the hostile ones, so the tests also see that real links
still work.
"""

import copy
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credentials.models import IssuedCredential
from wallet import services
from wallet.display import credential_view
from wallet.models import ExternalCredential

pytestmark = pytest.mark.django_db

# Each carries "alert(1)" or "msgbox(1)", so any attribute that kept one is found whatever its spelling.
HOSTILE_URLS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "\tjava\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&colon;alert(1)",
    "javascript&#58;alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#alert(1)",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)",
    "//evil.example/alert(1)",
    "https:alert(1)",
    "http:/alert(1)",
]
SAFE_URL = "https://skills.example.org/safe-alignment"
URL_ATTRIBUTES = {
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "xlink:href",
    "background",
}
MARKERS = ("alert(1)", "alert%281%29", "msgbox(1)", "msgbox%281%29")


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in URL_ATTRIBUTES or name.startswith("on"):
                self.found.append((tag, name, value or ""))

    handle_startendtag = handle_starttag


def _url_attributes(html: str) -> list[tuple[str, str, str]]:
    parser = _Attributes()
    parser.feed(html)
    return parser.found


def _normalised(value: str) -> str:
    # What a browser does before it reads a scheme: drop ASCII whitespace and control characters.
    return re.sub(r"[\x00-\x20\x7f]", "", value).lower()


def assert_no_hostile_link(html: str) -> None:
    for tag, name, value in _url_attributes(html):
        assert not name.startswith("on"), f"<{tag} {name}={value!r}>"
        assert not any(marker in value for marker in MARKERS), f"<{tag} {name}={value!r}>"
        url = _normalised(value)
        assert not url.startswith(("javascript:", "vbscript:", "data:text", "data:image/svg", "//")), (
            f"<{tag} {name}={value!r}>"
        )
        if url.startswith("data:"):
            assert tag == "img" and name == "src", f"<{tag} {name}={value!r}>"


def assert_safe_link_kept(html: str) -> None:
    assert ("a", "href", SAFE_URL) in _url_attributes(html), "the https alignment link was dropped too"


def ob3_with(hostile: str, document: dict) -> dict:
    """`document` (an OB 3.0 AchievementCredential) with `hostile` in every member that is an address."""
    hostile_document = copy.deepcopy(document)
    subject = hostile_document["credentialSubject"]
    achievement = subject["achievement"]
    hostile_document["issuer"] = {
        **(hostile_document["issuer"] if isinstance(hostile_document["issuer"], dict) else {}),
        "url": hostile,
        "image": {"id": hostile, "type": "Image"},
    }
    hostile_document["image"] = {"id": hostile, "type": "Image"}
    achievement["criteria"] = {"id": hostile, "narrative": "Pass the course."}
    achievement["image"] = {"id": hostile, "type": "Image", "caption": "Badge"}
    achievement["alignment"] = [
        {"type": ["Alignment"], "targetName": "Hostile alignment", "targetUrl": hostile},
        {"type": ["Alignment"], "targetName": "Safe alignment", "targetUrl": SAFE_URL},
    ]
    hostile_document["evidence"] = [
        {"id": hostile, "type": ["Evidence"], "name": "Hostile evidence", "narrative": "A portfolio."},
        hostile,
    ]
    endorsement = {
        "@context": hostile_document["@context"],
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "id": hostile,
        "name": "Hostile endorsement",
        "issuer": {"id": hostile, "type": ["Profile"], "name": "Hostile endorser", "url": hostile},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": hostile, "type": ["EndorsementSubject"], "endorsementComment": "Good."},
    }
    hostile_document["endorsement"] = [endorsement]
    achievement["endorsement"] = [endorsement]
    return hostile_document


def ob2_with(hostile: str) -> dict:
    """An OB 2.0 assertion with `hostile` as its criteria string URL and in every other address."""
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://badges.example.org/assertions/123",
        "recipient": {"type": "email", "hashed": False, "identity": "maya@example.org"},
        "issuedOn": "2019-05-01T00:00:00Z",
        "verification": {"type": "hosted"},
        "image": hostile,
        "evidence": [{"id": hostile, "name": "Hostile evidence"}, hostile],
        "badge": {
            "type": "BadgeClass",
            "id": "https://badges.example.org/badges/first-aid",
            "name": "First Aid Volunteer",
            "description": "Completed a 16-hour first aid course.",
            "criteria": hostile,
            "image": hostile,
            "alignment": [
                {"targetName": "Hostile alignment", "targetUrl": hostile},
                {"targetName": "Safe alignment", "targetUrl": SAFE_URL},
            ],
            "issuer": {
                "type": "Profile", "id": hostile, "name": "Red Cross Example", "url": hostile, "image": hostile,
            },
        },
    }  # fmt: skip


def _from_elsewhere(document: dict) -> dict:
    """The portal's own credential, as if another issuer made it (the portal's own are not imported)."""
    return {
        **document,
        "id": "https://badges.elsewhere.example/credentials/1",
        "issuer": {"id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "type": ["Profile"],
                   "name": "Elsewhere College"},
    }  # fmt: skip


def _import(client, document) -> str:
    response = client.post(
        "/wallet/imports/",
        {"file": SimpleUploadedFile("badge.json", json.dumps(document).encode(), "application/json")},
    )
    assert response.status_code == 302, response.content[:500]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_an_imported_ob3_badge_with_hostile_addresses_shows_no_hostile_link_on_its_import_page(
    client, login, student_user, issued, hostile
):
    login(student_user)
    html = _import(client, ob3_with(hostile, _from_elsewhere(issued["intro"].document)))

    assert ExternalCredential.objects.count() == 1
    assert_no_hostile_link(html)
    assert_safe_link_kept(html)
    assert "Hostile alignment" in html and "Hostile evidence" in html  # dropped links stay as text


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_an_imported_ob2_badge_with_a_hostile_criteria_string_shows_no_hostile_link_on_its_import_page(
    client, login, student_user, hostile
):
    login(student_user)
    html = _import(client, ob2_with(hostile))

    assert_no_hostile_link(html)
    assert_safe_link_kept(html)
    assert "Red Cross Example" in html  # the issuer's name, not linked


def test_an_ob2_criteria_string_that_is_an_https_address_stays_a_link(client, login, student_user):
    document = ob2_with("javascript:alert(1)")
    document["badge"]["criteria"] = "https://badges.example.org/criteria/first-aid"
    login(student_user)
    html = _import(client, document)

    assert ("a", "href", "https://badges.example.org/criteria/first-aid") in _url_attributes(html)


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_the_verify_page_shows_no_hostile_link_of_a_pasted_credential(client, issued, hostile):
    for document in (ob3_with(hostile, _from_elsewhere(issued["intro"].document)), ob2_with(hostile)):
        page = client.post("/verify/", {"credential_text": json.dumps(document)})

        assert page.status_code == 200
        assert "verify-result" in page.content.decode()
        assert_no_hostile_link(page.content.decode())


@pytest.fixture
def hostile_record(issued, student_user, django_capture_on_commit_callbacks):
    """CS 101's stored document, made hostile after it was shared (as a bad catalog value would be)."""

    def _make(hostile: str):
        credential = issued["intro"]
        with django_capture_on_commit_callbacks(execute=True):
            _share, token = services.share_link_create(owner=student_user, credentials=[credential])
        IssuedCredential.objects.filter(pk=credential.pk).update(
            document=ob3_with(hostile, credential.document)
        )
        return credential, f"/s/{token}"

    return _make


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_the_record_page_and_the_share_page_show_no_hostile_link_of_a_stored_credential(
    client, login, student_user, hostile_record, hostile
):
    credential, share_path = hostile_record(hostile)
    login(student_user)
    record = client.get(f"/wallet/records/{credential.id}/")
    client.logout()
    share = client.get(share_path)

    for page in (record, share):
        assert page.status_code == 200
        assert_no_hostile_link(page.content.decode())
        assert_safe_link_kept(page.content.decode())


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_the_display_of_a_credential_carries_no_address_that_is_not_http_or_https(issued, hostile):
    for view in (
        credential_view(ob3_with(hostile, issued["intro"].document)),
        credential_view(ob2_with(hostile)),
    ):
        addresses = [
            view.criteria_url, view.image, view.issuer.url, view.issuer.image,
            *(a["url"] for a in view.alignments), *(e["url"] for e in view.evidence),
            *(e["issuer"].url for e in view.endorsements), *(e["issuer"].image for e in view.endorsements),
        ]  # fmt: skip

        assert [a for a in addresses if a and not a.startswith(("https://", "http://"))] == []
        assert SAFE_URL in addresses


@pytest.mark.parametrize(
    "hostile", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,alert(1)"]
)
def test_the_dashboard_links_a_skill_only_when_the_catalogs_alignment_url_is_http_or_https(
    client, login, student_user, issued, hostile
):
    from achievements.models import Alignment

    # A catalog value that got past the form's URL check (written by an import, or before the check).
    Alignment.objects.filter(target_name="Teamwork").update(target_url=hostile)
    login(student_user)
    html = client.get("/wallet/").content.decode()

    assert_no_hostile_link(html)
    assert "Teamwork" in html
    assert ("a", "href", "https://case.example/cfitems/nccf-1-1") in _url_attributes(html)
