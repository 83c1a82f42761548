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
