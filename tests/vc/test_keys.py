"""Key encodings: Multikey base58btc multibase and JWK."""

import json
import random
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from vc import keys
from vc.errors import KeyMaterialError

KEY_PAIR = json.loads(
    (Path(__file__).parent / "fixtures/test-vectors/vc-di-eddsa/keyPair.json").read_text(encoding="utf-8")
)


def test_the_w3c_private_multikey_yields_the_w3c_public_multikey():
    private = keys.ed25519_private_from_multibase(KEY_PAIR["privateKeyMultibase"])
    assert keys.ed25519_public_multibase(private.public_key()) == KEY_PAIR["publicKeyMultibase"]
    assert keys.ed25519_private_multibase(private) == KEY_PAIR["privateKeyMultibase"]


def test_a_public_multikey_round_trips():
    public = keys.ed25519_public_from_multibase(KEY_PAIR["publicKeyMultibase"])
    assert keys.ed25519_public_multibase(public) == KEY_PAIR["publicKeyMultibase"]
    assert KEY_PAIR["publicKeyMultibase"].startswith("z6Mk")


def test_a_seed_gives_the_same_key_every_time():
    seed = bytes(range(32))
    first = keys.ed25519_private_from_seed(seed)
    assert keys.ed25519_seed(first) == seed
    assert keys.ed25519_public_multibase(first.public_key()) == keys.ed25519_public_multibase(
        keys.ed25519_private_from_seed(seed).public_key()
    )


def test_a_short_seed_is_refused():
    with pytest.raises(KeyMaterialError):
        keys.ed25519_private_from_seed(b"short")


@pytest.mark.parametrize("value", ["6MkrJVnaZkeF", "zzzz0OIl", "z" + "1" * 10, 42])
def test_malformed_multikeys_are_refused(value):
    with pytest.raises(KeyMaterialError):
        keys.ed25519_public_from_multibase(value)


def test_an_rsa_public_key_round_trips_through_jwk():
    private = keys.generate_rsa()
    jwk = keys.public_jwk(private)
    assert set(jwk) == {"kty", "n", "e"}
    assert jwk["e"] == "AQAB"
    assert keys.public_key_from_jwk(jwk).public_numbers() == private.public_key().public_numbers()


def test_an_ed25519_public_key_round_trips_through_jwk():
    private = keys.generate_ed25519()
    jwk = keys.public_jwk(private)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    back = keys.public_key_from_jwk(jwk)
    assert isinstance(back, ed25519.Ed25519PublicKey)
    assert keys.ed25519_public_bytes(back) == keys.ed25519_public_bytes(private.public_key())


def test_a_private_jwk_is_refused_where_a_public_one_belongs():
    jwk = dict(keys.public_jwk(keys.generate_ed25519()), d="AAAA")
    with pytest.raises(KeyMaterialError):
        keys.public_key_from_jwk(jwk)


def test_unsupported_jwk_types_are_refused():
    with pytest.raises(KeyMaterialError):
        keys.public_key_from_jwk({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"})


def test_multibase_decoding_gives_back_any_bytes_leading_zeros_included():
    rng = random.Random(3)
    for _ in range(500):
        data = b"\0" * rng.randrange(0, 4) + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 70)))
        assert keys.multibase_decode(keys.multibase_encode(data)) == data


@pytest.mark.parametrize("value", ["z0OIl", "z abc", "z+/=", "zl1"])
def test_multibase_with_characters_outside_base58btc_is_refused(value):
    with pytest.raises(KeyMaterialError):
        keys.multibase_decode(value)


def test_ed25519_verification_accepts_the_signature_and_nothing_else():
    private = keys.ed25519_private_from_seed(bytes(range(32)))
    other = keys.ed25519_private_from_seed(bytes(32))
    message = b"hashData: proof config hash and document hash"
    signature = private.sign(message)

    assert keys.ed25519_verify(private.public_key(), signature, message)
    assert not keys.ed25519_verify(private.public_key(), signature, message + b".")
    assert not keys.ed25519_verify(other.public_key(), signature, message)
    assert not keys.ed25519_verify(private.public_key(), bytes(64), message)
    assert not keys.ed25519_verify(private.public_key(), signature[:63], message)
    tweaked = bytes([signature[0] ^ 1]) + signature[1:]
    assert not keys.ed25519_verify(private.public_key(), tweaked, message)
