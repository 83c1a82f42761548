"""Reads about institutions: their public Profile and DID documents, their people and their history."""

import datetime

from django.conf import settings
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse

from vc import did as vc_did
from vc import documents

from .models import AuditEntry, Institution, KeyAlgorithm, Membership, SigningKey, StaffInvitation, User


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


def institution_members(*, institution: Institution, role: str | None = None) -> QuerySet[User]:
    """The people holding a role at the institution (or the given role), by e-mail address.

    Each has `roles_here` (their memberships at the institution) and `member_since` (the first of them).
    """
    here = Membership.objects.filter(institution=institution)
    people = User.objects.filter(pk__in=(here.filter(role=role) if role else here).values("user_id"))
    first = here.filter(user=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
    return (
        people.annotate(member_since=Subquery(first))
        .prefetch_related(Prefetch("memberships", queryset=here.order_by("role"), to_attr="roles_here"))
        .order_by("email")
    )


def institution_member(*, institution: Institution, user_id: int) -> User:
    """A member of the institution by user id; 404 for anyone who is not one (members elsewhere included)."""
    return get_object_or_404(
        User.objects.filter(pk__in=Membership.objects.filter(institution=institution).values("user_id")),
        pk=user_id,
    )


def institution_pending_invitations(*, institution: Institution) -> QuerySet[StaffInvitation]:
    return StaffInvitation.objects.pending().filter(institution=institution).select_related("invited_by")


def audit_actions(*, institution: Institution) -> list[str]:
    """The actions that occur in the institution's history, for the audit page's filter."""
    return list(
        AuditEntry.objects.filter(institution=institution)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def audit_entries(
    *,
    institution: Institution,
    actor_email: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """The institution's audit entries, newest first, narrowed by who (e-mail contains), what and when.

    Dates are whole days in the portal's time zone, both ends included.
    """
    entries = AuditEntry.objects.filter(institution=institution).select_related("actor")
    if actor_email:
        entries = entries.filter(actor__email__icontains=actor_email)
    if action:
        entries = entries.filter(action=action)
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    return entries.order_by("-at", "-pk")
