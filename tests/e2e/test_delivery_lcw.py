"""Acceptance: the Learner Credential Wallet's protocol, played exactly, against a live portal and a real worker.

The wallet (tests/interop/lcw_wallet.mjs, Digital Bazaar's packages only) reads the interaction URL's
protocols, POSTs {} to the VC-API exchange, answers the DIDAuthentication request with an
Ed25519Signature2020 presentation from its did:key, and reads the credential from
`verifiablePresentation.verifiableCredential`. The credential is signed by the worker (eager mode is off),
verifies in the portal's verifier and in Digital Bazaar's, and is about the wallet's DID.
"""

import json
import subprocess
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from credentials import services as credential_services
from credentials.models import IssuedCredential
from credentials.verification import credential_verify
from delivery.models import Claim
from delivery.services import interaction_url, offer_create
from tests.credentials.conftest import awards, catalog, learner  # noqa: F401  (the learner's record)
from tests.e2e.test_issuance_worker import node_verify, wait_signed
from tests.interop.conftest import INTEROP_DIR

pytestmark = pytest.mark.django_db(transaction=True)

WALLET_SEED = "9f" * 32
WALLET = INTEROP_DIR / "lcw_wallet.mjs"


@pytest.fixture
def record(awards):  # noqa: F811  (tests/credentials/conftest.py: three graded courses of the student)
    return awards


@pytest.fixture
def portal(live_server, settings, monkeypatch):
    """The portal at the live server's address, for the test process and the workers it starts."""
    settings.PORTAL_BASE_URL = live_server.url
    settings.PORTAL_HOST = urlsplit(live_server.url).netloc
    monkeypatch.setenv("PORTAL_BASE_URL", live_server.url)
    return live_server.url


def _wallet(digital_bazaar, *args) -> dict:
    completed = subprocess.run(
        [digital_bazaar.node, str(WALLET), *args], cwd=INTEROP_DIR, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    output = json.loads(completed.stdout)
    assert completed.returncode == 0, output
    return output


def _offer_of_first_award(record, student_user, workers):
    institution_copy = wait_signed(credential_services.credential_issue(award=record[0]), workers)
    _offer, token = offer_create(user=student_user, scope="credential", credential_id=institution_copy.id)
    return institution_copy, token


@pytest.mark.parametrize("vc_version", ["2.0", "1.0"])
def test_the_learner_credential_wallet_claims_a_credential_bound_to_its_own_did(
    portal, workers, record, student_user, digital_bazaar, vc_version
):
    workers.start("delivery")
    institution_copy, token = _offer_of_first_award(record, student_user, workers)

    result = _wallet(
        digital_bazaar,
        "claim",
        "--url",
        interaction_url(token),
        "--seed",
        WALLET_SEED,
        "--vc-version",
        vc_version,
    )

    started, completed = result["requests"]
    assert started["request"] == {} and started["status"] == 200
    proof = completed["request"]["verifiablePresentation"]["proof"]
    assert proof["type"] == "Ed25519Signature2020" and proof["domain"] == urlsplit(portal).netloc
    assert result["response"]["status"] == 200, result["response"]
    [credential] = result["response"]["body"]["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == result["did"]
    assert credential["id"] != institution_copy.document["id"]
    verdict = credential_verify(document_or_jwt=credential)
    assert verdict.verified, verdict.to_dict()
    node = node_verify(digital_bazaar, credential, record[0].institution)
    assert node.returncode == 0, node
    claim = Claim.objects.get()
    assert (claim.protocol, claim.holder_did) == ("vcapi", result["did"])
    assert IssuedCredential.objects.get(holder_did=result["did"]).signing_key_id is not None

    # The same presentation again (a replay) is refused, and nothing more is issued.
    replay = httpx.post(completed["url"], json=completed["request"], timeout=30)
    assert replay.status_code == 410 and replay.json()["error"] == "not_allowed"
    assert IssuedCredential.objects.exclude(holder_did="").count() == 1


def test_the_lcw_request_link_issues_to_the_did_that_signed_its_challenge(
    portal, workers, record, student_user, digital_bazaar
):
    workers.start("delivery-lcw")
    _institution_copy, token = _offer_of_first_award(record, student_user, workers)
    protocols = httpx.get(interaction_url(token), headers={"Accept": "application/json"}).json()["protocols"]
    params = {key: values[0] for key, values in parse_qs(urlsplit(protocols["lcw"]).query).items()}
    assert params["auth_type"] == "bearer" and params["issuer"] == portal

    result = _wallet(
        digital_bazaar, "lcw-request", "--url", params["vc_request_url"], "--challenge", params["challenge"],
        "--seed", WALLET_SEED, "--vc-version", "1.0",
    )  # fmt: skip

    assert result["response"]["status"] == 200, result["response"]
    [credential] = result["response"]["body"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == result["did"]
    assert credential_verify(document_or_jwt=credential).verified
    assert node_verify(digital_bazaar, credential, record[0].institution).returncode == 0
    assert Claim.objects.get().protocol == "lcw"
