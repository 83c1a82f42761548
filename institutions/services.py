"""Writes about institutions, their people and their keys. Every change leaves an audit entry."""

import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from vc import keys as vc_keys

from . import key_vault
from .models import AuditEntry, Institution, KeyAlgorithm, KeyStatus, Membership, SigningKey, User


def audit_record(*, actor, action: str, institution=None, target: str = "", **data) -> AuditEntry:
    """Keep a line of history; `data` must never carry key material or more personal data than needed."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        institution=institution,
        action=action,
        target=target,
        data=data,
    )


def _associated_data(institution: Institution, key_id: str) -> str:
    return f"institution:{institution.pk}:key:{key_id}"


def signing_key_create(*, institution: Institution, algorithm: str, actor=None) -> SigningKey:
    """Generate a key pair, store the private part encrypted, and make it the active key of its algorithm.

    The previous active key of that algorithm is retired, not deleted: it stays in the DID document so the
    credentials it signed keep verifying.
    """
    if algorithm == KeyAlgorithm.ED25519:
        private_key = ed25519.Ed25519PrivateKey.generate()
        private_bytes = vc_keys.ed25519_seed(private_key)
        public_key = vc_keys.ed25519_public_multibase(private_key.public_key())
    elif algorithm == KeyAlgorithm.RSA:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=settings.PORTAL_RSA_KEY_BITS)
        private_bytes = private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        public_key = (
            private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
    else:
        raise ValueError(f"Unknown key algorithm {algorithm!r}.")

    key_id = f"{algorithm.lower()}-{timezone.now():%Y%m%d}-{secrets.token_hex(4)}"
    with transaction.atomic():
        now = timezone.now()
        # Lock the institution row so two rotations at once cannot both leave an active key.
        Institution.objects.select_for_update().filter(pk=institution.pk).first()
        SigningKey.objects.filter(
            institution=institution, algorithm=algorithm, status=KeyStatus.ACTIVE
        ).update(status=KeyStatus.RETIRED, retired_at=now)
        key = SigningKey.objects.create(
            institution=institution,
            key_id=key_id,
            algorithm=algorithm,
            public_key=public_key,
            private_key_encrypted=key_vault.encrypt(
                private_bytes, associated_data=_associated_data(institution, key_id)
            ),
        )
        audit_record(
            actor=actor,
            action="signing_key.created",
            institution=institution,
            target=key.verification_method,
            algorithm=algorithm,
        )
    return key


def signing_keys_rotate(*, institution: Institution, actor=None, algorithms=None) -> list[SigningKey]:
    """Make new active keys (Ed25519 and RSA by default); old ones stay published as retired."""
    algorithms = algorithms or [KeyAlgorithm.ED25519, KeyAlgorithm.RSA]
    return [signing_key_create(institution=institution, algorithm=alg, actor=actor) for alg in algorithms]


@transaction.atomic
def signing_key_mark_compromised(*, key: SigningKey, reason: str, actor=None) -> SigningKey:
    """Withdraw a key from the DID document: everything it signed stops verifying.

    If it was the active key, a fresh key of the same algorithm replaces it so issuing can go on.
    """
    was_active = key.status == KeyStatus.ACTIVE
    key.status = KeyStatus.COMPROMISED
    key.compromised_at = timezone.now()
    key.compromised_reason = reason
    key.save(update_fields=["status", "compromised_at", "compromised_reason"])
    audit_record(
        actor=actor,
        action="signing_key.compromised",
        institution=key.institution,
        target=key.verification_method,
        reason=reason,
    )
    if was_active:
        signing_key_create(institution=key.institution, algorithm=key.algorithm, actor=actor)
    return key


def signing_key_private(*, key: SigningKey):
    """The decrypted private key object, for signing inside this process only. Never log or return it."""
    raw = key_vault.decrypt(
        key.private_key_encrypted, associated_data=_associated_data(key.institution, key.key_id)
    )
    if key.algorithm == KeyAlgorithm.ED25519:
        return vc_keys.ed25519_private_from_seed(raw)
    return serialization.load_der_private_key(raw, password=None)


def signing_key_public(*, key: SigningKey):
    """The public key object of a stored key."""
    if key.algorithm == KeyAlgorithm.ED25519:
        return vc_keys.ed25519_public_from_multibase(key.public_key)
    return serialization.load_pem_public_key(key.public_key.encode())


@transaction.atomic
def institution_create(*, slug: str, name: str, actor=None, with_keys: bool = True, **fields) -> Institution:
    """Create an institution and, unless told otherwise, its first Ed25519 and RSA keys."""
    institution = Institution(slug=slug, name=name, **fields)
    institution.full_clean()
    institution.save()
    audit_record(actor=actor, action="institution.created", institution=institution, target=slug)
    if with_keys:
        signing_keys_rotate(institution=institution, actor=actor)
    return institution


@transaction.atomic
def institution_update(*, institution: Institution, actor, changed_fields: list[str]) -> Institution:
    """Save an edited profile (already validated by its form) and record which fields changed."""
    institution.save()
    audit_record(
        actor=actor,
        action="institution.updated",
        institution=institution,
        target=institution.slug,
        fields=sorted(changed_fields),
    )
    return institution


@transaction.atomic
def institution_parent_set(
    *, institution: Institution, parent: Institution | None, actor=None
) -> Institution:
    """Make `parent` the institution's parent organisation (OB 3.0 parentOrg), or clear it with None.

    For platform operators only: the parent's profile is embedded in every credential the institution
    issues. Raises ValidationError for a parent that would make the institution its own ancestor.
    """
    institution.validate_parent(parent)
    previous = institution.parent
    institution.parent = parent
    institution.save(update_fields=["parent", "updated_at"])
    audit_record(
        actor=actor,
        action="institution.parent_set",
        institution=institution,
        target=institution.slug,
        parent=parent.did if parent else None,
        previous=previous.did if previous else None,
    )
    return institution


def membership_grant(*, user: User, institution: Institution, role: str, actor=None) -> Membership:
    """Give a person a role at an institution (idempotent)."""
    membership, created = Membership.objects.get_or_create(user=user, institution=institution, role=role)
    if created:
        audit_record(
            actor=actor, action="membership.granted", institution=institution, target=str(user.pk), role=role
        )
    return membership
