"""`python -m vc` through its real interface: a subprocess, its exit code, stdout and stderr."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.interop import vc11_samples
from vc import did, keys

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = Path(__file__).parent / "fixtures/examples/validator-fixtures"


def run(*args, stdin=None):
    """Run `python -m vc ARGS` from the repository root and return the finished process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "vc", *map(str, args)],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _unsigned(issuer):
    document = json.loads((VALIDATOR / "ob30-simple.json").read_text(encoding="utf-8"))
    document.pop("proof")
    document["issuer"]["id"] = issuer
    return document


@pytest.fixture
def keypair():
    done = run("keygen")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def unsigned_file(tmp_path, keypair):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(_unsigned(keypair["did"])), encoding="utf-8")
    return path


def test_keygen_prints_a_did_key_and_the_seed_it_comes_from(keypair):
    assert keypair["did"].startswith("did:key:z6Mk")
    seed = bytes.fromhex(keypair["seed"])
    assert len(seed) == 32
    public = keys.ed25519_private_from_seed(seed).public_key()
    assert did.did_key_from_public(public) == keypair["did"]


def test_keygen_sign_verify_round_trip_exits_zero(tmp_path, keypair, unsigned_file):
    out = tmp_path / "signed.json"
    signed = run("sign", "--seed", keypair["seed"], unsigned_file, out)
    assert signed.returncode == 0, signed.stderr
    proof = json.loads(out.read_text(encoding="utf-8"))["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"].startswith(keypair["did"] + "#")

    verified = run("verify", out)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    result = json.loads(verified.stdout)
    assert result["verified"] is True
    assert result["verdict"] == "verified"
    assert {c["status"] for c in result["checks"]} == {"passed"}


def test_a_tampered_credential_exits_one_naming_the_failing_check(tmp_path, keypair, unsigned_file):
    out = tmp_path / "signed.json"
    assert run("sign", "--seed", keypair["seed"], unsigned_file, out).returncode == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    document["name"] = "A badge I did not earn"
    out.write_text(json.dumps(document), encoding="utf-8")

    verified = run("verify", out)
    assert verified.returncode == 1
    result = json.loads(verified.stdout)
    assert result["verdict"] == "not_valid"
    failed = [c for c in result["checks"] if c["status"] == "failed"]
    assert [c["name"] for c in failed] == ["proof"]
    assert "does not match" in failed[0]["message"]
    assert "proof" in verified.stderr


def test_signing_for_another_issuer_is_refused_naming_both(tmp_path, keypair):
    other = did.did_key_from_public(keys.generate_ed25519().public_key())
    path = tmp_path / "in.json"
    path.write_text(json.dumps(_unsigned(other)), encoding="utf-8")
    done = run("sign", "--seed", keypair["seed"], path, tmp_path / "out.json")
    assert done.returncode != 0
    assert other in done.stderr
    assert keypair["did"] in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_a_jwt_round_trip_exits_zero_and_tampering_exits_one(tmp_path, keypair, unsigned_file):
    out = tmp_path / "signed.jwt"
    signed = run("sign", "--seed", keypair["seed"], "--format", "jwt", unsigned_file, out)
    assert signed.returncode == 0, signed.stderr
    token = out.read_text(encoding="utf-8").strip()
    assert token.count(".") == 2

    verified = run("verify", out)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["verdict"] == "verified"

    header, payload, signature = token.split(".")
    out.write_text(f"{header}.{payload[:-4]}AAAA.{signature}", encoding="utf-8")
    tampered = run("verify", out)
    assert tampered.returncode == 1
    assert json.loads(tampered.stdout)["verdict"] == "not_valid"


def test_sign_writes_to_stdout_with_a_dash(keypair, unsigned_file):
    done = run("sign", "--seed", keypair["seed"], unsigned_file, "-")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_a_credential_that_could_not_be_fully_checked_exits_one_and_says_so():
    # ob30-complete.json: its issuer's controller document is not supplied and its revocation list
    # is not available offline.
    done = run("verify", VALIDATOR / "ob30-complete.json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["verdict"] == "could_not_check"
    assert "could not be made" in done.stderr


def test_did_docs_and_status_lists_can_be_supplied_as_files(tmp_path):
    """A did:web issuer resolved from --did-doc, its status list from --status-list: revoked exits 1."""
    from vc import data_integrity, documents
    from vc.status import BitstringStatusList, status_entry

    private = keys.generate_ed25519()
    issuer = "did:web:issuer.example"
    did_doc = did.did_web_document(did=issuer, ed25519_keys=[("key-1", private.public_key())])
    url = "https://issuer.example/status/1"
    bits = BitstringStatusList()
    bits.set(5)
    status_list = documents.status_list_credential(
        id=url, issuer=issuer, status_list=bits, valid_from="2025-01-01T00:00:00Z"
    )
    files = {
        "did.json": did_doc,
        "list.json": data_integrity.sign(
            status_list, private_key=private, verification_method=f"{issuer}#key-1"
        ),
    }
    for index in (4, 5):
        document = _unsigned(issuer)
        document["credentialStatus"] = status_entry(list_url=url, index=index)
        files[f"cred{index}.json"] = data_integrity.sign(
            document, private_key=private, verification_method=f"{issuer}#key-1"
        )
    for name, value in files.items():
        (tmp_path / name).write_text(json.dumps(value), encoding="utf-8")

    common = ["--did-doc", tmp_path / "did.json", "--status-list", tmp_path / "list.json"]
    kept = run("verify", tmp_path / "cred4.json", *common)
    assert kept.returncode == 0, kept.stdout
    revoked = run("verify", tmp_path / "cred5.json", *common)
    assert revoked.returncode == 1
    status = next(c for c in json.loads(revoked.stdout)["checks"] if c["name"] == "status")
    assert status["status"] == "failed"
    assert "revoked" in status["message"]
    unresolved = run("verify", tmp_path / "cred4.json")
    assert unresolved.returncode == 1
    assert json.loads(unresolved.stdout)["verdict"] == "could_not_check"


def test_now_sets_the_moment_of_the_validity_check(tmp_path, keypair):
    document = _unsigned(keypair["did"])
    document["validUntil"] = "2030-01-01T00:00:00Z"
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "out.json"
    assert run("sign", "--seed", keypair["seed"], path, out).returncode == 0
    assert run("verify", out, "--now", "2029-12-31T00:00:00Z").returncode == 0
    late = run("verify", out, "--now", "2031-01-01T00:00:00Z")
    assert late.returncode == 1
    failed = [c["name"] for c in json.loads(late.stdout)["checks"] if c["status"] == "failed"]
    assert failed == ["validity_period"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "usage"),
        (("verify",), "FILE"),
        (("verify", "no-such-file.json"), "cannot read"),
        (("verify", "README.md", "--now", "yesterday"), "now"),
        (("sign", "--seed", "abc", "in.json", "out.json"), "64 hexadecimal"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_usage_errors_exit_two_with_a_clear_message(args, words):
    done = run(*args)
    assert done.returncode == 2
    assert words in done.stderr
    assert "Traceback" not in done.stderr


def test_garbage_input_is_a_failed_well_formed_check_not_a_trace(tmp_path):
    path = tmp_path / "garbage.json"
    path.write_bytes(b"\x00\x01 this is not a credential")
    done = run("verify", path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert result["checks"][0]["name"] == "well_formed"
    assert result["checks"][0]["status"] == "failed"


# --- third-party credentials in the VC 1.1 data model (tests/interop/fixtures) --------------------


@pytest.mark.parametrize("name", sorted(vc11_samples.SAMPLES))
def test_a_third_party_vc_1_1_open_badge_verifies_on_the_command_line(name):
    done = run("verify", vc11_samples.path(name))
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert (result["verified"], result["verdict"]) == (True, "verified")
    statuses = {c["name"]: c["status"] for c in result["checks"]}
    assert statuses == dict.fromkeys(
        ("well_formed", "schema", "proof", "issuer_key", "validity_period", "status"), "passed"
    )
    schema_check = next(c for c in result["checks"] if c["name"] == "schema")
    assert schema_check["message"] == (
        "The credential meets the 1EdTech AchievementCredential schema in its VC 1.1 form "
        "(issuanceDate and expirationDate for validFrom and validUntil)."
    )
    assert result["credential"]["issuer"] == vc11_samples.ISSUER


@pytest.mark.parametrize("name", sorted(vc11_samples.SAMPLES))
def test_a_tampered_vc_1_1_open_badge_is_not_valid_on_the_command_line(tmp_path, name):
    copy = tmp_path / name
    copy.write_text(vc11_samples.tampered(name), encoding="utf-8")
    done = run("verify", copy)
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert (result["verified"], result["verdict"]) == (False, "not_valid")
    failed = [c["name"] for c in result["checks"] if c["status"] == "failed"]
    assert failed == ["proof"]
