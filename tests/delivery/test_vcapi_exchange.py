"""Claiming through an offer over HTTP: the offer pages, the interaction URL, the VC-API exchange as the
Learner Credential Wallet runs it, and LCW's request link; and every refusal leaves nothing changed."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from credentials import services as credential_services
from credentials.models import IssuedCredential
from credentials.verification import credential_verify
from delivery.models import Claim, ClaimOffer
from tests.delivery.signer import signed_presentation

pytestmark = pytest.mark.django_db(transaction=True)

JSON = "application/json"


@pytest.fixture
def signed(awards):
    return credential_services.credential_issue(award=awards[0])


def _offer(client, login, student_user, **fields):
    login(student_user)
    response = client.post(reverse("delivery:offer_new"), fields)
    assert response.status_code == 302, response.content
    offer = ClaimOffer.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    url = re.search(r'id="offer-url" type="text" readonly value="([^"]+)"', page.content.decode()).group(1)
    client.logout()
    return offer, url, page


def _path(url):
    return url.removeprefix("http://testserver").removeprefix("http://127.0.0.1:8000")


def _post(client, url, body):
    return client.post(_path(url), json.dumps(body), content_type=JSON)


def _protocols(client, url):
    response = client.get(_path(url), HTTP_ACCEPT=JSON)
    assert response.status_code == 200, response.content
    return response.json()["protocols"]


def _holder_copies():
    return IssuedCredential.objects.exclude(holder_did="")


def test_the_learner_gets_one_qr_code_and_link_whose_offer_expiry_is_not_the_credentials(
    client, login, student_user, signed
):
    offer, url, page = _offer(client, login, student_user, scope="credential", credential=signed.id)

    html = page.content.decode()
    assert "<svg" in html and 'aria-label="QR code of the claim offer"' in html
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/interactions/[A-Za-z0-9_-]{40,}\?iuv=1", url)
    assert "can be used once, until" in html and "does not stop being valid" in html
    assert abs(offer.expires_at - offer.created_at - timedelta(hours=24)) < timedelta(seconds=1)
    assert page["Cache-Control"] == "private, no-store"


def test_a_wallet_asking_for_json_gets_the_protocols_and_a_browser_a_page_with_a_button_per_wallet(
    client, login, student_user, signed
):
    _offer_row, url, _page = _offer(client, login, student_user, scope="credential", credential=signed.id)

    protocols = _protocols(client, url)
    assert protocols["vcapi"].endswith("/exchange")
    assert protocols["lcw"].startswith("https://lcw.app/request.html?issuer=")
    page = client.get(_path(url), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"Open in the Learner Credential Wallet" in page.content and b"<svg" in page.content


def test_the_offer_page_offers_a_browser_wallet_through_the_mediator_it_may_frame_and_no_other(
    client, login, student_user, signed, settings
):
    _offer_row, url, _page = _offer(client, login, student_user, scope="credential", credential=signed.id)

    page = client.get(_path(url), HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert re.search(r'<button[^>]* hidden data-chapi-offer data-interaction="/interactions/[^"]+"', html)
    assert 'data-mediator="https://authn.io"' in html
    assert 'data-polyfill="/static/js/vendor/credential-handler-polyfill-4.0.1.min.js"' in html
    assert 'src="/static/js/chapi-offer.js"' in html
    assert page["Content-Security-Policy"].endswith("frame-src https://authn.io")

    settings.DELIVERY_CHAPI_MEDIATOR_ORIGIN = ""
    without = client.get(_path(url), HTTP_ACCEPT="text/html")
    assert b"data-chapi-offer" not in without.content
    assert "authn.io" not in without["Content-Security-Policy"]


def test_the_vcapi_exchange_issues_a_credential_to_the_did_that_signed_and_logs_the_claim(
    client, login, student_user, signed, wallet
):
    offer, url, _page = _offer(client, login, student_user, scope="credential", credential=signed.id)
    exchange = _protocols(client, url)["vcapi"]

    started = _post(client, exchange, {})
    assert started.status_code == 200
    request = started.json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert {"cryptosuite": "Ed25519Signature2020"} in request["query"][0]["acceptedCryptosuites"]
    assert request["challenge"] and request["domain"] == "127.0.0.1:8000"

    presentation = signed_presentation(wallet, challenge=request["challenge"], domain=request["domain"])
    done = _post(
        client, request["interact"]["service"][0]["serviceEndpoint"], {"verifiablePresentation": presentation}
    )

    assert done.status_code == 200, done.content
    [credential] = done.json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == wallet.did
    assert credential_verify(document_or_jwt=credential).verified
    claim = Claim.objects.get()
    assert (claim.protocol, claim.holder_did) == ("vcapi", wallet.did)
    offer.refresh_from_db()
    assert offer.is_claimed

    # Replayed: refused, and nothing more is issued.
    again = _post(client, exchange, {"verifiablePresentation": presentation})
    assert again.status_code == 410 and "already claimed" in again.json()["error_description"]
    assert _holder_copies().count() == 1 and Claim.objects.count() == 1


def test_everything_brings_every_credential_and_the_clr_in_one_presentation(
    client, login, student_user, awards, wallet
):
    _offer_row, url, _page = _offer(
        client, login, student_user, scope="everything", learner=awards[0].learner.pk
    )
    exchange = _protocols(client, url)["vcapi"]
    request = _post(client, exchange, {}).json()["verifiablePresentationRequest"]

    done = _post(
        client,
        exchange,
        {
            "verifiablePresentation": signed_presentation(
                wallet, challenge=request["challenge"], domain=request["domain"]
            )
        },
    )

    credentials = done.json()["verifiablePresentation"]["verifiableCredential"]
    assert len(credentials) == 4 and "ClrCredential" in credentials[-1]["type"]
    assert {credential["credentialSubject"]["id"] for credential in credentials} == {wallet.did}


def test_the_lcw_request_link_takes_a_presentation_signed_for_its_challenge(
    client, login, student_user, signed, wallet
):
    _offer_row, url, _page = _offer(client, login, student_user, scope="credential", credential=signed.id)
    link = _protocols(client, url)["lcw"]
    from urllib.parse import parse_qs, urlsplit

    params = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
    assert params["auth_type"] == "bearer" and params["issuer"] == "http://127.0.0.1:8000"

    response = _post(
        client, params["vc_request_url"], signed_presentation(wallet, challenge=params["challenge"])
    )

    assert response.status_code == 200, response.content
    [credential] = response.json()["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == wallet.did
    assert Claim.objects.get().protocol == "lcw"


# --- refusals: the protocol's error, and no change ----------------------------------------------------


def _started(client, login, student_user, signed):
    offer, url, _page = _offer(client, login, student_user, scope="credential", credential=signed.id)
    exchange = _protocols(client, url)["vcapi"]
    return offer, exchange, _post(client, exchange, {}).json()["verifiablePresentationRequest"]


def _assert_nothing_changed(offer):
    offer.refresh_from_db()
    assert not offer.is_claimed and not Claim.objects.exists() and not _holder_copies().exists()


def test_a_presentation_naming_another_holder_than_its_key_is_refused(
    client, login, student_user, signed, wallet, other_wallet
):
    offer, exchange, request = _started(client, login, student_user, signed)
    forged = signed_presentation(
        wallet, challenge=request["challenge"], domain=request["domain"], holder=other_wallet.did
    )

    response = _post(client, exchange, {"verifiablePresentation": forged})

    assert response.status_code == 400 and response.json()["error"] == "invalid_proof"
    assert "another holder" in response.json()["error_description"]
    _assert_nothing_changed(offer)


def test_a_presentation_whose_signature_is_not_the_named_keys_is_refused(
    client, login, student_user, signed, wallet, other_wallet
):
    offer, exchange, request = _started(client, login, student_user, signed)
    presentation = signed_presentation(wallet, challenge=request["challenge"], domain=request["domain"])
    presentation["proof"]["verificationMethod"] = other_wallet.verification_method
    presentation["holder"] = other_wallet.did

    response = _post(client, exchange, {"verifiablePresentation": presentation})

    assert response.status_code == 400 and response.json()["error"] == "invalid_proof"
    _assert_nothing_changed(offer)


@pytest.mark.parametrize("change", [{"challenge": "not-the-challenge"}, {"domain": "evil.example"}])
def test_a_presentation_made_for_another_challenge_or_domain_is_refused(
    client, login, student_user, signed, wallet, change
):
    offer, exchange, request = _started(client, login, student_user, signed)
    values = {"challenge": request["challenge"], "domain": request["domain"], **change}

    response = _post(client, exchange, {"verifiablePresentation": signed_presentation(wallet, **values)})

    assert response.status_code == 400 and response.json()["error"] == "invalid_proof"
    _assert_nothing_changed(offer)


@pytest.mark.parametrize("how", ["expired", "cancelled"])
def test_an_expired_or_cancelled_offer_is_refused(client, login, student_user, signed, wallet, how):
    offer, exchange, request = _started(client, login, student_user, signed)
    if how == "expired":
        ClaimOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    else:
        login(student_user)
        assert client.post(reverse("delivery:offer_cancel", args=[offer.pk])).status_code == 302
        client.logout()

    response = _post(
        client,
        exchange,
        {
            "verifiablePresentation": signed_presentation(
                wallet, challenge=request["challenge"], domain=request["domain"]
            )
        },
    )

    assert response.status_code == 410 and response.json()["error"] == "not_allowed"
    assert how in response.json()["error_description"]
    offer.refresh_from_db()
    assert not offer.is_claimed and not _holder_copies().exists()
    assert _post(client, exchange, {}).status_code == 410


def test_someone_elses_credential_cannot_be_offered(client, login, signed, other_institution):
    from tests.factories import UserFactory

    login(UserFactory())
    response = client.post(reverse("delivery:offer_new"), {"scope": "credential", "credential": signed.id})
    assert response.status_code == 302 and not ClaimOffer.objects.exists()


@pytest.mark.parametrize(
    "body", [b"[1]", b"not json", b'{"verifiablePresentation": 3}', b"{" + b" " * 70000 + b"}"]
)
def test_bad_exchange_input_gets_a_clear_4xx(client, login, student_user, signed, body):
    _offer_row, exchange, _request = _started(client, login, student_user, signed)
    response = client.post(_path(exchange), body, content_type=JSON)
    assert 400 <= response.status_code < 500 and response.json()["error_description"]


def test_an_unknown_offer_is_a_404_for_wallets_and_people(client, db):
    assert client.get("/interactions/" + "x" * 43, HTTP_ACCEPT=JSON).status_code == 404
    assert client.get("/interactions/" + "x" * 43).status_code == 404
    assert client.post("/interactions/" + "x" * 43 + "/exchange", "{}", content_type=JSON).status_code == 404
