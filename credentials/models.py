"""The credential lifecycle: what was issued, signed with which key, and its place in a status list."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from achievements.models import private_storage
from institutions.models import Institution, SigningKey

# BSL 6.1 (privacy): at least 131,072 entries so one index says little about who holds it.
STATUS_LIST_SIZE = 131072


class StatusPurpose(models.TextChoices):
    REVOCATION = "revocation", "Revocation"
    SUSPENSION = "suspension", "Suspension"


class StatusList(models.Model):
    """A pair of Bitstring Status Lists (revocation and suspension) sharing one index space.

    Indexes are handed out in the order of a keyed permutation of positions, so they are unique,
    spread at random over the list, and allocated under a row lock without probing.
    """

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="status_lists")
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField(default=STATUS_LIST_SIZE)
    allocated = models.PositiveIntegerField(default=0, help_text="How many indexes have been handed out.")
    permutation_key = models.BinaryField(editable=False)
    revocation_bits = models.BinaryField(editable=False)
    suspension_bits = models.BinaryField(editable=False)
    # Bumped on every bit change; the signed documents record the revision they were signed at.
    revision = models.PositiveIntegerField(default=0)
    revocation_document = models.JSONField(null=True, blank=True, editable=False)
    suspension_document = models.JSONField(null=True, blank=True, editable=False)
    signed_revision = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["institution", "number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "number"], name="unique_status_list_number"),
        ]

    def __str__(self):
        return f"{self.institution.slug} status list {self.number}"

    @property
    def is_full(self) -> bool:
        return self.allocated >= self.size

    @property
    def needs_signing(self) -> bool:
        return self.signed_revision != self.revision

    def url(self, purpose: str) -> str:
        return settings.PORTAL_BASE_URL + reverse(
            "credentials:status_list",
            kwargs={"slug": self.institution.slug, "number": self.number, "purpose": purpose},
        )


class IssuanceJobQuerySet(models.QuerySet):
    def close_finished(self) -> int:
        """Mark done the running jobs whose credentials are all signed or failed and whose PDFs are all
        rendered or failed ("Done with failures" when anything failed)."""
        finished = self.filter(
            state=IssuanceJob.State.RUNNING,
            signed__gte=F("total") - F("failed"),
            pdfs_rendered__gte=F("pdfs_expected") - F("pdfs_failed"),
        )
        anything_failed = Q(failed__gt=0) | Q(pdfs_failed__gt=0)
        return finished.update(
            state=Case(
                When(anything_failed, then=Value(IssuanceJob.State.DONE_WITH_FAILURES)),
                default=Value(IssuanceJob.State.DONE),
            ),
            finished_at=timezone.now(),
        )


class IssuanceJob(models.Model):
    """A registrar's request to issue many credentials at once, with live counts."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        DONE_WITH_FAILURES = "failed", "Done with failures"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="issuance_jobs")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    description = models.CharField(max_length=300)
    selection = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    signed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # PDF companions of the job's ClrCredentials: one for each CLR that is not failed, rendered or not.
    pdfs_expected = models.PositiveIntegerField(default=0)
    pdfs_rendered = models.PositiveIntegerField(default=0)
    pdfs_failed = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RUNNING)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = IssuanceJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.description} ({self.signed + self.failed}/{self.total})"

    @property
    def queued(self) -> int:
        return max(self.total - self.signed - self.failed, 0)

    @property
    def pdfs_waiting(self) -> int:
        return max(self.pdfs_expected - self.pdfs_rendered - self.pdfs_failed, 0)

    @property
    def percent_done(self) -> int:
        work = self.total + self.pdfs_expected
        done = self.signed + self.failed + self.pdfs_rendered + self.pdfs_failed
        return 100 if not work else min(int(100 * done / work), 100)

    @property
    def is_running(self) -> bool:
        return self.state == self.State.RUNNING


class CredentialKind(models.TextChoices):
    ACHIEVEMENT = "AchievementCredential", "Achievement credential (OB 3.0)"
    CLR = "ClrCredential", "Comprehensive Learner Record (CLR 2.0)"
    ENDORSEMENT = "EndorsementCredential", "Endorsement (OB 3.0)"


class CredentialState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SIGNED = "signed", "Signed"
    FAILED = "failed", "Failed"


class IssuedCredentialQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(state=CredentialState.SIGNED)

    def current(self):
        return self.filter(is_current=True)


class IssuedCredential(models.Model):
    """A credential the institution issued: the signed JSON-LD document and its lifecycle."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="issued_credentials")
    kind = models.CharField(max_length=30, choices=CredentialKind.choices)
    learner = models.ForeignKey("achievements.Learner", on_delete=models.PROTECT, related_name="credentials")
    award = models.ForeignKey(
        "achievements.Award", null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    # For a ClrCredential: the AchievementCredentials nested in it.
    nested = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="included_in")
    partial = models.BooleanField(default=False, help_text="A CLR of a chosen subset of the record.")
    names_learner = models.BooleanField(
        default=False, help_text="The subject also names the learner (a plain IdentityObject of type name)."
    )
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="What was signed, to avoid re-signing."
    )
    # Only the newest credential of an award (or the newest full CLR of a learner) is current.
    is_current = models.BooleanField(default=True)
    # A copy claimed into the holder's own wallet (credentials.holder_binding): its subject is this DID, the
    # DID that proved control of its key. Never current: the institution's copy stays the award's one.
    holder_did = models.CharField(max_length=500, blank=True, default="")
    job = models.ForeignKey(
        IssuanceJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="credentials"
    )

    state = models.CharField(max_length=10, choices=CredentialState.choices, default=CredentialState.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    document = models.JSONField(null=True, blank=True, editable=False)
    jwt = models.TextField(blank=True, editable=False)
    signing_key = models.ForeignKey(
        SigningKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    status_list = models.ForeignKey(
        StatusList, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials"
    )
    status_index = models.PositiveIntegerField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)

    # The PDF transcript companion (a ClrCredential's, or a one-page certificate of an achievement): a
    # PDF/A-3 whose attachment is the signed credential. Rendered once, by a worker; private to who may
    # read the credential.
    pdf = models.FileField(upload_to="credentials/pdf/%Y/%m/", storage=private_storage, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    # Why the PDF companion could not be rendered for good (with pdf_rendered_at set and no pdf).
    pdf_error = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IssuedCredentialQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="unique_status_index"),
            # However often issuing runs, an award has one current AchievementCredential.
            models.UniqueConstraint(
                fields=["award"],
                condition=Q(kind="AchievementCredential", is_current=True),
                name="one_current_credential_per_award",
            ),
            # A holder DID is given one valid copy of an award, however often it claims it.
            models.UniqueConstraint(
                fields=["award", "holder_did"],
                condition=Q(kind="AchievementCredential", revoked_at__isnull=True) & ~Q(holder_did=""),
                name="one_valid_holder_copy_per_award_and_did",
            ),
            models.CheckConstraint(
                condition=Q(holder_did="") | Q(is_current=False), name="holder_copies_are_never_current"
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "kind", "is_current"]),
            models.Index(fields=["institution", "state"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.id} ({self.state})"

    def get_absolute_url(self):
        return reverse("credentials:detail", kwargs={"credential_id": self.id})

    @property
    def url(self) -> str:
        """The credential's `id`: a stable address of the portal."""
        return settings.PORTAL_BASE_URL + self.get_absolute_url()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def name(self) -> str:
        return (self.document or {}).get("name", "")


class NestedExpansion(models.Model):
    """A signed credential's JSON-LD expansion as a CLR nests it (`vc.canonical.kept_expansions`), kept
    so the learner's later CLRs, signed by whichever worker, need not expand it again: expanding the
    nested credentials is about a quarter of signing a CLR."""

    credential = models.ForeignKey(IssuedCredential, on_delete=models.CASCADE, related_name="expansions")
    key = models.CharField(
        max_length=64, help_text="vc's name of it: the document, where and under which contexts."
    )
    value = models.BinaryField(help_text="zlib-compressed JSON, as vc made it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["credential", "key"], name="one_expansion_per_credential_and_key")
        ]

    def __str__(self):
        return f"expansion {self.key[:12]} of {self.credential_id}"
