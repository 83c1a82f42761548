"""The learner's side: share links to a chosen subset of their credentials, and credentials they imported."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class ShareLink(models.Model):
    """A public link to a chosen subset of a person's credentials, until it expires or is revoked.

    Only a hash of the token is used to find the link; the token itself is kept encrypted (with a key
    derived from SECRET_KEY) so its owner can see and copy the link again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_encrypted = models.TextField(editable=False)
    label = models.CharField(max_length=200, blank=True)
    show_grades = models.BooleanField(default=True)
    # The share page and the share's signed CLR name the learner (otherwise only hashed identifiers).
    include_name = models.BooleanField(default=True)
    # Viewers may download the PDF companion of the share's signed CLR.
    allow_pdf = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    credentials = models.ManyToManyField(
        "credentials.IssuedCredential", through="ShareLinkCredential", related_name="share_links"
    )
    # The signed partial ClrCredential(s) of the subset: one per institution the subset comes from.
    clrs = models.ManyToManyField("credentials.IssuedCredential", blank=True, related_name="+")
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.label or f"Share of {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("wallet:share_detail", kwargs={"share_id": self.id})

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired


class ShareLinkCredential(models.Model):
    share_link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="items")
    credential = models.ForeignKey("credentials.IssuedCredential", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["share_link", "credential"], name="unique_credential_per_share")
        ]

    def __str__(self):
        return f"{self.share_link_id} → {self.credential_id}"


class ImportFormat(models.TextChoices):
    JSON_LD = "json-ld", "JSON-LD file"
    VC_JWT = "vc-jwt", "VC-JWT"
    BAKED_PNG = "png", "Baked PNG badge"
    BAKED_SVG = "svg", "Baked SVG badge"


class ImportVerdict(models.TextChoices):
    VERIFIED = "verified", "Verified"
    COULD_NOT_CHECK = "could_not_check", "Could not check"
    NOT_VALID = "not_valid", "Not valid"
    LEGACY = "legacy", "Unsigned legacy (Open Badges 2.0)"


class ExternalCredential(models.Model):
    """A credential from another issuer that the learner imported, kept with how it verified on import."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_credentials"
    )
    original_name = models.CharField(max_length=255, blank=True)
    source_format = models.CharField(max_length=10, choices=ImportFormat.choices)
    document = models.JSONField()
    jwt = models.TextField(blank=True)
    name = models.CharField(max_length=300, blank=True)
    issuer_name = models.CharField(max_length=300, blank=True)
    achievement_type = models.CharField(max_length=60, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    verdict = models.CharField(max_length=20, choices=ImportVerdict.choices)
    verification = models.JSONField(null=True, blank=True, help_text="vc.verify result at import time.")
    verified_at = models.DateTimeField(default=timezone.now)
    # A credential that did not verify is kept only once its owner confirms, and stays flagged.
    confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name or self.original_name or str(self.id)

    def get_absolute_url(self):
        return reverse("wallet:import_detail", kwargs={"import_id": self.id})

    @property
    def is_legacy(self) -> bool:
        return self.verdict == ImportVerdict.LEGACY

    @property
    def failed_verification(self) -> bool:
        return self.verdict == ImportVerdict.NOT_VALID

    @property
    def is_kept(self) -> bool:
        return self.confirmed or not self.failed_verification
