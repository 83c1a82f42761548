"""Claim offers: one QR code and link through which a learner's wallet claims credentials bound to its DID."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class OfferScope(models.TextChoices):
    CREDENTIAL = "credential", "One credential"
    CLR = "clr", "Comprehensive Learner Record"
    EVERYTHING = "everything", "Everything: every credential and the full record"


class ClaimProtocol(models.TextChoices):
    VCAPI = "vcapi", "VC-API exchange"
    LCW = "lcw", "Learner Credential Wallet request"
    OID4VCI = "oid4vci", "OpenID for Verifiable Credential Issuance 1.0"


class ClaimOffer(models.Model):
    """What a learner offered their wallet: single-use, until it expires or they cancel it.

    The offer's token (in its interaction URL) is a bearer secret: only its hash finds the offer, and it is
    kept encrypted for the owner to see the QR code again (`delivery.services.offer_token`).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_offers")
    learner = models.ForeignKey("achievements.Learner", on_delete=models.CASCADE, related_name="claim_offers")
    scope = models.CharField(max_length=20, choices=OfferScope.choices)
    # The credential offered (an award's, or a CLR); none for "everything".
    credential = models.ForeignKey(
        "credentials.IssuedCredential", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_encrypted = models.TextField(editable=False)
    # What the holder signs in its DIDAuthentication presentation (VC-API and the LCW request link).
    challenge = models.CharField(max_length=64, editable=False)
    # OID4VCI pre-authorized code flow: the code is derived from the token (delivery.oid4vci), only its
    # hash is kept to find the offer; redeemed once. The optional PIN (tx_code) was e-mailed to the learner.
    pre_authorized_code_hash = models.CharField(max_length=64, unique=True, editable=False)
    code_redeemed_at = models.DateTimeField(null=True, blank=True)
    tx_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    tx_code_failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Claim offer {self.id} ({self.get_scope_display()})"

    @property
    def needs_tx_code(self) -> bool:
        return bool(self.tx_code_hash)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return not (self.is_cancelled or self.is_claimed or self.is_expired)


class Claim(models.Model):
    """One claim through an offer: when, by which protocol, for which holder DID, and what it received."""

    offer = models.ForeignKey(ClaimOffer, on_delete=models.CASCADE, related_name="claims")
    protocol = models.CharField(max_length=20, choices=ClaimProtocol.choices)
    holder_did = models.CharField(max_length=500)
    credentials = models.ManyToManyField("credentials.IssuedCredential", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_protocol_display()} claim by {self.holder_did}"


class AccessToken(models.Model):
    """An OID4VCI access token (by hash): what the token endpoint gave for an offer's pre-authorized code."""

    offer = models.ForeignKey(ClaimOffer, on_delete=models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Access token of {self.offer_id}"


class Nonce(models.Model):
    """A used OID4VCI `c_nonce` (by hash): a key proof may carry one once (delivery.oid4vci signs them)."""

    value_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Nonce until {self.expires_at}"
