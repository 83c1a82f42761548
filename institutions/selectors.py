"""Reads about institutions: their public Profile and DID documents."""

from django.conf import settings
from django.urls import reverse

from vc import did as vc_did
from vc import documents

from .models import Institution, KeyAlgorithm, SigningKey


def institution_logo_url(*, institution: Institution) -> str | None:
    if not institution.logo:
        return None
    return settings.PORTAL_BASE_URL + reverse("institutions:logo", kwargs={"slug": institution.slug})


def institution_did_document(*, institution: Institution) -> dict:
    """The did:web document: every key that is not compromised, so old credentials keep verifying."""
    from .services import signing_key_public

    published = list(
        SigningKey.objects.published().filter(institution=institution).order_by("created_at", "pk")
    )
    return vc_did.did_web_document(
        did=institution.did,
        ed25519_keys=[
            (key.key_id, signing_key_public(key=key))
            for key in published
            if key.algorithm == KeyAlgorithm.ED25519
        ],
        rsa_keys=[
            (key.key_id, signing_key_public(key=key))
            for key in published
            if key.algorithm == KeyAlgorithm.RSA
        ],
    )


def institution_profile(*, institution: Institution) -> documents.Profile:
    """The institution as an OB 3.0 `Profile`: the issuer of every credential it signs.

    Its `id` is the institution's DID, so a verifier can get from the issuer to its keys.
    """
    logo_url = institution_logo_url(institution=institution)
    address = None
    if institution.has_address:
        address = documents.Address(
            street_address=institution.street_address or None,
            locality=institution.locality or None,
            region=institution.region or None,
            postal_code=institution.postal_code or None,
            country=institution.country or None,
        )
    return documents.Profile(
        id=institution.did,
        name=institution.name,
        url=institution.url or institution.profile_url,
        email=institution.email or None,
        phone=institution.phone or None,
        description=institution.description or None,
        image=documents.Image(id=logo_url, caption=f"Logo of {institution.name}") if logo_url else None,
        address=address,
        other_identifiers=tuple(
            documents.IdentifierEntry(identifier=entry.identifier, identifier_type=entry.identifier_type)
            for entry in institution.identifiers.all()
        ),
        parent_org=institution_profile(institution=institution.parent) if institution.parent_id else None,
    )


def institution_profile_document(*, institution: Institution) -> dict:
    """The standalone Profile JSON-LD served at the institution's public page (schema-checked)."""
    return documents.profile(institution_profile(institution=institution))
