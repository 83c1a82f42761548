"""Signing with an institution's active keys; the private key is decrypted only for the signature."""

from django.utils import timezone

from institutions.models import Institution, KeyAlgorithm, SigningKey
from institutions.services import signing_key_private
from vc import data_integrity, jwt


class NoActiveKeyError(Exception):
    """The institution has no active key of the algorithm needed; an admin must rotate keys."""


def active_key(*, institution: Institution, algorithm: str = KeyAlgorithm.ED25519) -> SigningKey:
    key = (
        SigningKey.objects.active()
        .select_related("institution")
        .filter(institution=institution, algorithm=algorithm)
        .first()
    )
    if key is None:
        raise NoActiveKeyError(
            f"{institution.name} has no active {algorithm} signing key: an admin must create one in settings."
        )
    return key


def document_sign(
    *, institution: Institution, document: dict, key: SigningKey | None = None
) -> tuple[dict, SigningKey]:
    """Add an eddsa-rdfc-2022 DataIntegrityProof made with the institution's active Ed25519 key."""
    key = key or active_key(institution=institution)
    created = timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
    signed = data_integrity.sign(
        document,
        private_key=signing_key_private(key=key),
        verification_method=key.verification_method,
        created=created,
    )
    return signed, key


def document_jwt(*, institution: Institution, document: dict, algorithm: str = "RS256") -> str:
    """The VC-JWT form of an unsigned credential, signed RS256 (RSA key) or EdDSA (Ed25519 key)."""
    key_algorithm = KeyAlgorithm.RSA if algorithm == "RS256" else KeyAlgorithm.ED25519
    key = active_key(institution=institution, algorithm=key_algorithm)
    return jwt.encode(
        document, private_key=signing_key_private(key=key), kid=key.verification_method, alg=algorithm
    )
