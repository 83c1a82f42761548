"""OID4VCI 1.0 pre-authorized code flow over HTTP, with a wallet built from joserfc (jwt proofs) and the
Python signer (di_vp proofs); every refusal answers the spec's error and changes nothing."""

import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from joserfc import jws
from joserfc.jwk import OKPKey

from credentials import services as credential_services
from credentials.models import IssuedCredential
from credentials.verification import credential_verify
from delivery.models import Claim, ClaimOffer
from delivery.services import interaction_url, offer_create
from tests.delivery.signer import signed_presentation
from vc.keys import b64url_encode, ed25519_private_multibase, public_jwk

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "http://127.0.0.1:8000"


def _path(url):
    return url.removeprefix(BASE)


@pytest.fixture
def signed(awards):
    return credential_services.credential_issue(award=awards[0])


def _offer(student_user, signed, **options):
    offer, token = offer_create(user=student_user, scope="credential", credential_id=signed.id, **options)
    return offer, token


def _credential_offer(client, token):
    protocols = client.get(_path(interaction_url(token)), HTTP_ACCEPT="application/json").json()["protocols"]
    link = protocols["oid4vci-1.0"]
    assert protocols["OID4VCI"] == link and link.startswith(
        "openid-credential-offer://?credential_offer_uri="
    )
    offer_uri = parse_qs(urlsplit(link).query)["credential_offer_uri"][0]
    response = client.get(_path(offer_uri))
    assert response.status_code == 200
    return response.json()


def _token(client, code, tx_code=None):
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code", "pre-authorized_code": code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return client.post("/oid4vci/token", form)


def _nonce(client):
    response = client.post("/oid4vci/nonce")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    return response.json()["c_nonce"]


def _proof_jwt(wallet, *, nonce, aud=BASE + "/oid4vci", typ="openid4vci-proof+jwt", use_jwk=False):
    header = {"alg": "EdDSA", "typ": typ}
    if use_jwk:
        header["jwk"] = public_jwk(wallet.private_key.public_key())
    else:
        header["kid"] = wallet.verification_method
    claims = {"aud": aud, "iat": int(time.time()), "nonce": nonce}
    key = OKPKey.import_key({**public_jwk(wallet.private_key.public_key()), "d": _d(wallet)})
    return jws.serialize_compact(header, json.dumps(claims).encode(), key, algorithms=["EdDSA"])


def _d(wallet):
    assert ed25519_private_multibase(wallet.private_key)  # the key is an Ed25519 private key
    return b64url_encode(wallet.seed)


def _credential(client, access_token, body):
    return client.post(
        "/oid4vci/credential", json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token}",
    )  # fmt: skip


def test_the_issuer_and_authorization_server_metadata_describe_the_three_configurations(client, db):
    issuer = client.get("/.well-known/openid-credential-issuer/oid4vci").json()
    assert issuer["credential_issuer"] == BASE + "/oid4vci"
    assert issuer["credential_endpoint"] == BASE + "/oid4vci/credential"
    assert issuer["nonce_endpoint"] == BASE + "/oid4vci/nonce"
    configurations = issuer["credential_configurations_supported"]
    assert configurations["OpenBadgeCredential_ldp_vc"]["format"] == "ldp_vc"
    assert configurations["ClrCredential_ldp_vc"]["credential_signing_alg_values_supported"] == [
        "eddsa-rdfc-2022"
    ]
    assert configurations["OpenBadgeCredential_jwt_vc_json"]["format"] == "jwt_vc_json"
    server = client.get("/.well-known/oauth-authorization-server/oid4vci").json()
    assert (
        server["token_endpoint"] == BASE + "/oid4vci/token"
        and server["issuer"] == issuer["credential_issuer"]
    )


@pytest.mark.parametrize("use_jwk", [False, True])
def test_a_jwt_proof_brings_the_open_badge_bound_to_the_proofs_key(
    client, student_user, signed, wallet, use_jwk
):
    _offer_row, token = _offer(student_user, signed)
    offer = _credential_offer(client, token)
    grant = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert "tx_code" not in grant and "OpenBadgeCredential_ldp_vc" in offer["credential_configuration_ids"]

    answer = _token(client, grant["pre-authorized_code"]).json()
    assert answer["token_type"] == "Bearer"
    proof = _proof_jwt(wallet, nonce=_nonce(client), use_jwk=use_jwk)
    response = _credential(
        client, answer["access_token"],
        {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": [proof]}},
    )  # fmt: skip

    assert response.status_code == 200, response.content
    [item] = response.json()["credentials"]
    assert item["credential"]["credentialSubject"]["id"] == wallet.did
    assert credential_verify(document_or_jwt=item["credential"]).verified
    claim = Claim.objects.get()
    assert (claim.protocol, claim.holder_did) == ("oid4vci", wallet.did)


def test_the_jwt_vc_json_configuration_gives_a_vc_jwt_of_the_holders_copy(
    client, student_user, signed, wallet
):
    _offer_row, token = _offer(student_user, signed)
    grant = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    access_token = _token(client, grant["pre-authorized_code"]).json()["access_token"]

    response = _credential(client, access_token, {
        "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json",
        "proofs": {"jwt": [_proof_jwt(wallet, nonce=_nonce(client))]},
    })  # fmt: skip

    token_text = response.json()["credentials"][0]["credential"]
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", token_text)
    verdict = credential_verify(document_or_jwt=token_text)
    assert verdict.verified, verdict.to_dict()
    assert IssuedCredential.objects.get(holder_did=wallet.did).jwt == token_text


def test_a_di_vp_proof_over_the_nonce_brings_the_credential(client, student_user, signed, wallet):
    _offer_row, token = _offer(student_user, signed)
    grant = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    access_token = _token(client, grant["pre-authorized_code"]).json()["access_token"]
    presentation = signed_presentation(wallet, challenge=_nonce(client), domain=BASE + "/oid4vci")

    response = _credential(client, access_token, {
        "credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"di_vp": [presentation]},
    })  # fmt: skip

    assert response.status_code == 200, response.content
    assert response.json()["credentials"][0]["credential"]["credentialSubject"]["id"] == wallet.did


def test_with_a_pin_the_token_needs_the_pin_that_was_e_mailed(client, student_user, signed, wallet):
    _offer_row, token = _offer(student_user, signed, with_pin=True)
    [message] = mail.outbox
    pin = re.search(r"PIN: (\d{6})", message.body).group(1)
    grant = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": grant["tx_code"]["description"],
    }

    assert _token(client, grant["pre-authorized_code"]).json()["error"] == "invalid_request"
    assert _token(client, grant["pre-authorized_code"], tx_code=pin).status_code == 200


# --- refusals --------------------------------------------------------------------------------------


def _nothing_issued(offer):
    offer.refresh_from_db()
    assert not offer.is_claimed and not Claim.objects.exists()
    assert not IssuedCredential.objects.exclude(holder_did="").exists()


def test_a_reused_pre_authorized_code_is_an_invalid_grant(client, student_user, signed):
    offer, token = _offer(student_user, signed)
    code = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert _token(client, code["pre-authorized_code"]).status_code == 200

    again = _token(client, code["pre-authorized_code"])

    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    _nothing_issued(offer)


def test_a_wrong_pin_is_an_invalid_grant_and_five_close_the_offer(client, student_user, signed):
    offer, token = _offer(student_user, signed, with_pin=True)
    pin = re.search(r"PIN: (\d{6})", mail.outbox[0].body).group(1)
    wrong = f"{(int(pin) + 1) % 10**6:06d}"
    code = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]

    response = _token(client, code["pre-authorized_code"], tx_code=wrong)

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    offer.refresh_from_db()
    assert offer.code_redeemed_at is None and offer.tx_code_failures == 1
    for _ in range(4):
        _token(client, code["pre-authorized_code"], tx_code=wrong)
    assert _token(client, code["pre-authorized_code"], tx_code=pin).json()["error"] == "invalid_grant"
    _nothing_issued(offer)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"nonce": "not-a-nonce-we-gave"}, "invalid_nonce"),
        ({"aud": "https://another-issuer.example/oid4vci"}, "invalid_proof"),
        ({"typ": "JWT"}, "invalid_proof"),
    ],
)
def test_a_proof_with_the_wrong_nonce_audience_or_type_is_refused(
    client, student_user, signed, wallet, change, error
):
    offer, token = _offer(student_user, signed)
    code = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    access_token = _token(client, code["pre-authorized_code"]).json()["access_token"]
    values = {"nonce": _nonce(client), **change}

    response = _credential(client, access_token, {
        "credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": [_proof_jwt(wallet, **values)]},
    })  # fmt: skip

    assert response.status_code == 400 and response.json()["error"] == error, response.content
    _nothing_issued(offer)


def test_a_used_nonce_cannot_be_used_again(client, student_user, signed, wallet, other_wallet):
    _offer_row, token = _offer(student_user, signed)
    code = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    access_token = _token(client, code["pre-authorized_code"]).json()["access_token"]
    nonce = _nonce(client)
    body = {
        "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
        "proofs": {"jwt": [_proof_jwt(wallet, nonce=nonce)]},
    }
    assert _credential(client, access_token, body).status_code == 200
    # The token is spent too: the same request again is refused before its proof is looked at.
    assert _credential(client, access_token, body).json()["error"] == "invalid_token"


def test_no_or_a_wrong_access_token_is_invalid_token_with_a_401(client, student_user, signed, wallet):
    offer, _token_text = _offer(student_user, signed)
    body = {
        "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
        "proofs": {"jwt": [_proof_jwt(wallet, nonce=_nonce(client))]},
    }

    response = client.post("/oid4vci/credential", json.dumps(body), content_type="application/json")

    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert _credential(client, "x" * 43, body).status_code == 401
    _nothing_issued(offer)


@pytest.mark.parametrize("how", ["expired", "cancelled"])
def test_an_expired_or_cancelled_offer_gives_no_token(client, student_user, signed, how):
    from datetime import timedelta

    from django.utils import timezone

    offer, token = _offer(student_user, signed)
    code = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    field = (
        {"expires_at": timezone.now() - timedelta(seconds=1)}
        if how == "expired"
        else {"cancelled_at": timezone.now()}
    )
    ClaimOffer.objects.filter(pk=offer.pk).update(**field)

    response = _token(client, code["pre-authorized_code"])

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert how in response.json()["error_description"]
    _nothing_issued(offer)


def test_an_unknown_configuration_is_refused(client, student_user, signed, wallet):
    offer, token = _offer(student_user, signed)
    code = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    access_token = _token(client, code["pre-authorized_code"]).json()["access_token"]
    body = {
        "credential_configuration_id": "ClrCredential_ldp_vc",
        "proofs": {"jwt": [_proof_jwt(wallet, nonce=_nonce(client))]},
    }

    response = _credential(client, access_token, body)

    assert response.status_code == 400 and response.json()["error"] == "unknown_credential_configuration"
    _nothing_issued(offer)


def test_an_offer_cancelled_after_its_token_was_given_refuses_the_credential(
    client, student_user, signed, wallet
):
    offer, token = _offer(student_user, signed)
    code = _credential_offer(client, token)["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    access_token = _token(client, code["pre-authorized_code"]).json()["access_token"]
    from delivery.services import offer_cancel

    offer_cancel(offer=offer, user=student_user)
    body = {
        "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
        "proofs": {"jwt": [_proof_jwt(wallet, nonce=_nonce(client))]},
    }

    response = _credential(client, access_token, body)

    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    _nothing_issued(offer)
