"""Every form an institution's private signing key could take in a page, a document or a log line."""

import base64

from cryptography.hazmat.primitives import serialization

from institutions import services as institution_services
from institutions.models import KeyAlgorithm, SigningKey
from vc import keys as vc_keys


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def private_key_material(key: SigningKey) -> dict[str, str]:
    """Every form the key's private part could take in a log line."""
    private = institution_services.signing_key_private(key=key)
    der = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    ciphertext = bytes(key.private_key_encrypted)
    material = {
        f"{key.key_id} PKCS#8 base64": _b64(der),
        f"{key.key_id} PEM first line": pem.splitlines()[1],
        f"{key.key_id} encrypted, base64": _b64(ciphertext),
        f"{key.key_id} encrypted, hex": ciphertext.hex(),
    }
    if key.algorithm == KeyAlgorithm.ED25519:
        seed = vc_keys.ed25519_seed(private)
        material |= {
            f"{key.key_id} seed hex": seed.hex(),
            f"{key.key_id} seed base64": _b64(seed),
            f"{key.key_id} seed base64url": _b64url(seed),
            f"{key.key_id} private Multikey": vc_keys.ed25519_private_multibase(private),
        }
    else:
        d = private.private_numbers().d
        d_bytes = d.to_bytes((d.bit_length() + 7) // 8, "big")
        material |= {f"{key.key_id} JWK d": _b64url(d_bytes), f"{key.key_id} d hex": d_bytes.hex()}
    return material
