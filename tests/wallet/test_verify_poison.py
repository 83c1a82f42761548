"""POST /api/v1/verify answers every poison canonicalization input (tests/vc/poison.py) with a verdict
that is not "verified" and says why; how long each takes is bench/poison_bench.py's to measure."""

import json

import pytest

from tests.vc import poison
from vc import did, keys

pytestmark = pytest.mark.django_db

API = "/api/v1/verify"


@pytest.fixture(scope="module")
def poison_issuer():
    private = keys.ed25519_private_from_seed(bytes(range(32)))
    issuer = did.did_key_from_public(private.public_key())
    return issuer, did.did_key_document(issuer)["assertionMethod"][0]


@pytest.mark.parametrize("name", list(poison.CORPUS))
def test_the_api_refuses_a_poison_input_with_a_verdict_that_names_the_reason(client, poison_issuer, name):
    document = poison.CORPUS[name](*poison_issuer)

    response = client.post(API, json.dumps(document), content_type="application/json")

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    assert body["verdict"] in ("not_valid", "could_not_check")
    proof = next(check for check in body["checks"] if check["name"] == "proof")
    assert proof["status"] in ("failed", "could_not_check")
    assert "The credential is too complex to check (" in proof["message"]
    for nested in body["nested"]:
        assert nested["verified"] is False
        assert "too complex to check" in json.dumps(nested["checks"])
    if name.startswith("CLR"):
        # Each credential inside is answered too, unless the CLR's own proof used up the budget (then none
        # is examined, each would be refused at once) or the CPU deadline ran out first (a slow or busy
        # machine: the request stops there).
        nested = len(document["credentialSubject"]["verifiableCredential"])
        assert len(body["nested"]) in (nested, 0)
        if not body["nested"]:
            deadline = proof["status"] == "could_not_check" and "processor time" in proof["message"]
            not_examined = any(
                check["name"] == "nested_credentials" and "were not examined" in check["message"]
                for check in body["checks"]
            )
            assert deadline or not_examined, body["checks"]
