"""Reads about institutions: their public Profile and DID documents."""

from django.conf import settings
from django.urls import reverse

from vc import did as vc_did

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


def institution_profile(*, institution: Institution, with_context: bool = False) -> dict:
    """The institution as an OB 3.0 `Profile`: the issuer of every credential it signs.

    Its `id` is the institution's DID, so a verifier can get from the issuer to its keys.
    """
    document: dict = {"id": institution.did, "type": ["Profile"], "name": institution.name}
    optional = {
        "url": institution.url or institution.profile_url,
        "email": institution.email,
        "phone": institution.phone,
        "description": institution.description,
    }
    document.update({name: value for name, value in optional.items() if value})
    logo_url = institution_logo_url(institution=institution)
    if logo_url:
        document["image"] = {"id": logo_url, "type": "Image", "caption": f"Logo of {institution.name}"}
    if institution.has_address:
        address = {
            "type": ["Address"],
            "streetAddress": institution.street_address,
            "addressLocality": institution.locality,
            "addressRegion": institution.region,
            "postalCode": institution.postal_code,
            "addressCountry": institution.country,
        }
        document["address"] = {name: value for name, value in address.items() if value}
    identifiers = [
        {"type": "IdentifierEntry", "identifier": entry.identifier, "identifierType": entry.identifier_type}
        for entry in institution.identifiers.all()
    ]
    if identifiers:
        document["otherIdentifier"] = identifiers
    if institution.parent_id:
        document["parentOrg"] = institution_profile(institution=institution.parent)
    if with_context:
        document = {"@context": PROFILE_CONTEXT, **document}
    return document


PROFILE_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def institution_profile_document(*, institution: Institution) -> dict:
    """The standalone Profile JSON-LD served at the institution's public page."""
    from vc.schema import ensure_valid

    document = institution_profile(institution=institution, with_context=True)
    ensure_valid(document, "Profile")
    return document
