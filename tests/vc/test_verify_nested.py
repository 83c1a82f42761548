"""The nested_credentials check is made from the nested results, after every status lookup (issue 10)."""

from vc import data_integrity as di
from vc import did, keys, verify
from vc.documents import CLR_CONTEXT
from vc.verify import FAILED, PASSED, Check, VerificationResult, nested_summary, verify_credential


def _result(name: str, *failed: Check) -> VerificationResult:
    checks = [Check("proof", PASSED, "ok"), Check("status", PASSED, "ok"), *failed]
    return VerificationResult(checks, {"name": name})


def test_the_summary_names_a_suspended_credential_inside():
    results = [_result("Algorithms", Check("status", FAILED, "The credential is suspended by its issuer."))]
    results += [_result(f"Course {n}") for n in range(42)]

    summary = nested_summary(results)

    assert summary.status == FAILED
    assert summary.message == "1 of 43 credentials inside is suspended: Algorithms."


def test_the_summary_names_each_cause_when_there_are_several():
    results = [
        _result("Algorithms", Check("status", FAILED, "The credential was revoked by its issuer.")),
        _result("Databases", Check("validity_period", FAILED, "The credential expired on 2025-01-01.")),
        _result("Networks"),
    ]

    summary = nested_summary(results)

    assert summary.message == (
        "2 of 3 credentials inside do not verify: 1 is revoked (Algorithms); 1 is expired (Databases)."
    )


def test_the_summary_passes_only_when_every_credential_inside_verifies():
    assert nested_summary([_result("A"), _result("B")]) == Check(
        "nested_credentials", PASSED, "All 2 credentials inside verify."
    )


def _signed(private_key, method: str, issuer: str, name: str, nested=None) -> dict:
    document = {
        "@context": list(CLR_CONTEXT),
        "id": f"urn:example:{name}",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "name": name,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    if nested is not None:
        document["type"].append("ClrCredential")
        document["credentialSubject"].update(type=["ClrSubject"], verifiableCredential=nested)
    return di.sign(document, private_key=private_key, verification_method=method)


def test_an_extra_status_lookup_is_asked_at_every_level_before_the_summary_is_made():
    private_key = keys.generate_ed25519()
    issuer = did.did_key_from_public(private_key.public_key())
    method = f"{issuer}#{issuer.split(':')[-1]}"
    inner = [_signed(private_key, method, issuer, name) for name in ("Algorithms", "Databases")]
    outer = _signed(private_key, method, issuer, "Record", nested=inner)
    asked = []

    def extra_status(document):
        asked.append(document["name"])
        if document["name"] == "Algorithms":
            return Check("status", FAILED, "The credential is suspended by its issuer.")
        return None

    result = verify_credential(outer, resolver=did.default_resolver(), extra_status=extra_status)

    assert asked == ["Record", "Algorithms", "Databases"]
    assert result.nested[0].check("status").status == FAILED
    assert result.nested[1].verdict == "verified", result.nested[1].to_dict()
    assert result.check("nested_credentials").message == "1 of 2 credentials inside is suspended: Algorithms."
    assert result.verdict == "not_valid"


def test_a_credential_inside_is_not_read_again_but_its_own_contexts_are_checked(monkeypatch):
    private_key = keys.generate_ed25519()
    issuer = did.did_key_from_public(private_key.public_key())
    method = f"{issuer}#{issuer.split(':')[-1]}"
    good = _signed(private_key, method, issuer, "Algorithms")
    remote = {**good, "@context": [*good["@context"], "https://example.org/remote-context"]}
    outer = {**_signed(private_key, method, issuer, "Record", nested=[good]), "proof": []}
    outer["credentialSubject"] = {**outer["credentialSubject"], "verifiableCredential": [good, remote]}
    shapes = []
    check_shape = verify._check_shape
    monkeypatch.setattr(verify, "_check_shape", lambda *args: shapes.append(args) or check_shape(*args))

    result = verify.verify_credential(outer, resolver=did.default_resolver())

    assert len(shapes) == 1  # the CLR's depth and size bound everything inside it
    assert result.nested[0].check("well_formed").status == PASSED
    assert result.nested[1].check("well_formed").status == FAILED
    assert "https://example.org/remote-context" in result.nested[1].check("well_formed").message
