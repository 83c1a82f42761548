"""Importing credentials from elsewhere: verified on the way in, kept with the result."""

import copy
import io
import json
import re
from html import unescape
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import OB2_ASSERTION
from vc import data_integrity, keys
from vc import jwt as vc_jwt
from vc.did import did_key_from_public
from wallet.baking import bake_png
from wallet.models import ExternalCredential

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _upload(client, name, content, content_type="application/json"):
    if isinstance(content, dict):
        content = json.dumps(content).encode()
    elif isinstance(content, str):
        content = content.encode()
    return client.post(
        "/wallet/imports/", {"file": SimpleUploadedFile(name, content, content_type=content_type)}
    )


@pytest.fixture
def signed(issued):
    """A credential from another issuer (a did:key, no status list), as a learner brings one in.

    The portal's own credentials are not imported as badges from elsewhere (tests/wallet/test_own_imports).
    """
    private_key = keys.generate_ed25519()
    did = did_key_from_public(private_key.public_key())
    unsigned = {
        k: v
        for k, v in copy.deepcopy(issued["intro"].document).items()
        if k not in ("proof", "credentialStatus")
    }
    unsigned["id"] = "https://badges.elsewhere.example/credentials/1"
    unsigned["issuer"] = {"id": did, "type": ["Profile"], "name": "Elsewhere College"}
    method = f"{did}#{did.split(':')[-1]}"
    return SimpleNamespace(
        document=data_integrity.sign(unsigned, private_key=private_key, verification_method=method),
        jwt=vc_jwt.encode(unsigned, private_key=private_key, kid=method, alg="EdDSA"),
    )


def test_a_valid_json_ld_credential_is_imported_as_verified_and_appears_on_the_dashboard(
    client, login, student_user, signed
):
    login(student_user)
    response = _upload(client, "badge.json", signed.document)
    external = ExternalCredential.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/wallet/imports/{external.id}/"
    assert (external.verdict, external.confirmed, external.source_format) == ("verified", True, "json-ld")
    assert external.name == "Introduction to Programming"
    assert external.verification["verdict"] == "verified"
    assert [c["name"] for c in external.verification["checks"]][:3] == ["well_formed", "schema", "proof"]

    detail = _text(client.get(response["Location"]))
    assert "Verified" in detail and "Introduction to Programming" in detail
    dashboard = client.get("/wallet/")
    assert [e.name for e in dashboard.context["record"].imported] == ["Introduction to Programming"]
    assert "Badges from elsewhere" in _text(dashboard)


def test_a_tampered_credential_is_kept_only_after_the_learner_confirms_and_stays_flagged(
    client, login, student_user, signed
):
    tampered = copy.deepcopy(signed.document)
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Quantum Computing"
    login(student_user)
    response = _upload(client, "tampered.json", tampered)
    external = ExternalCredential.objects.get()
    assert (external.verdict, external.confirmed) == ("not_valid", False)
    detail = client.get(response["Location"])
    text = _text(detail)
    assert "Not valid" in text and "not kept" in text
    assert 'data-check="proof"' in detail.content.decode()
    # Not kept yet: it is neither on the dashboard nor in the list of imports.
    assert client.get("/wallet/").context["record"].imported == []
    assert client.get("/wallet/imports/").context["imports"] == []

    client.post(f"/wallet/imports/{external.id}/confirm")
    external.refresh_from_db()
    assert external.confirmed is True
    [shown] = client.get("/wallet/").context["record"].imported
    assert shown.failed_verification
    assert "Kept at your request although it did not verify" in _text(client.get("/wallet/"))
    assert "stays flagged as not valid" in _text(client.get(f"/wallet/imports/{external.id}/"))


def test_a_learner_can_discard_an_import_that_failed(client, login, student_user, signed):
    tampered = copy.deepcopy(signed.document)
    tampered["credentialSubject"]["result"][0]["value"] = "A+"
    login(student_user)
    _upload(client, "tampered.json", tampered)
    external = ExternalCredential.objects.get()
    assert client.post(f"/wallet/imports/{external.id}/delete").status_code == 302
    assert not ExternalCredential.objects.exists()


def test_a_vc_jwt_is_imported_and_verified(client, login, student_user, signed):
    token = signed.jwt
    login(student_user)
    _upload(client, "credential.jwt", token, content_type="application/jwt")
    external = ExternalCredential.objects.get()
    assert (external.source_format, external.verdict) == ("vc-jwt", "verified")
    assert external.jwt == token
    assert external.document["credentialSubject"]["achievement"]["name"] == "Introduction to Programming"


def test_a_baked_png_badge_is_imported_and_verified(client, login, student_user, signed):
    canvas = io.BytesIO()
    Image.new("RGB", (40, 40), "navy").save(canvas, format="PNG")
    baked = bake_png(canvas.getvalue(), signed.document)
    login(student_user)
    _upload(client, "badge.png", baked, content_type="image/png")
    external = ExternalCredential.objects.get()
    assert (external.source_format, external.verdict) == ("png", "verified")


def test_an_open_badges_2_assertion_is_shown_as_unsigned_legacy(client, login, student_user):
    login(student_user)
    response = _upload(client, "assertion.json", OB2_ASSERTION)
    external = ExternalCredential.objects.get()
    assert (external.verdict, external.confirmed, external.is_legacy) == ("legacy", True, True)
    text = _text(client.get(response["Location"]))
    assert "Unsigned legacy" in text and "Open Badges 2.0" in text
    assert "First Aid Volunteer" in text and "Red Cross Example" in text
    assert "Attend the course and pass the practical test." in text
    [shown] = client.get("/wallet/").context["record"].imported
    assert shown.get_verdict_display() == "Unsigned legacy (Open Badges 2.0)"


def test_files_over_the_size_limit_or_that_are_not_credentials_are_refused_with_a_reason(
    client, login, student_user
):
    login(student_user)
    big = _upload(client, "huge.json", b"{" + b" " * (5 * 1024 * 1024) + b"}")
    assert "over the limit of 5,242,880 bytes (5 MB)" in _text(big)
    not_json = _upload(client, "notes.txt", "hello, world")
    assert "The file is not a credential: it is not JSON and not a signed token." in _text(not_json)
    not_credential = _upload(client, "data.json", {"name": "just data"})
    assert "not a verifiable credential" in _text(not_credential)
    plain_png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(plain_png, format="PNG")
    no_badge = _upload(client, "photo.png", plain_png.getvalue(), content_type="image/png")
    assert "carries no Open Badges credential" in _text(no_badge)
    assert not ExternalCredential.objects.exists()


def test_a_student_cannot_see_another_students_imports(client, login, student_user, other_student, signed):
    login(student_user)
    _upload(client, "badge.json", signed.document)
    external = ExternalCredential.objects.get()
    login(other_student)
    assert client.get(f"/wallet/imports/{external.id}/").status_code == 404
    assert client.post(f"/wallet/imports/{external.id}/delete").status_code == 404
    assert client.post(f"/wallet/imports/{external.id}/confirm").status_code == 404
    assert client.get("/wallet/imports/").context["imports"] == []
    assert client.get("/wallet/").context["record"].imported == []
    client.logout()
    assert client.get(f"/wallet/imports/{external.id}/").status_code == 302
    assert ExternalCredential.objects.filter(pk=external.pk).exists()


def test_a_baked_svg_badge_is_imported(client, login, student_user, signed):
    from wallet.baking import bake_svg

    svg = bake_svg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>', signed.document)
    login(student_user)
    _upload(client, "badge.svg", svg, content_type="image/svg+xml")
    external = ExternalCredential.objects.get()
    assert (external.source_format, external.verdict) == ("svg", "verified")


def test_a_credential_from_a_server_the_portal_cannot_reach_is_kept_as_could_not_check(
    client, login, student_user, issued, settings
):
    # Seen from a portal at another address, this issuer's did:web is on a server it does not fetch from.
    settings.PORTAL_BASE_URL = "https://wallet.elsewhere.example"
    login(student_user)
    response = _upload(client, "badge.json", issued["intro"].document)
    external = ExternalCredential.objects.get()
    assert (external.verdict, external.confirmed) == ("could_not_check", True)
    text = _text(client.get(response["Location"]))
    assert "Could not check" in text and "does not fetch from others" in text
    [shown] = client.get("/wallet/").context["record"].imported
    assert shown.get_verdict_display() == "Could not check"
