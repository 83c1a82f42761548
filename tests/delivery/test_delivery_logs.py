"""Claiming logs no secret: not the offer's token (its addresses are redacted), nor the pre-authorized
code, the PIN, the access token, the c_nonce or the presentation challenge, with every logger at DEBUG."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

from credentials import services as credential_services
from delivery.services import interaction_url, offer_create, pre_authorized_code
from tests.delivery.signer import signed_presentation
from tests.delivery.test_oid4vci import _credential, _nonce, _proof_jwt, _token
from tests.security.test_log_scan import logs  # noqa: F401  (every logger at DEBUG, captured)

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_oid4vci_claim_with_a_pin_and_a_vcapi_exchange_log_none_of_their_secrets(
    client,
    awards,
    student_user,
    wallet,
    other_wallet,
    logs,  # noqa: F811
):
    signed = credential_services.credential_issue(award=awards[0])
    _offer, token = offer_create(
        user=student_user, scope="credential", credential_id=signed.id, with_pin=True
    )
    pin = re.search(r"PIN: (\d{6})", mail.outbox[-1].body).group(1)
    path = urlsplit(interaction_url(token)).path
    protocols = client.get(path, HTTP_ACCEPT="application/json").json()["protocols"]
    offer_uri = parse_qs(urlsplit(protocols["OID4VCI"]).query)["credential_offer_uri"][0]
    assert client.get(urlsplit(offer_uri).path).status_code == 200
    client.get(path + "/exchange")  # 405: Django logs the address
    client.get(path + "/nowhere")  # 404: likewise
    code = pre_authorized_code(token)
    _token(client, code, tx_code="000000" if pin != "000000" else "111111")  # a wrong PIN first
    access_token = _token(client, code, tx_code=pin).json()["access_token"]
    nonce = _nonce(client)
    body = {
        "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
        "proofs": {"jwt": [_proof_jwt(wallet, nonce=nonce)]},
    }
    assert _credential(client, access_token, body).status_code == 200
    assert _credential(client, access_token, body).status_code == 401  # logged as Unauthorized: <path>

    _second, second_token = offer_create(user=student_user, scope="credential", credential_id=signed.id)
    exchange = urlsplit(interaction_url(second_token)).path + "/exchange"
    request = client.post(exchange, "{}", content_type="application/json").json()[
        "verifiablePresentationRequest"
    ]
    forged = signed_presentation(
        wallet, challenge=request["challenge"], domain=request["domain"], holder=other_wallet.did
    )
    client.post(exchange, json.dumps({"verifiablePresentation": forged}), content_type="application/json")

    logs.assert_free_of(
        {
            "offer token": token, "second offer token": second_token, "pre-authorized code": code,
            "PIN": f"PIN: {pin}", "access token": access_token, "c_nonce": nonce, "challenge": request["challenge"],
        }
    )  # fmt: skip
