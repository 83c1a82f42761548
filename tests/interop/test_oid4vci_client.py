"""An independent OID4VCI 1.0 client (@openid4vc/openid4vci, pinned) claims through the portal's offers.

The pre-authorized code flow against a live portal, with and without a PIN, with a `jwt` proof and with a
`di_vp` proof: the credential it receives verifies in the portal's verifier and in Digital Bazaar's, and
its subject is the client's DID. (Signing runs eagerly here; tests/e2e/test_delivery_lcw.py proves the
worker path.)
"""

import json
import re
import subprocess
from urllib.parse import urlsplit

import pytest
from django.core import mail

from credentials import services as credential_services
from credentials.verification import credential_verify, fetch_status_list
from delivery.models import Claim
from delivery.services import interaction_url, offer_create
from institutions.selectors import institution_did_document
from tests.credentials.conftest import awards, catalog, learner  # noqa: F401  (the learner's record)
from tests.interop.conftest import INTEROP_DIR

pytestmark = pytest.mark.django_db(transaction=True)

WALLET = INTEROP_DIR / "oid4vci_wallet.mjs"
SEED = "5a" * 32


@pytest.fixture
def record(awards):  # noqa: F811
    return awards


@pytest.fixture
def portal(live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url
    settings.PORTAL_HOST = urlsplit(live_server.url).netloc
    return live_server.url


def _client(digital_bazaar, *args) -> dict:
    completed = subprocess.run(
        [digital_bazaar.node, str(WALLET), "claim", *args], cwd=INTEROP_DIR, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    output = json.loads(completed.stdout)
    assert completed.returncode == 0, output
    return output


def _offer_link(client, token) -> str:
    protocols = client.get(urlsplit(interaction_url(token)).path, HTTP_ACCEPT="application/json").json()
    return protocols["protocols"]["oid4vci-1.0"]


def _assert_verifies_everywhere(digital_bazaar, credential, institution):
    assert credential_verify(document_or_jwt=credential).verified
    status_list = fetch_status_list(credential["credentialStatus"]["statusListCredential"])
    node = digital_bazaar.verify(
        credential, did_docs=(institution_did_document(institution=institution),), status_lists=(status_list,),
        nested="verifiableCredential" in credential["credentialSubject"],
    )  # fmt: skip
    assert node.returncode == 0, node


@pytest.mark.parametrize(("with_pin", "proof"), [(False, "jwt"), (True, "jwt"), (False, "di_vp")])
def test_the_openid4vc_client_claims_an_open_badge_bound_to_its_did(
    client, portal, record, student_user, digital_bazaar, with_pin, proof
):
    institution_copy = credential_services.credential_issue(award=record[0])
    _offer, token = offer_create(
        user=student_user, scope="credential", credential_id=institution_copy.id, with_pin=with_pin
    )
    args = ["--offer", _offer_link(client, token), "--seed", SEED, "--proof", proof]
    if with_pin:
        args += ["--pin", re.search(r"PIN: (\d{6})", mail.outbox[-1].body).group(1)]

    result = _client(digital_bazaar, *args)

    assert result["configuration"] == "OpenBadgeCredential_ldp_vc"
    [credential] = result["credentials"]
    assert credential["credentialSubject"]["id"] == result["did"]
    _assert_verifies_everywhere(digital_bazaar, credential, record[0].institution)
    assert Claim.objects.get().protocol == "oid4vci"


def test_the_client_claims_the_whole_record_as_a_clr(client, portal, record, student_user, digital_bazaar):
    _offer, token = offer_create(user=student_user, scope="everything", learner_id=record[0].learner_id)

    result = _client(digital_bazaar, "--offer", _offer_link(client, token), "--seed", SEED)

    [clr] = result["credentials"]
    assert result["configuration"] == "ClrCredential_ldp_vc" and "ClrCredential" in clr["type"]
    assert clr["credentialSubject"]["id"] == result["did"]
    _assert_verifies_everywhere(digital_bazaar, clr, record[0].institution)
