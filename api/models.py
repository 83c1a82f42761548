"""What the APIs keep: institution systems' API tokens and OAuth clients, and registered clients' metadata."""

import uuid

from django.conf import settings
from django.db import models
from oauth2_provider.settings import oauth2_settings

from institutions.models import Institution, Role


class ApiToken(models.Model):
    """A personal API token of an institution system: one institution, one role. Only its SHA-256 is kept;
    `prefix` (its first characters) lets an admin tell tokens apart."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="api_tokens")
    role = models.CharField(max_length=20, choices=Role.choices)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class InstitutionClient(models.Model):
    """An OAuth client (client credentials grant) that acts for an institution system with one role."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="institution_client"
    )
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="api_clients")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.application} for {self.institution} ({self.role})"


class RegisteredClient(models.Model):
    """The RFC 7591 metadata of a client that registered itself (1EdTech's required fields, all as sent)."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="registration"
    )
    client_uri = models.URLField(max_length=500)
    logo_uri = models.URLField(max_length=500)
    tos_uri = models.URLField(max_length=500)
    policy_uri = models.URLField(max_length=500)
    software_id = models.CharField(max_length=200)
    software_version = models.CharField(max_length=100)
    metadata = models.JSONField(default=dict)
    registered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.application} ({self.software_id} {self.software_version})"


class Standard(models.TextChoices):
    """The two 1EdTech service APIs: each holds its own kind of credential."""

    OB = "ob", "Open Badges 3.0"
    CLR = "clr", "Comprehensive Learner Record 2.0"


class UpsertedCredential(models.Model):
    """A credential a client upserted into a learner's wallet through the 1EdTech service API.

    The wallet keeps it as an ExternalCredential (shown, verified and deleted there like any import);
    this row keeps what the client sent exactly as sent, so GET credentials gives it back unchanged,
    and the keys of the spec's equality (issuer id and credential id) and comparison (validFrom).
    """

    external = models.OneToOneField(
        "wallet.ExternalCredential", on_delete=models.CASCADE, related_name="upsert"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    standard = models.CharField(max_length=3, choices=Standard.choices)
    issuer_id = models.CharField(max_length=2000)
    # The credential's `id`; empty when it has none (then only an identical body is the same credential).
    credential_id = models.CharField(max_length=2000, blank=True)
    body_hash = models.CharField(max_length=64, help_text="SHA-256 of the body as sent.")
    valid_from = models.DateTimeField(null=True, blank=True)
    is_jwt = models.BooleanField(default=False)
    # The JSON text or the compact JWS, byte for byte as the client sent it.
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "standard", "credential_id"])]

    def __str__(self):
        return f"{self.credential_id or self.body_hash[:12]} ({self.get_standard_display()})"


class LearnerProfile(models.Model):
    """What a learner told the 1EdTech service API about themselves beyond their account's names
    (PUT profile): the Profile properties they may set, as they sent them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_profile"
    )
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Profile of {self.user}"
