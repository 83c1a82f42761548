"""The public verification page /verify/ and POST /api/v1/verify, through HTTP."""

import copy
import io
import json
import uuid
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from achievements.models import Learner
from credentials import services
from credentials.models import CredentialState
from credentials.selectors import credential_jwt
from credentials.signing import document_jwt
from credentials.status_lists import status_list_publish
from tests.factories import LearnerFactory
from vc import data_integrity, keys
from vc.did import did_key_from_public
from wallet.baking import bake_png, bake_svg

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1/verify"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'


@pytest.fixture(autouse=True)
def _signing_runs_in_the_test_process(monkeypatch):
    """Credentials are signed eagerly here, whatever state an earlier test left Celery's config in."""
    from clrportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def credential(award):
    issued = services.credential_issue(award=award)
    issued.refresh_from_db()
    assert issued.state == CredentialState.SIGNED
    # Signed now, not during the first verification (whose clock started a moment before).
    status_list_publish(status_list_id=issued.status_list_id)
    return issued


@pytest.fixture
def document(credential):
    return copy.deepcopy(credential.document)


@pytest.fixture
def tampered(document):
    document["credentialSubject"]["achievement"]["name"] = "Advanced Quantum Surgery"
    return document


@pytest.fixture
def foreign_credential(document):
    """The same credential re-signed by another issuer (a did:key) whose status list is on another server."""
    private_key = keys.generate_ed25519()
    did = did_key_from_public(private_key.public_key())
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    unsigned["issuer"] = {"id": did, "type": ["Profile"], "name": "Elsewhere College"}
    unsigned["credentialStatus"] = dict(
        unsigned["credentialStatus"], statusListCredential="https://status.example.org/lists/1"
    )
    unsigned["credentialStatus"]["id"] = "https://status.example.org/lists/1#5"
    return data_integrity.sign(
        unsigned, private_key=private_key, verification_method=f"{did}#{did.split(':')[-1]}"
    )


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def checks_by_name(payload: dict) -> dict:
    return {check["name"]: check for check in payload["checks"]}


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_verifies_a_credential_posted_as_json(client, document):
    response = client.post(API, json.dumps(document), content_type="application/json")

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["verdict"] == "verified"
    assert [check["name"] for check in body["checks"]] == [
        "well_formed",
        "schema",
        "proof",
        "issuer_key",
        "validity_period",
        "status",
    ]
    assert {check["status"] for check in body["checks"]} == {"passed"}
    assert body["credential"]["id"] == document["id"]


def test_the_api_accepts_json_ld_and_vc_jwt_bodies(client, document, credential):
    ld = client.post(API, json.dumps(document), content_type="application/ld+json")
    token = credential_jwt(credential=credential, sign=document_jwt)
    jwt = client.post(API, token, content_type="application/vc+jwt")
    plain = client.post(API, token, content_type="text/plain; charset=utf-8")

    assert ld.json()["verdict"] == "verified"
    assert jwt.status_code == 200
    assert jwt.json()["verdict"] == "verified", jwt.json()
    assert plain.json()["verdict"] == "verified"


def test_the_api_says_which_check_fails_for_a_tampered_credential(client, tampered):
    response = client.post(API, json.dumps(tampered), content_type="application/json")

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    assert body["verdict"] == "not_valid"
    assert checks_by_name(body)["proof"]["status"] == "failed"


def test_the_api_answers_a_credential_built_to_make_canonicalization_run_for_ever_with_not_valid(
    client, document
):
    # Twelve blank nodes, each linked to all the others: RDFC-1.0 would weigh 11! orderings for each.
    knows = "https://example.org/knows"
    document["credentialSubject"][knows] = [
        {"id": f"_:k{i}", knows: [{"id": f"_:k{j}"} for j in range(12) if j != i]} for i in range(12)
    ]

    body = client.post(API, json.dumps(document), content_type="application/json").json()

    assert body["verdict"] == "not_valid"
    proof = checks_by_name(body)["proof"]
    assert proof["status"] == "failed"
    assert "too complex to check (its blank nodes are too symmetric" in proof["message"]


def test_the_api_reports_a_revoked_credential_as_not_valid(client, credential):
    services.credential_revoke(credential=credential, reason="Issued in error")

    body = client.post(API, json.dumps(credential.document), content_type="application/json").json()

    assert body["verdict"] == "not_valid"
    assert checks_by_name(body)["status"]["status"] == "failed"
    assert "revoked" in checks_by_name(body)["status"]["message"]


def test_the_api_says_could_not_check_when_another_issuers_status_list_cannot_be_fetched(
    client, foreign_credential
):
    body = client.post(API, json.dumps(foreign_credential), content_type="application/json").json()

    assert body["verified"] is False
    assert body["verdict"] == "could_not_check"
    checks = checks_by_name(body)
    assert checks["proof"]["status"] == "passed"
    assert checks["issuer_key"]["status"] == "passed"
    assert checks["status"]["status"] == "could_not_check"
    assert "another server" in checks["status"]["message"]


def test_the_api_verifies_an_uploaded_baked_png_and_svg(client, document, credential):
    token = credential_jwt(credential=credential, sign=document_jwt)
    png = SimpleUploadedFile("badge.png", bake_png(png_bytes(), document), content_type="image/png")
    svg = SimpleUploadedFile("badge.svg", bake_svg(SVG, token).encode(), content_type="image/svg+xml")

    from_png = client.post(API, {"file": png})
    from_svg = client.post(API, {"file": svg})

    assert from_png.status_code == 200
    assert from_png.json()["verdict"] == "verified"
    assert from_svg.json()["verdict"] == "verified"


def test_the_api_answers_bad_input_with_400_and_a_message(client):
    not_json = client.post(API, "hello there", content_type="text/plain")
    array = client.post(API, "[1, 2]", content_type="application/json")
    empty = client.post(API, "", content_type="application/json")
    plain_png = client.post(API, {"file": SimpleUploadedFile("x.png", png_bytes(), content_type="image/png")})

    assert not_json.status_code == 400
    assert set(not_json.json()) == {"message", "extra"}
    assert not_json.json()["message"] == "This is not a credential: it is not JSON and not a signed token."
    assert "Expecting value" in not_json.json()["extra"]["json_error"]  # the parser's words, for programs
    assert array.status_code == 400
    assert "JSON object" in array.json()["message"]
    assert empty.status_code == 400
    assert "empty" in empty.json()["message"]
    assert plain_png.status_code == 400
    assert "no Open Badges credential" in plain_png.json()["message"]


def test_the_api_refuses_unknown_body_types_with_415_and_a_damaged_pdf_with_400(client):
    pdf = client.post(
        API, {"file": SimpleUploadedFile("record.pdf", b"%PDF-1.7\n...", content_type="application/pdf")}
    )
    xml = client.post(API, "<x/>", content_type="application/xml")

    assert pdf.status_code == 400  # PDFs are read (tests/wallet/test_verify_pdf.py); this one is not one
    assert "This PDF is damaged" in pdf.json()["message"]
    assert xml.status_code == 415
    assert "application/json" in xml.json()["extra"]["accepted"]


def test_the_api_refuses_a_body_over_the_limit_with_413(client):
    huge = json.dumps({"type": ["VerifiableCredential"], "padding": "x" * 2_100_000})

    response = client.post(API, huge, content_type="application/json")

    assert response.status_code == 413
    assert "over the limit" in response.json()["message"]
    assert response.json()["extra"]["max_bytes"] == 2_000_000


def test_the_api_needs_no_login_and_no_csrf_token(document, django_user_model):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    user = django_user_model.objects.create_user(email="someone@example.org", password="pw-123456789")
    strict.force_login(user)

    response = strict.post(API, json.dumps(document), content_type="application/json")

    assert response.status_code == 200
    assert response.json()["verified"] is True


def test_the_api_is_throttled_per_client(client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify": "2/minute"})
    try:
        codes = [client.post(API, "{}", content_type="application/json").status_code for _ in range(3)]
        assert codes[:2] == [200, 200]
        assert codes[2] == 429
        assert "throttled" in client.post(API, "{}", content_type="application/json").json()["message"]
    finally:
        cache.clear()


def test_the_openapi_schema_describes_the_verify_endpoint(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/verify"]["post"]
    assert "application/vc+jwt" in operation["requestBody"]["content"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "400", "413", "415"} <= set(operation["responses"])


# --- the page --------------------------------------------------------------------------------------


def test_the_verify_page_is_public_and_has_labelled_fields(client):
    page = client.get("/verify/")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_credential_text">' in html
    assert '<label for="id_credential_file">' in html
    assert 'enctype="multipart/form-data"' in html


def test_pasting_a_valid_credential_shows_verified_with_every_check_explained(client, document):
    page = client.post("/verify/", {"credential_text": json.dumps(document)})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-verdict="verified"' in html
    assert "Verified" in html
    assert html.count('class="check passed"') == 6
    assert "Signature" in html and "Revocation and suspension" in html
    assert "digital signature covers every field" in html
    # What the credential says, beside the verdict.
    assert f"<dt>Issuer</dt><dd>{document['issuer']['name']}" in html
    assert "<dt>Issued</dt>" in html


def test_pasting_a_vc_jwt_shows_what_it_says_and_verifies_it(client, credential):
    token = credential_jwt(credential=credential, sign=document_jwt)

    html = client.post("/verify/", {"credential_text": token}).content.decode()

    assert 'data-verdict="verified"' in html
    assert f"<dt>Issuer</dt><dd>{credential.document['issuer']['name']}" in html
    assert credential.document["name"] in html


def test_uploading_a_tampered_credential_shows_not_valid_and_names_the_signature(client, tampered):
    upload = SimpleUploadedFile(
        "credential.json", json.dumps(tampered).encode(), content_type="application/json"
    )

    page = client.post("/verify/", {"credential_file": upload})

    html = page.content.decode()
    assert 'data-verdict="not_valid"' in html
    assert "Not valid" in html
    failed = html.split('<li class="check failed" data-check="proof">', 1)
    assert len(failed) == 2, "the proof check is not shown as failed"
    assert "Signature" in failed[1][:200]


def test_uploading_a_baked_png_on_the_page_verifies_it(client, document):
    upload = SimpleUploadedFile("badge.png", bake_png(png_bytes(), document), content_type="image/png")

    page = client.post("/verify/", {"credential_file": upload})

    assert 'data-verdict="verified"' in page.content.decode()


def test_the_page_explains_input_it_cannot_read(client):
    garbage = client.post("/verify/", {"credential_text": "not a credential"})
    nothing = client.post("/verify/", {"credential_text": "   "})
    pdf = client.post(
        "/verify/",
        {"credential_file": SimpleUploadedFile("r.pdf", b"%PDF-1.4 x", content_type="application/pdf")},
    )

    assert garbage.status_code == 400
    assert "This is not a credential: it is not JSON and not a signed token." in garbage.content.decode()
    assert 'aria-invalid="true"' in garbage.content.decode()
    assert "Nothing was given to verify" in nothing.content.decode()
    assert "This PDF is damaged and cannot be read" in pdf.content.decode()
    assert "data-verdict" not in garbage.content.decode()


def test_the_page_refuses_a_file_over_the_size_limit(client):
    big = SimpleUploadedFile(
        "big.json", b"{" + b" " * (5 * 1024 * 1024 + 10) + b"}", content_type="application/json"
    )

    page = client.post("/verify/", {"credential_file": big})

    assert page.status_code == 400
    assert "over the limit of 5,242,880 bytes" in page.content.decode()


def test_a_link_to_another_site_is_never_fetched(client):
    page = client.get("/verify/", {"credential": "https://evil.example/credential.json"})

    assert page.status_code == 400
    assert "never fetches other sites" in page.content.decode()


def test_a_credential_link_verifies_for_its_learner_but_not_for_anyone_else(
    client, login, student_user, institution, award
):
    learner = Learner.objects.filter(institution=institution, user=student_user).first() or LearnerFactory(
        institution=institution, user=student_user, email=student_user.email
    )
    award.learner = learner
    award.save()
    issued = services.credential_issue(award=award)
    issued.refresh_from_db()
    status_list_publish(status_list_id=issued.status_list_id)
    link = issued.document["id"]

    anonymous = client.get("/verify/", {"credential": link})
    assert anonymous.status_code == 404
    assert "Ask the learner for a share link" in anonymous.content.decode()
    assert "data-verdict" not in anonymous.content.decode()

    login(student_user)
    own = client.get("/verify/", {"credential": link})
    assert own.status_code == 200
    assert 'data-verdict="verified"' in own.content.decode()


def test_a_credentials_short_link_is_its_verdict_on_the_page_for_whoever_may_see_it(
    client, login, student_user, issued
):
    credential = issued["intro"]  # student_user's
    status_list_publish(status_list_id=credential.status_list_id)
    short = f"/verify/{credential.pk}"

    anonymous = client.get(short, follow=True)
    assert anonymous.redirect_chain == [(f"/verify/?{urlencode({'credential': credential.url})}", 302)]
    assert anonymous.status_code == 404
    assert "Ask the learner for a share link" in anonymous.content.decode()

    login(student_user)
    own = client.get(short, follow=True)
    assert own.status_code == 200
    assert 'data-verdict="verified"' in own.content.decode()
    assert client.get(f"/verify/{uuid.uuid4()}", follow=True).status_code == 404
    assert client.get("/verify/not-a-credential-id").status_code == 404


def test_a_share_link_verifies_each_shared_record_for_anyone(client, student_user, issued):
    from wallet.services import share_link_create, share_link_url

    share, token = share_link_create(owner=student_user, credentials=[issued["intro"], issued["team"]])
    for credential in (issued["intro"], issued["team"]):
        status_list_publish(status_list_id=credential.status_list_id)

    page = client.get("/verify/", {"credential": share_link_url(share=share, token=token)})

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<article class="verify-result" data-verdict="verified">') == 2
    assert "Introduction to Programming" in html and "Software Engineering" in html
    assert "Data Structures" not in html  # not shared


def test_a_revoked_share_link_is_not_verified_and_says_the_credentials_are_unaffected(
    client, student_user, issued
):
    from wallet.services import share_link_create, share_link_revoke, share_link_url

    share, token = share_link_create(owner=student_user, credentials=[issued["intro"]])
    share_link_revoke(share=share, actor=student_user)

    page = client.get("/verify/", {"credential": share_link_url(share=share, token=token)})

    assert page.status_code == 410
    html = page.content.decode()
    assert "revoked by its owner" in html
    assert "credentials themselves are unaffected" in html
    assert "data-verdict" not in html


def test_pasting_a_clr_lists_the_credentials_inside_each_with_its_verdict(client, issued, learner):
    clr = services.clr_issue(learner=learner)
    clr.refresh_from_db()
    assert clr.state == CredentialState.SIGNED
    status_list_publish(status_list_id=clr.status_list_id)

    page = client.post("/verify/", {"credential_text": json.dumps(clr.document)})
    api = client.post(API, json.dumps(clr.document), content_type="application/json").json()

    html = page.content.decode()
    assert 'data-check="nested_credentials"' in html
    assert "Credentials inside" in html
    inside = len(clr.document["credentialSubject"]["verifiableCredential"])
    assert inside >= 4
    assert f"{inside} credentials inside" in html
    assert api["verdict"] == "verified"
    assert len(api["nested"]) == inside
    assert {nested["verdict"] for nested in api["nested"]} == {"verified"}
