"""The bad-input corpus: hostile bytes sent to every input surface get a clear answer and change nothing
(issue 11, finding 10).

Each item of CORPUS goes through HTTP to the wallet import upload, the /verify/ page (upload, and paste
for text), and POST /api/v1/verify (raw body and multipart). The answer is never a 500: the API gives a
4xx `{"message", "extra"}`; the HTML forms give their page with the message as a form error (the wallet
import page answers 200, as Django forms do; the verify page 400). The main tables hold as many rows
after as before. Forms of registrars get numbers no column can hold (credits) and NUL characters.

Run it on PostgreSQL too, which refuses what SQLite stores (NUL in text and JSON, `Infinity` in jsonb):
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/clrportal_badinput pytest tests/security/test_bad_input.py`.
"""

import base64
import hashlib
import hmac
import io
import json
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from achievements.models import Achievement, AchievementVersion, Award, Evidence, Learner
from credentials.models import IssuedCredential
from institutions.models import AuditEntry
from wallet.baking import PNG_SIGNATURE
from wallet.models import ExternalCredential

pytestmark = pytest.mark.django_db

API = "/api/v1/verify"
VERIFY = "/verify/"
IMPORTS = "/wallet/imports/"
TABLES = (
    ExternalCredential,
    Award,
    Evidence,
    Achievement,
    AchievementVersion,
    Learner,
    IssuedCredential,
    AuditEntry,
)
DEPTH = 10_000


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(value: dict) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def foreign_credential(world) -> dict:
    """Campus A's signed credential of A1, under another id: not a copy of this portal's own credential."""
    document = json.loads(json.dumps(world.a.credentials[0].document))
    document["id"] = "urn:uuid:9b0c6a4e-0000-4000-8000-00000000bad1"
    return document


def jwt_alg_none(world) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": world.a.key.verification_method}
    document = foreign_credential(world)
    return f"{segment(header)}.{segment({'iss': document['issuer']['id'], 'vc': document})}."


def jwt_hs256_with_the_public_key(world) -> str:
    """Algorithm confusion: HS256 whose HMAC secret is the issuer's public key (RFC 8725 2.1)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": world.a.key.verification_method}
    document = foreign_credential(world)
    signing_input = f"{segment(header)}.{segment({'iss': document['issuer']['id'], 'vc': document})}"
    secret = world.a.key.public_key.encode()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with_itxt(keyword: bytes, text: bytes) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(buffer, format="PNG")
    plain = buffer.getvalue()
    ihdr_end = len(PNG_SIGNATURE) + 8 + 13 + 4
    itxt = png_chunk(b"iTXt", keyword + b"\0\0\0\0\0" + text)
    return plain[:ihdr_end] + itxt + plain[ihdr_end:]


DEEP_VC = b'{"vc": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"
SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    f"{SVG_HEAD}<openbadges:credential>&d;</openbadges:credential></svg>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f"{SVG_HEAD}<openbadges:credential>&x;</openbadges:credential></svg>"
)
SVG_SCRIPT = f"{SVG_HEAD}<script>alert(document.domain)</script></svg>"


# name -> (file name, builder of the bytes from the world). Each is refused outright: nothing is stored.
CORPUS = {
    "NUL in a JSON value": (
        "nul.json",
        lambda world: b'{"name": "a\\u0000b", "type": ["VerifiableCredential"]}',
    ),
    "NUL in a JSON key": ("nul.json", lambda world: b'{"a\\u0000": 1, "type": ["VerifiableCredential"]}'),
    "a raw NUL byte in JSON": ("nul.json", lambda world: b'{"name": "a\x00b"}'),
    "10,000-deep JSON arrays": ("deep.json", lambda world: b'{"a": ' + b"[" * DEPTH + b"]" * DEPTH + b"}"),
    "10,000-deep JSON objects": ("deep.json", lambda world: b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH),
    "a JSON number of a million digits": ("big.json", lambda world: b'{"credits": ' + b"9" * 10**6 + b"}"),
    "a JSON number that is infinite as a float": (
        "big.json",
        lambda world: b'{"type": ["VerifiableCredential"], "credits": 1e999999}',
    ),
    "JSON NaN": ("nan.json", lambda world: b'{"type": ["VerifiableCredential"], "credits": NaN}'),
    "JSON Infinity": ("inf.json", lambda world: b'{"type": ["VerifiableCredential"], "credits": -Infinity}'),
    "invalid UTF-8": ("bad.json", lambda world: b'{"name": "\xff\xfe\xfd"}'),
    "UTF-16 with a BOM": (
        "utf16.json",
        lambda world: '{"type": ["VerifiableCredential"]}'.encode("utf-16"),
    ),
    "a JSON bomb of repeated keys": (
        "keys.json",
        lambda world: b"{" + b",".join(b'"k": [1, 2, 3]' for _ in range(200_000)) + b"}",
    ),
    "a VC-JWT with a 10 MB segment": (
        "big.jwt",
        lambda world: b"eyJhbGciOiJFZERTQSJ9." + b"A" * (10 * 1024 * 1024) + b".c2ln",
    ),
    "a VC-JWT that is not base64url": ("bad.jwt", lambda world: b"eyJhbGciOi!!.e30$$.c2ln"),
    "a VC-JWT whose payload is not JSON": (
        "bad.jwt",
        lambda world: f"{b64url(b'{}')}.{b64url(b'nope')}.".encode(),
    ),
    "a VC-JWT whose payload is 10,000 deep": (
        "deep.jwt",
        lambda world: (b64url(b"{}") + "." + b64url(DEEP_VC) + ".").encode(),
    ),
    "a PNG with a huge iTXt chunk": (
        "huge.png",
        lambda world: png_with_itxt(b"openbadgecredential", b"{" + b" " * (3 * 1024 * 1024) + b"}"),
    ),
    "a truncated PNG": ("cut.png", lambda world: png_with_itxt(b"openbadgecredential", b"{}")[:40]),
    "a PNG whose openbadges chunk holds NUL": (
        "nul.png",
        lambda world: png_with_itxt(b"openbadgecredential", b'{"name": "a\\u0000b"}'),
    ),
    "a PNG whose legacy chunk holds a raw NUL": (
        "nul.png",
        lambda world: png_with_itxt(b"openbadges", b'{"name": "a\x00b"}'),
    ),
    "an SVG with a DOCTYPE and entities (billion laughs)": (
        "laughs.svg",
        lambda world: BILLION_LAUGHS.encode(),
    ),
    "an SVG with an external entity": ("xxe.svg", lambda world: EXTERNAL_ENTITY.encode()),
    "an SVG with a script": ("script.svg", lambda world: SVG_SCRIPT.encode()),
    "an empty body": ("empty.json", lambda world: b""),
}
# Credentials that can be read and verified: the verdict is "not valid" (a 200 of the verifier), and a
# wallet import keeps them only as unconfirmed (removed unless their owner confirms, a day later).
FORGED_JWTS = {
    "a VC-JWT with alg none": jwt_alg_none,
    "a VC-JWT signed HS256 with the issuer's public key": jwt_hs256_with_the_public_key,
}
# What each kind of refusal says (one of these is in the answer).
MESSAGES = (
    "NUL character",
    "nested more than",
    "nested too deeply",
    "not valid JSON",
    "neither JSON nor a VC-JWT",
    "neither a credential",
    "not JSON and not a signed token",
    "not text (JSON or a signed token)",
    "but not a credential",
    "holds no credential",
    "not UTF-8",
    "not a number JSON",
    "cannot be read",
    "is not base64url",
    "over the limit",
    "larger than",
    "truncated",
    "DTD or entities",
    "carries no Open Badges credential",
    "empty",
    "not a verifiable credential",
    "is not a finite number",
    "Exceeds the limit",
    "Open Badges 2.0",
    "Nothing was given",
    "Null characters are not allowed.",  # Django's own, for a NUL in a form field
)


def assert_clear_message(text: str) -> None:
    assert any(message in text for message in MESSAGES), text[:2000]


def post_import(client, world, name: str, data: bytes):
    world.sign_in(client, "student_a1")
    return client.post(IMPORTS, {"file": SimpleUploadedFile(name, data)})


@pytest.mark.parametrize("item", list(CORPUS))
def test_a_wallet_import_of_bad_input_is_refused_with_a_form_error_and_stores_nothing(client, world, item):
    name, build = CORPUS[item]
    before = row_counts()

    response = post_import(client, world, name, build(world))

    assert response.status_code == 200  # the import page again, with the error under the file field
    assert response.context["form"].errors["file"]
    assert_clear_message(" ".join(response.context["form"].errors["file"]))
    assert row_counts() == before


@pytest.mark.parametrize("item", list(CORPUS))
def test_the_verify_page_refuses_an_uploaded_bad_file_with_a_400_and_a_message(client, world, item):
    name, build = CORPUS[item]
    before = row_counts()

    response = client.post(VERIFY, {"credential_file": SimpleUploadedFile(name, build(world))})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert_clear_message(" ".join(errors.get("credential_file", []) + errors.get("credential_text", [])))
    assert row_counts() == before


TEXT_ITEMS = [
    item
    for item, (name, _build) in CORPUS.items()
    # Text only (no images, no bytes that are not UTF-8) and under Django's request-body limit.
    if item not in {"invalid UTF-8", "UTF-16 with a BOM", "a VC-JWT with a 10 MB segment"}
    and not name.endswith(".png")
]


@pytest.mark.parametrize("item", TEXT_ITEMS)
def test_the_verify_page_refuses_bad_pasted_text_with_a_400_and_a_message(client, world, item):
    _name, build = CORPUS[item]
    text = build(world).decode("utf-8", errors="replace")
    before = row_counts()

    response = client.post(VERIFY, {"credential_text": text})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert_clear_message(" ".join(errors.get("credential_text", []) + errors.get("__all__", [])))
    assert row_counts() == before


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/vc+jwt"])
@pytest.mark.parametrize("item", list(CORPUS))
def test_the_api_refuses_a_bad_body_with_a_4xx_and_a_message(client, world, item, content_type):
    _name, build = CORPUS[item]
    before = row_counts()

    response = client.post(API, build(world), content_type=content_type)

    assert 400 <= response.status_code < 500, response.content[:500]
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert_clear_message(body["message"])
    assert row_counts() == before


@pytest.mark.parametrize("item", list(CORPUS))
def test_the_api_refuses_a_bad_uploaded_file_with_a_4xx_and_a_message(client, world, item):
    name, build = CORPUS[item]
    before = row_counts()

    response = client.post(API, {"file": SimpleUploadedFile(name, build(world))})

    assert 400 <= response.status_code < 500, response.content[:500]
    assert_clear_message(response.json()["message"])
    assert row_counts() == before


@pytest.mark.parametrize("item", list(FORGED_JWTS))
def test_the_api_says_a_forged_vc_jwt_is_not_valid_because_of_its_algorithm(client, world, item):
    token = FORGED_JWTS[item](world)
    before = row_counts()

    response = client.post(API, token, content_type="application/vc+jwt")

    assert response.status_code == 200
    body = response.json()
    assert (body["verified"], body["verdict"]) == (False, "not_valid")
    proof = next(check for check in body["checks"] if check["name"] == "proof")
    assert proof["status"] == "failed"
    assert "is not accepted (RS256 or EdDSA)" in proof["message"]
    assert row_counts() == before


@pytest.mark.parametrize("item", list(FORGED_JWTS))
def test_the_verify_page_says_a_forged_vc_jwt_is_not_valid(client, world, item):
    response = client.post(VERIFY, {"credential_text": FORGED_JWTS[item](world)})

    assert response.status_code == 200
    assert "is not accepted (RS256 or EdDSA)" in response.content.decode()


@pytest.mark.parametrize("item", list(FORGED_JWTS))
def test_a_wallet_import_of_a_forged_vc_jwt_is_held_as_not_valid_until_its_owner_confirms(
    client, world, item
):
    before = row_counts()

    response = post_import(client, world, "forged.jwt", FORGED_JWTS[item](world).encode())

    assert response.status_code == 302
    external = ExternalCredential.objects.get(owner=world.a.students[0], original_name="forged.jwt")
    assert (external.verdict, external.confirmed, external.is_kept) == ("not_valid", False, False)
    assert row_counts() == {**before, "ExternalCredential": before["ExternalCredential"] + 1,
                            "AuditEntry": before["AuditEntry"] + 1}  # fmt: skip


@pytest.mark.parametrize("file_name", ["nul\x00name.json", "../../etc/passwd.json", "..\\..\\x.json"])
def test_an_uploaded_file_name_with_a_nul_or_a_path_is_never_a_500_nor_a_path(client, world, file_name):
    document = json.dumps(foreign_credential(world)).encode()

    response = post_import(client, world, file_name, document)

    assert response.status_code in (200, 302)
    for external in ExternalCredential.objects.filter(owner=world.a.students[0]):
        assert "\x00" not in external.original_name and "/" not in external.original_name
        assert "\\" not in external.original_name and ".." not in external.original_name
    verified = client.post(API, {"file": SimpleUploadedFile(file_name, document)})
    assert verified.status_code == 200


@pytest.fixture
def registrar(client, world):
    world.sign_in(client, "registrar_a")
    return client


CREDITS = "Credits are a number from 0 to 9999.99, with at most 2 decimal places."
BAD_CREDITS = {
    "9999.999": CREDITS,
    "1E-999999": CREDITS,
    "1E+999999": CREDITS,
    "NaN": "Enter a number.",
    "Infinity": "Enter a number.",
    "-Infinity": "Enter a number.",
    "1" + "0" * 30: CREDITS,
    "9" * 5000: CREDITS,
}


@pytest.mark.parametrize("credits", list(BAD_CREDITS))
def test_the_award_form_refuses_credits_no_column_can_hold_with_a_form_error(registrar, world, credits):
    learner = world.a.learners[1]
    before = row_counts()

    response = registrar.post(
        f"/institutions/{world.a.institution.slug}/learners/{learner.pk}/awards",
        {"achievement": world.a.program.pk, "awarded_date": "2025-12-20", "credits_earned": credits},
    )

    assert response.status_code == 400
    assert BAD_CREDITS[credits] in " ".join(response.context["award_form"].errors["credits_earned"])
    assert row_counts() == before


def test_the_award_form_records_minus_zero_credits_as_zero(registrar, world):
    learner = world.a.learners[1]

    response = registrar.post(
        f"/institutions/{world.a.institution.slug}/learners/{learner.pk}/awards",
        {"achievement": world.a.program.pk, "awarded_date": "2025-12-20", "credits_earned": "-0"},
    )

    assert response.status_code == 302
    award = Award.objects.filter(learner=learner, achievement=world.a.program).get()
    assert str(award.credits_earned) in ("0", "0.00")


def achievement_post(**overrides) -> dict:
    from tests.achievements.test_catalog_pages import achievement_post as base

    return base(**overrides)


@pytest.mark.parametrize("credits", list(BAD_CREDITS))
def test_the_catalog_form_refuses_credits_no_column_can_hold_with_a_form_error(registrar, world, credits):
    before = row_counts()

    response = registrar.post(
        f"/institutions/{world.a.institution.slug}/catalog/new", achievement_post(credits_available=credits)
    )

    assert response.status_code in (200, 400)
    assert BAD_CREDITS[credits] in " ".join(response.context["form"].errors["credits_available"])
    assert row_counts() == before


@pytest.mark.parametrize("field", ["given_name", "family_name", "sourced_id", "email", "did"])
def test_the_learner_form_refuses_a_nul_character_with_a_form_error(registrar, world, field):
    learner = world.a.learners[1]
    data = {"given_name": learner.given_name, "family_name": learner.family_name, "email": learner.email,
            "sourced_id": learner.sourced_id, "did": learner.did}  # fmt: skip
    data[field] = "Ann\x00e"
    before = row_counts()

    response = registrar.post(f"/institutions/{world.a.institution.slug}/learners/{learner.pk}/edit", data)

    assert response.status_code == 400
    assert "Null characters are not allowed." in " ".join(response.context["learner_form"].errors[field])
    assert row_counts() == before
    stored = Learner.objects.get(pk=learner.pk)
    assert (stored.given_name, stored.family_name) == (learner.given_name, learner.family_name)


def test_an_evidence_file_whose_name_holds_a_nul_is_never_a_500(registrar, world):
    learner = world.a.learners[1]

    response = registrar.post(
        f"/institutions/{world.a.institution.slug}/learners/{learner.pk}/awards",
        {
            "achievement": world.a.program.pk,
            "awarded_date": "2025-12-20",
            "evidence_file": SimpleUploadedFile("../pro\x00ject.pdf", b"%PDF-1.7 x"),
        },
    )

    assert response.status_code in (302, 400)
    for evidence in Evidence.objects.filter(award__learner=learner):
        assert "\x00" not in evidence.name and "\x00" not in evidence.file.name
        assert ".." not in evidence.file.name
