"""Interop: OB 3.0 credentials in the VC 1.1 data model, made by Digital Bazaar, verify on both sides.

The three samples in tests/interop/fixtures (eddsa-rdfc-2022, Ed25519Signature2020, VC-JWT EdDSA;
issuer a did:key) were written by `dbvc.mjs make-vc11-samples`. Here Digital Bazaar's side
regenerates them byte for byte, verifies them and refuses tampered copies; vc/ gives the same
verdicts on the same files. tests/vc/test_cli.py and tests/wallet/test_verify_vc11.py check them
through `python -m vc verify` and POST /api/v1/verify without Node.
"""

from __future__ import annotations

import pytest

from tests.interop import vc11_samples

pytestmark = pytest.mark.e2e

JSON_LD = sorted(name for name in vc11_samples.SAMPLES if name.endswith(".json"))
JWT = "vc11-ob30-eddsa.jwt"


def _digital_bazaar_verifies(digital_bazaar, name: str, contents: str):
    path = digital_bazaar.workdir / name
    path.write_text(contents, encoding="utf-8")
    command = "verify-jwt" if name.endswith(".jwt") else "verify"
    return digital_bazaar.run(command, str(path))


def _portal_verdict(contents: str) -> dict:
    from vc.did import default_resolver
    from vc.verify import verify_credential

    return verify_credential(contents, resolver=default_resolver()).to_dict()


def test_digital_bazaar_regenerates_the_committed_samples_byte_for_byte(digital_bazaar):
    out = digital_bazaar.workdir / "samples"
    result = digital_bazaar.run("make-vc11-samples", str(out), "--seed", vc11_samples.SEED_HEX)
    assert result.returncode == 0, result
    assert result.output["did"] == vc11_samples.ISSUER
    assert sorted(result.output["written"]) == sorted(vc11_samples.SAMPLES)
    for name in vc11_samples.SAMPLES:
        assert (out / name).read_text(encoding="utf-8") == vc11_samples.text(name), name


@pytest.mark.parametrize("name", sorted(vc11_samples.SAMPLES))
def test_digital_bazaar_and_the_portal_both_verify_each_vc_1_1_sample(digital_bazaar, name):
    theirs = _digital_bazaar_verifies(digital_bazaar, name, vc11_samples.text(name))
    ours = _portal_verdict(vc11_samples.text(name))

    assert theirs.returncode == 0, theirs
    assert (theirs.output["verified"], theirs.output["accepted"], theirs.output["errors"]) == (True, True, [])
    assert (ours["verified"], ours["verdict"]) == (True, "verified"), ours


@pytest.mark.parametrize("name", sorted(vc11_samples.SAMPLES))
def test_digital_bazaar_and_the_portal_both_refuse_a_tampered_vc_1_1_sample(digital_bazaar, name):
    theirs = _digital_bazaar_verifies(digital_bazaar, name, vc11_samples.tampered(name))
    ours = _portal_verdict(vc11_samples.tampered(name))

    assert theirs.returncode == 1, theirs
    assert theirs.output["verified"] is False
    assert any("signature" in error.lower() for error in theirs.output["errors"]), theirs
    assert ours["verdict"] == "not_valid"
    assert [c["name"] for c in ours["checks"] if c["status"] == "failed"] == ["proof"]


@pytest.mark.parametrize("name", JSON_LD)
def test_digital_bazaar_and_the_portal_both_refuse_a_vc_1_1_sample_that_has_expired(digital_bazaar, name):
    # The same samples, checked at a moment after expirationDate (eddsa-rdfc-2022 sample) or
    # before issuanceDate (Ed25519Signature2020 sample, which has no expirationDate).
    from vc.did import default_resolver
    from vc.verify import verify_credential

    moment = "2101-01-01T00:00:00Z" if "eddsa" in name else "2024-01-01T00:00:00Z"
    path = vc11_samples.path(name)
    theirs = digital_bazaar.run("verify", str(path), "--now", moment)
    ours = verify_credential(vc11_samples.text(name), resolver=default_resolver(), now=moment)

    assert theirs.output["verified"] is False, theirs
    assert any("expired" in e or "issuanceDate" in e for e in theirs.output["errors"]), theirs
    assert ours.verdict == "not_valid"
    assert ours.check("validity_period").status == "failed"
    assert ours.check("proof").status == "passed"


def test_digital_bazaar_and_the_portal_both_refuse_the_vc_jwt_sample_outside_its_validity(digital_bazaar):
    from vc.did import default_resolver
    from vc.verify import verify_credential

    for moment in ("2101-01-01T00:00:00Z", "2024-01-01T00:00:00Z"):
        theirs = digital_bazaar.run("verify-jwt", str(vc11_samples.path(JWT)), "--now", moment)
        ours = verify_credential(vc11_samples.text(JWT), resolver=default_resolver(), now=moment)
        assert theirs.returncode == 1, theirs
        assert ours.check("validity_period").status == "failed", moment
        assert ours.check("proof").status == "passed"
