"""Third-party Open Badges 3.0 credentials in the VC 1.1 data model, through POST /api/v1/verify and /verify/.

The samples (tests/interop/fixtures) were made by Digital Bazaar's stack, not by the portal:
eddsa-rdfc-2022, Ed25519Signature2020 and a VC-JWT (EdDSA), each issued by a did:key.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.interop import vc11_samples

pytestmark = pytest.mark.django_db

API = "/api/v1/verify"
CHECKS = ("well_formed", "schema", "proof", "issuer_key", "validity_period", "status")


def _content_type(name: str) -> str:
    return "application/vc+jwt" if name.endswith(".jwt") else "application/ld+json"


@pytest.mark.parametrize("name", sorted(vc11_samples.SAMPLES))
def test_the_api_verifies_a_third_party_vc_1_1_open_badge(client, name):
    response = client.post(API, vc11_samples.text(name), content_type=_content_type(name))

    assert response.status_code == 200
    body = response.json()
    assert (body["verified"], body["verdict"]) == (True, "verified"), body
    assert {c["name"]: c["status"] for c in body["checks"]} == dict.fromkeys(CHECKS, "passed")
    schema_check = next(c for c in body["checks"] if c["name"] == "schema")
    assert "AchievementCredential schema in its VC 1.1 form" in schema_check["message"]
    assert body["credential"]["issuer"] == vc11_samples.ISSUER
    assert body["credential"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


@pytest.mark.parametrize("name", sorted(vc11_samples.SAMPLES))
def test_the_api_finds_a_tampered_vc_1_1_open_badge_not_valid_because_of_its_signature(client, name):
    response = client.post(API, vc11_samples.tampered(name), content_type=_content_type(name))

    assert response.status_code == 200
    body = response.json()
    assert (body["verified"], body["verdict"]) == (False, "not_valid")
    assert [c["name"] for c in body["checks"] if c["status"] == "failed"] == ["proof"]


@pytest.mark.parametrize("name", sorted(vc11_samples.SAMPLES))
def test_the_verify_page_shows_a_third_party_vc_1_1_open_badge_as_verified(client, name):
    upload = SimpleUploadedFile(name, vc11_samples.text(name).encode(), content_type=_content_type(name))

    page = client.post("/verify/", {"credential_file": upload})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-verdict="verified"' in html
    assert html.count('class="check passed"') == len(CHECKS)
    assert "<dt>Issuer</dt><dd>Example Open edX Academy" in html
    assert "<dt>Issued</dt>" in html  # from issuanceDate
