"""Issuers and people: the institution (the OB 3.0 issuer Profile), its keys, and who holds which role."""

import datetime
import json
import uuid
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their email address."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self):
        return self.get_full_name() or self.email

    def roles_at(self, institution) -> set[str]:
        return {m.role for m in self.memberships.all() if m.institution_id == institution.pk}


# Paths under /institutions/ that are not an institution's: no slug may take them.
RESERVED_SLUGS = frozenset({"invitations"})


def validate_slug_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            "%(slug)s is a reserved web address: choose another slug.", params={"slug": value}
        )


class Institution(models.Model):
    """An issuer of credentials: serialised as the OB 3.0 `Profile` and identified by did:web."""

    slug = models.SlugField(
        unique=True,
        validators=[validate_slug_not_reserved],
        help_text="Part of the institution's web address and DID.",
    )
    name = models.CharField(max_length=200, help_text="Unique: no two institutions share a name.")
    url = models.URLField("website", blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=40,
        blank=True,
        validators=[RegexValidator(r"^\+?[0-9 ()\-.]{5,40}$", "Enter a phone number such as +1 555 0100.")],
    )
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to="institutions/logos/", blank=True)
    street_address = models.CharField(max_length=200, blank=True)
    locality = models.CharField("city", max_length=100, blank=True)
    region = models.CharField("state or region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The parent organisation (OB 3.0 parentOrg), e.g. a university system. Operators only.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # Issuers must not be confusable: a name or a slug (so a DID) differing only in case is refused.
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="unique_institution_name_ci",
                violation_error_message="Another institution already has this name.",
            ),
            models.UniqueConstraint(
                Lower("slug"),
                name="unique_institution_slug_ci",
                violation_error_message="Another institution already has this web address (slug).",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("institutions:profile", kwargs={"slug": self.slug})

    @property
    def profile_url(self) -> str:
        return settings.PORTAL_BASE_URL + self.get_absolute_url()

    @property
    def did(self) -> str:
        # DID-WEB 3.2: the host's port colon is percent-encoded; path segments become ':'-separated.
        host = quote(urlsplit(settings.PORTAL_BASE_URL).netloc, safe="")
        base_path = [
            quote(part, safe="") for part in urlsplit(settings.PORTAL_BASE_URL).path.split("/") if part
        ]
        return ":".join(["did", "web", host, *base_path, "institutions", self.slug])

    @property
    def has_address(self) -> bool:
        return any([self.street_address, self.locality, self.region, self.postal_code, self.country])

    def validate_parent(self, parent: "Institution | None") -> None:
        """Raise ValidationError if `parent` cannot be this institution's parent organisation."""
        seen = set()
        ancestor = parent
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError("That would make the institution its own ancestor.")
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


# OB 3.0 IdentifierTypeEnum, extensible with `ext:` names.
IDENTIFIER_TYPES = [
    "name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress",
    "nationalIdentityNumber", "isbn", "issn", "lisSourcedId", "oneRosterSourcedId", "sisSourcedId",
    "ltiContextId", "ltiDeploymentId", "ltiToolId", "ltiPlatformId", "ltiUserId", "identifier",
]  # fmt: skip
IDENTIFIER_TYPE_PATTERN = r"^(" + "|".join(IDENTIFIER_TYPES) + r"|ext:[A-Za-z0-9.\-_]+)$"


class InstitutionIdentifier(models.Model):
    """An official identifier of the institution (OB 3.0 `otherIdentifier`), e.g. its IPEDS unit id."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="identifiers")
    identifier_type = models.CharField(
        max_length=60,
        validators=[
            RegexValidator(
                IDENTIFIER_TYPE_PATTERN,
                "Use an OB 3.0 identifier type (e.g. sourcedId) or an extension such as ext:IPEDS.",
            )
        ],
        help_text="e.g. ext:IPEDS, ext:OPEID, sourcedId",
    )
    identifier = models.CharField(max_length=200)

    class Meta:
        ordering = ["identifier_type", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "identifier_type", "identifier"], name="unique_institution_identifier"
            )
        ]

    def __str__(self):
        return f"{self.identifier_type}: {self.identifier}"


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    REGISTRAR = "registrar", "Registrar"
    ADVISOR = "advisor", "Advisor"
    STUDENT = "student", "Student"


class Membership(models.Model):
    """A role a person holds at one institution; one person may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["institution__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "institution", "role"], name="unique_membership_role")
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.institution}"


class KeyAlgorithm(models.TextChoices):
    ED25519 = "Ed25519", "Ed25519 (Data Integrity eddsa-rdfc-2022, VC-JWT EdDSA)"
    RSA = "RSA", "RSA (VC-JWT RS256)"


class KeyStatus(models.TextChoices):
    ACTIVE = "active", "Active — signs new credentials"
    RETIRED = "retired", "Retired — still verifies credentials it signed"
    COMPROMISED = "compromised", "Compromised — its credentials no longer verify"


class SigningKeyQuerySet(models.QuerySet):
    def published(self):
        """Keys listed in the DID document: every key except compromised ones."""
        return self.exclude(status=KeyStatus.COMPROMISED)

    def active(self):
        return self.filter(status=KeyStatus.ACTIVE)


class SigningKey(models.Model):
    """An institution's key pair. The private part is stored only encrypted (see key_vault)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="signing_keys")
    key_id = models.CharField(max_length=64, help_text="The fragment of the verification method id.")
    algorithm = models.CharField(max_length=20, choices=KeyAlgorithm.choices)
    # Ed25519: multibase ('z6Mk…'); RSA: PEM SubjectPublicKeyInfo.
    public_key = models.TextField()
    private_key_encrypted = models.BinaryField(editable=False)
    status = models.CharField(max_length=20, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    compromised_at = models.DateTimeField(null=True, blank=True)
    compromised_reason = models.TextField(blank=True)

    objects = SigningKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "key_id"], name="unique_key_id_per_institution"),
            models.UniqueConstraint(
                fields=["institution", "algorithm"],
                condition=Q(status="active"),
                name="one_active_key_per_algorithm",
            ),
        ]

    def __str__(self):
        return f"{self.institution.slug}#{self.key_id} ({self.algorithm}, {self.status})"

    def __repr__(self):
        # Never show key material, not even encrypted, in reprs that may end up in logs.
        return f"<SigningKey {self.institution_id}#{self.key_id} {self.algorithm} {self.status}>"

    @property
    def verification_method(self) -> str:
        return f"{self.institution.did}#{self.key_id}"


class AuditEntry(models.Model):
    """Who did what, when: kept for every change to keys, profiles, awards and credentials."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=80)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    @property
    def data_json(self) -> str:
        return json.dumps(self.data, sort_keys=True, ensure_ascii=False)


STAFF_ROLES = (Role.ADMIN, Role.REGISTRAR, Role.ADVISOR)
INVITATION_LIFETIME = datetime.timedelta(days=7)


class StaffInvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked (an expired one is still open, and replaced by a new invitation)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        """Open and not yet expired: the link still works."""
        return self.open().filter(expires_at__gt=timezone.now())


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Withdrawn"
    EXPIRED = "expired", "Expired"


class StaffInvitation(models.Model):
    """An e-mailed, single-use link that makes whoever holds the verified address a member of staff.

    Only the SHA-256 of the link's token is stored: the token itself exists only in the e-mail.
    """

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = StaffInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[role.value for role in STAFF_ROLES]), name="invitation_staff_role_only"
            ),
            # Re-inviting an address replaces its open invitation: there is never more than one.
            models.UniqueConstraint(
                fields=["institution", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_address",
            ),
        ]

    def __str__(self):
        return f"{self.email} as {self.get_role_display()} at {self.institution} ({self.state})"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.revoked_at:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    @property
    def is_pending(self) -> bool:
        return self.state == InvitationState.PENDING
