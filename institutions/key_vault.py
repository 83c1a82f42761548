"""Encryption at rest for private signing keys (AES-256-GCM under a key derived from KEY_ENCRYPTION_KEY).

Blob layout: b"v1" | 8-byte fingerprint of the wrapping key | 12-byte nonce | ciphertext+tag.
The associated data binds a blob to its key row, so a blob copied onto another row does not decrypt.
"""

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = b"v1"


class KeyVaultError(Exception):
    """A private key cannot be decrypted (wrong secret, or the blob was tampered with)."""


def _wrapping_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"clrportal signing keys v1").derive(
        secret.encode()
    )


def _fingerprint(wrapping_key: bytes) -> bytes:
    return hashlib.sha256(b"fingerprint" + wrapping_key).digest()[:8]


def _current_secret() -> str:
    secret = settings.KEY_ENCRYPTION_KEY
    if not secret or len(secret) < 32:
        raise ImproperlyConfigured("KEY_ENCRYPTION_KEY must be set to a secret of at least 32 characters.")
    return secret


def encrypt(private_bytes: bytes, *, associated_data: str) -> bytes:
    """Encrypt private key material under the current KEY_ENCRYPTION_KEY."""
    key = _wrapping_key(_current_secret())
    nonce = os.urandom(12)
    return (
        _VERSION
        + _fingerprint(key)
        + nonce
        + AESGCM(key).encrypt(nonce, private_bytes, associated_data.encode())
    )


def decrypt(blob: bytes, *, associated_data: str) -> bytes:
    """Decrypt a blob made by `encrypt`, with the current secret or one of the fallbacks."""
    blob = bytes(blob)
    if not blob.startswith(_VERSION) or len(blob) < 2 + 8 + 12 + 16:
        raise KeyVaultError("The stored private key is not in a known format.")
    fingerprint, nonce, ciphertext = blob[2:10], blob[10:22], blob[22:]
    for secret in [_current_secret(), *settings.KEY_ENCRYPTION_KEY_FALLBACKS]:
        key = _wrapping_key(secret)
        if _fingerprint(key) != fingerprint:
            continue
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, associated_data.encode())
        except InvalidTag:
            raise KeyVaultError("The stored private key failed its integrity check.") from None
    raise KeyVaultError(
        "The stored private key was encrypted under a KEY_ENCRYPTION_KEY that is not configured "
        "(set KEY_ENCRYPTION_KEY_FALLBACKS to the old secret)."
    )
