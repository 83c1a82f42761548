"""Co-curricular experiences: what a student did outside courses, and how it came to be verified.

A student records an `Experience`; an outside supervisor may attest it through an e-mailed single-use
link (`SupervisorRequest`); the student's assigned advisor (`AdvisorAssignment`) annotates it and
decides. A verified experience becomes an Award (achievements) whose credential the pipeline issues.
Every change is an `ExperienceEvent` of the timeline: nothing is overwritten without a trace.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from achievements.models import Achievement, Award, Learner, private_storage
from institutions.models import Institution


class Category(models.TextChoices):
    CLUB = "club", "Club or society"
    LEADERSHIP = "leadership", "Leadership"
    INTERNSHIP = "internship", "Internship"
    EMPLOYMENT = "employment", "Employment"
    SERVICE = "service", "Community service"
    RESEARCH = "research", "Research"
    ATHLETICS = "athletics", "Athletics"
    OTHER = "other", "Other"


# The OB 3.0 achievementType of each category's credential. OB 3.0 has no Internship type: Fieldwork
# "includes internships and practicums"; employment, research and athletics have none, so extensions.
ACHIEVEMENT_TYPE_OF_CATEGORY = {
    Category.CLUB: "Membership",
    Category.LEADERSHIP: "CoCurricular",
    Category.INTERNSHIP: "Fieldwork",
    Category.EMPLOYMENT: "ext:Employment",
    Category.SERVICE: "CommunityService",
    Category.RESEARCH: "ext:Research",
    Category.ATHLETICS: "ext:Athletics",
    Category.OTHER: "CoCurricular",
}


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    AWAITING_SUPERVISOR = "awaiting_supervisor", "Waiting for the supervisor"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    VERIFIED = "verified", "Verified"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"


# States in which the student may edit; states an advisor's queue shows; states the deadline expires.
EDITABLE_STATES = (State.DRAFT, State.CHANGES_REQUESTED)
REVIEW_STATES = (State.SUBMITTED, State.AWAITING_SUPERVISOR)
OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.AWAITING_SUPERVISOR, State.CHANGES_REQUESTED)


class Visibility(models.TextChoices):
    SHARED = "shared", "Shared with the student"
    INTERNAL = "internal", "Internal to advisors"


class ExperiencePolicy(models.Model):
    """An institution's rules for experiences: the deadline, reminders, supervisors, the reply-to address."""

    institution = models.OneToOneField(
        Institution, on_delete=models.CASCADE, related_name="experience_policy"
    )
    deadline = models.DateField(
        null=True,
        blank=True,
        help_text="Experiences not yet decided by the end of this day expire (the student and advisor are "
        "reminded before). Blank: no deadline.",
    )
    reminder_days = models.PositiveSmallIntegerField(
        default=14, help_text="How many days before the deadline the reminders go out."
    )
    reminded_for = models.DateField(
        null=True, blank=True, editable=False, help_text="The deadline the reminders were last sent for."
    )
    supervisor_required = models.JSONField(
        default=list, blank=True, help_text="Categories whose experiences need a supervisor's attestation."
    )
    reply_to = models.EmailField(
        blank=True, help_text="Where replies to the portal's e-mails about experiences go (e.g. the office)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "experience policies"

    def __str__(self):
        return f"Experience policy of {self.institution}"

    def requires_supervisor(self, category: str) -> bool:
        return category in (self.supervisor_required or [])


class CompetencyLevel(models.Model):
    """A level of the institution's competency rubric (e.g. Advanced … Emerging), best first."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="competency_levels")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["institution", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="unique_competency_level_name")
        ]

    def __str__(self):
        return self.name


class AdvisorPreference(models.Model):
    """How an advisor wants to hear of submissions: one e-mail each, or a daily digest."""

    class Notify(models.TextChoices):
        EACH = "each", "An e-mail for each submission"
        DAILY = "daily", "One daily digest"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="+")
    notify = models.CharField(max_length=10, choices=Notify.choices, default=Notify.EACH)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "institution"], name="one_advisor_preference")]

    def __str__(self):
        return f"{self.user}: {self.get_notify_display()}"


class AdvisorAssignment(models.Model):
    """An advisor of the institution advises this learner: they see and decide the learner's experiences."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="advisor_assignments")
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advisees")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="advisor_assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["learner__family_name", "learner__given_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["advisor", "learner"], name="unique_advisor_assignment")
        ]
        indexes = [models.Index(fields=["institution", "advisor"])]

    def __str__(self):
        return f"{self.advisor} advises {self.learner}"


class Experience(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="experiences")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="experiences")
    title = models.CharField(max_length=200, help_text="e.g. Robotics Club, or Summer internship.")
    organisation = models.CharField(max_length=200, help_text="Where it took place.")
    role = models.CharField("role or position", max_length=200, blank=True, help_text="e.g. Treasurer.")
    category = models.CharField(max_length=20, choices=Category.choices)
    term = models.CharField(max_length=60, blank=True, help_text="e.g. Fall 2025, or give dates instead.")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    hours = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    description = models.TextField(help_text="What you did (Markdown allowed).")
    reflection = models.TextField(blank=True, help_text="What you learned from it.")
    competencies = models.ManyToManyField(
        Achievement, blank=True, related_name="+", help_text="The competencies you believe it shows."
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the advisor confirmed when verifying (the student's claim stays in `hours`).
    confirmed_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    award = models.OneToOneField(
        Award, null=True, blank=True, on_delete=models.SET_NULL, related_name="experience"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # The advisor's queue: an institution's experiences by state, oldest submission first.
            models.Index(fields=["institution", "state", "submitted_at"]),
            models.Index(fields=["learner", "state"]),
        ]

    def __str__(self):
        return f"{self.title} ({self.learner})"

    def get_absolute_url(self):
        return reverse("experiences:mine", kwargs={"experience_id": self.uuid})

    @property
    def achievement_type(self) -> str:
        return ACHIEVEMENT_TYPE_OF_CATEGORY[self.category]

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def period(self) -> str:
        if self.start_date and self.end_date:
            return f"{self.start_date:%-d %b %Y} – {self.end_date:%-d %b %Y}"
        if self.start_date:
            return f"from {self.start_date:%-d %b %Y}"
        return self.term


class HoursEntry(models.Model):
    """One dated entry of an experience's hours log."""

    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="hours_log")
    date = models.DateField()
    hours = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name_plural = "hours entries"

    def __str__(self):
        return f"{self.hours} h on {self.date}"


class ExperienceEvidence(models.Model):
    """A link, or an uploaded file (private: served only to who may see the experience)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="experiences/evidence/%Y/%m/", storage=private_storage, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "experience evidence"

    def __str__(self):
        return self.name or self.url or self.file_name

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.file.name).name if self.file else ""


class SupervisorRequest(models.Model):
    """An outside supervisor asked, by a single-use e-mailed link, to attest one experience.

    Only the SHA-256 of the link's token is kept; the token is made when the mail is sent (by a task).
    Once the supervisor answers, the request holds their attestation: who, when, and what they confirmed.
    """

    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="supervisor_requests")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True, help_text="The supervisor's name, if known.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The attestation (set together, when the supervisor answers; the link is then used up).
    attested_at = models.DateTimeField(null=True, blank=True)
    attested_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    # [{"competency": <Achievement pk>, "name": "Teamwork", "level": "Proficient"}]
    attested_competencies = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signer_title = models.CharField(max_length=200, blank=True)
    signer_organisation = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Supervisor {self.email} for {self.experience}"

    @property
    def is_open(self) -> bool:
        return self.attested_at is None and self.cancelled_at is None


class Annotation(models.Model):
    """An advisor's note on an experience: shared with the student, or internal to advisors. Never edited."""

    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="annotations")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_visibility_display()} note on {self.experience}"

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED


class CompetencyRating(models.Model):
    """A competency the advisor confirmed, with its rubric level (what the credential's results say)."""

    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="ratings")
    competency = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(CompetencyLevel, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["experience", "competency"], name="one_rating_per_competency")
        ]

    def __str__(self):
        return f"{self.competency}: {self.level}"


# Each line of the timeline, in plain words.
ACTION_LABELS = {
    "created": "Recorded",
    "edited": "Edited",
    "hours_logged": "Hours logged",
    "evidence_added": "Evidence added",
    "submitted": "Submitted",
    "supervisor_asked": "Supervisor asked to confirm it",
    "awaiting_supervisor": "Waiting for the supervisor",
    "supervisor_attested": "Supervisor confirmed it",
    "back_to_advisor": "Back with the advisor",
    "noted": "Note from the advisor",
    "changes_requested": "Changes requested",
    "declined": "Declined",
    "verified": "Verified",
    "unverified": "Verification undone",
    "award_withdrawn": "Its award was withdrawn by the institution",
    "reopened": "Reopened",
    "expired": "Expired",
}


class ExperienceEvent(models.Model):
    """One line of the timeline: who did what and when, with the previous and new values of what changed.

    Shared events are shown to the student; internal ones (internal notes, their changes) only to advisors.
    """

    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Who acted when there is no account (an outside supervisor), or a system label ("Deadline").
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.SHARED)
    # {"field": {"from": old, "to": new}}
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action.replace("_", " ").capitalize())
