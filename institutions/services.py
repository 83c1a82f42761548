"""Writes about institutions, their people and their keys. Every change leaves an audit entry."""

import hashlib
import secrets

from allauth.account.models import EmailAddress
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from vc import keys as vc_keys

from . import key_vault
from .models import (
    INVITATION_LIFETIME,
    STAFF_ROLES,
    AuditEntry,
    Institution,
    KeyAlgorithm,
    KeyStatus,
    Membership,
    Role,
    SigningKey,
    StaffInvitation,
    User,
)


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


# --- people: invitations, roles, removal ---------------------------------------------------------------


class MembershipChangeRefused(Exception):
    """A change to an institution's people that would break a rule; the message is for the admin."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvitationRefused(Exception):
    """An invitation link that cannot be used (by this person); `status` is the HTTP answer to give."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(*, token: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "institutions:invitation_accept", kwargs={"token": token}
    )


@transaction.atomic
def staff_invitation_create(*, institution: Institution, email: str, role: str, actor) -> StaffInvitation:
    """Invite an address to a staff role by e-mail, replacing any open invitation of that address.

    The token goes only into the e-mail (sent once the transaction commits); the row keeps its SHA-256.
    """
    if role not in STAFF_ROLES:
        raise MembershipChangeRefused(
            "Only staff roles (administrator, registrar, advisor) are given by invitation."
        )
    email = email.strip().lower()
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    replaced = list(
        StaffInvitation.objects.open()
        .filter(institution=institution, email=email)
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    StaffInvitation.objects.filter(pk__in=replaced).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation.objects.create(
        institution=institution,
        email=email,
        role=role,
        invited_by=actor,
        token_hash=invitation_token_hash(token),
        expires_at=now + INVITATION_LIFETIME,
    )
    audit_record(
        actor=actor,
        action="member.invited",
        institution=institution,
        target=email,
        role=role,
        invitation=invitation.pk,
        replaced=replaced,
    )
    context = {
        "institution": institution,
        "role": invitation.get_role_display(),
        "invited_by": actor,
        "link": invitation_link(token=token),
        "days": INVITATION_LIFETIME.days,
        "expires_at": invitation.expires_at,
    }
    subject = render_to_string("institutions/email/invitation_subject.txt", context).strip()
    body = render_to_string("institutions/email/invitation_body.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]), robust=True)
    return invitation


@transaction.atomic
def staff_invitation_revoke(*, invitation: StaffInvitation, actor) -> StaffInvitation:
    """Withdraw an invitation that has not been used: its link stops working."""
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise MembershipChangeRefused("This invitation was already used or withdrawn.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="member.invitation_revoked",
        institution=invitation.institution,
        target=invitation.email,
        role=invitation.role,
        invitation=invitation.pk,
    )
    return invitation


def staff_invitation_for_token(*, token: str) -> StaffInvitation:
    """The invitation of a link, whatever its state; InvitationRefused (404) for a token that names none."""
    invitation = None
    if token and len(token) <= 100:
        invitation = (
            StaffInvitation.objects.select_related("institution")
            .filter(token_hash=invitation_token_hash(token))
            .first()
        )
    if invitation is None:
        raise InvitationRefused(
            "This invitation link is not valid. Check that you opened the whole link from the e-mail.",
            status=404,
        )
    return invitation


def staff_invitation_check(*, invitation: StaffInvitation, user=None) -> None:
    """Raise InvitationRefused if the link cannot be used, or cannot be used by `user` (when given).

    The one place that decides whether an invitation may be accepted: the page asks it before showing the
    accept button, and staff_invitation_accept asks it again, inside its transaction.
    """
    if invitation.accepted_at:
        raise InvitationRefused("This invitation has already been used: each link works once.", status=410)
    if invitation.revoked_at:
        raise InvitationRefused(
            "This invitation was withdrawn (or replaced by a newer one). Ask the institution's administrator "
            "for a new invitation if you still need one.",
            status=410,
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused(
            f"This invitation expired on {timezone.localtime(invitation.expires_at):%d %B %Y}. Ask the "
            "institution's administrator for a new one.",
            status=410,
        )
    if user is None:
        return
    addresses = EmailAddress.objects.filter(user=user, email__iexact=invitation.email)
    if not addresses.exists():
        raise InvitationRefused(
            f"This invitation was sent to another address than those of your account ({user.email}). Sign in "
            "with the account of the address the e-mail was sent to.",
            status=403,
        )
    if not addresses.filter(verified=True).exists():
        raise InvitationRefused(
            "Verify the address this invitation was sent to before accepting it: follow the link in the "
            "confirmation e-mail, or ask for a new one on your e-mail addresses page.",
            status=403,
        )


@transaction.atomic
def staff_invitation_accept(*, invitation: StaffInvitation, user: User) -> Membership:
    """Give the invited role to the signed-in owner of the invited, verified address; the link is used up."""
    invitation = (
        StaffInvitation.objects.select_for_update().select_related("institution").get(pk=invitation.pk)
    )
    staff_invitation_check(invitation=invitation, user=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    membership, _created = Membership.objects.get_or_create(
        user=user, institution=invitation.institution, role=invitation.role
    )
    audit_record(
        actor=user,
        action="member.joined",
        institution=invitation.institution,
        target=user.email,
        role=invitation.role,
        invitation=invitation.pk,
        invited_by=invitation.invited_by.email if invitation.invited_by else None,
    )
    return membership


def _lock_people(institution: Institution) -> None:
    # Changes to an institution's people are serialised on its row, so two admins demoting each other at
    # the same moment cannot both succeed and leave the institution without one.
    Institution.objects.select_for_update().filter(pk=institution.pk).first()


def _refuse_if_no_admin_left(*, institution: Institution, user: User, roles_left: set[str]) -> None:
    if Role.ADMIN in roles_left:
        return
    other_admins = Membership.objects.filter(institution=institution, role=Role.ADMIN).exclude(user=user)
    if not other_admins.exists():
        raise MembershipChangeRefused(
            f"{user.email} is the last administrator of {institution.name}: make someone else an "
            "administrator first, so the institution is never left without one."
        )


@transaction.atomic
def member_roles_set(*, institution: Institution, user: User, roles: set[str], actor) -> bool:
    """Make `roles` exactly the roles `user` holds at the institution; False if nothing changed.

    Refused (MembershipChangeRefused, nothing written) if it would leave the institution without an admin.
    """
    if not roles or not set(roles) <= set(Role.values):
        raise MembershipChangeRefused("Choose at least one role; to take every role away, remove the member.")
    _lock_people(institution)
    held = Membership.objects.select_for_update().filter(institution=institution, user=user)
    old_roles = set(held.values_list("role", flat=True))
    if not old_roles:
        raise MembershipChangeRefused(f"{user.email} is not a member of {institution.name}.")
    new_roles = set(roles)
    if new_roles == old_roles:
        return False
    if Role.ADMIN in old_roles:
        _refuse_if_no_admin_left(institution=institution, user=user, roles_left=new_roles)
    held.filter(role__in=old_roles - new_roles).delete()
    Membership.objects.bulk_create(
        [Membership(user=user, institution=institution, role=role) for role in sorted(new_roles - old_roles)]
    )
    audit_record(
        actor=actor,
        action="member.role_changed",
        institution=institution,
        target=user.email,
        old_roles=sorted(old_roles),
        new_roles=sorted(new_roles),
    )
    return True


@transaction.atomic
def member_remove(*, institution: Institution, user: User, actor) -> None:
    """Take every role of `user` at the institution away; refused for the last admin (nothing written)."""
    _lock_people(institution)
    held = Membership.objects.select_for_update().filter(institution=institution, user=user)
    old_roles = set(held.values_list("role", flat=True))
    if not old_roles:
        raise MembershipChangeRefused(f"{user.email} is not a member of {institution.name}.")
    if Role.ADMIN in old_roles:
        _refuse_if_no_admin_left(institution=institution, user=user, roles_left=set())
    held.delete()
    audit_record(
        actor=actor,
        action="member.removed",
        institution=institution,
        target=user.email,
        old_roles=sorted(old_roles),
    )
