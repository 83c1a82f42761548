"""What can be learned (the catalog) and what each learner achieved (awards).

An `Achievement` is a catalog entry of one institution, identified by its human code (`CS 101`).
Its content lives in `AchievementVersion` rows: editing an achievement that has been awarded makes a new
version, so every award keeps pointing at the version it was earned under, and a credential issued for
it keeps saying what the learner actually achieved.
"""

import re
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from institutions.models import IDENTIFIER_TYPE_PATTERN, Institution
from vc.documents import (
    ACHIEVEMENT_TYPES,
    ALIGNMENT_TARGET_TYPES,
    ASSOCIATION_TYPES,
    RESULT_STATUSES,
    RESULT_TYPES,
)
from vc.labels import achievement_type_label

# OB 3.0 B.1.3: an EnumExt value is one of the enumeration or "ext:" followed by a name.
_EXT = r"ext:[A-Za-z0-9._-]+"


def _enum_or_ext(values, what):
    return RegexValidator(
        r"^(" + "|".join(re.escape(v) for v in values) + "|" + _EXT + r")$",
        f"Use an OB 3.0 {what} (e.g. {values[0]}) or an extension such as ext:MyType.",
    )


ACHIEVEMENT_TYPE_CHOICES = [(value, achievement_type_label(value)) for value in ACHIEVEMENT_TYPES]
ASSOCIATION_TYPE_CHOICES = [
    (value, re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value)) for value in ASSOCIATION_TYPES
]
RESULT_STATUS_CHOICES = [(value, value) for value in RESULT_STATUSES]
# OB 3.0 ResultStatusType values saying the achievement was not earned: such an award is an attempt. It stays
# on the record with its grade, but no credential claims it and it evidences nothing.
ATTEMPT_STATUSES = ("Failed", "Withdrew")
# BCP 47 language tag, as OB 3.0 LanguageCode.
LANGUAGE_VALIDATOR = RegexValidator(
    r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$", "Use a language tag such as en, en-US or pt-BR."
)


def private_storage():
    """SIS files and evidence: no public URL; achievements.views serves them to who may read them."""
    return storages["private"]


class Achievement(models.Model):
    """A catalog entry: the stable identity of an achievement across its versions."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="achievements")
    human_code = models.CharField(
        max_length=60, help_text="The code people and SIS exports use, e.g. CS 101. Unique per institution."
    )
    current_version = models.ForeignKey(
        "AchievementVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired = models.BooleanField(default=False, help_text="No longer offered; past awards stay valid.")
    # Made for one learner's award (a verified co-curricular experience): not listed in the catalog.
    personal = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["human_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "human_code"], name="unique_human_code_per_institution"
            )
        ]

    def __str__(self):
        name = self.current_version.name if self.current_version_id else ""
        return f"{self.human_code} {name}".strip()

    def get_absolute_url(self):
        return reverse(
            "achievements:detail", kwargs={"slug": self.institution.slug, "achievement_id": self.pk}
        )


class AchievementVersion(models.Model):
    """The content of an achievement as it stood when awarded: every OB 3.0 Achievement member."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(default=1)
    version = models.CharField(
        "version label", max_length=40, blank=True, help_text="Shown as OB 3.0 version, e.g. 2026 or 1.1."
    )
    achievement_type = models.CharField(
        max_length=60,
        choices=ACHIEVEMENT_TYPE_CHOICES,
        default="Course",
        validators=[_enum_or_ext(ACHIEVEMENT_TYPES, "achievement type")],
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    criteria_narrative = models.TextField(
        blank=True, help_text="What a learner must do to earn it (Markdown allowed)."
    )
    criteria_url = models.URLField("criteria URL", blank=True, max_length=500)
    image = models.ImageField(upload_to="achievements/images/", blank=True)
    image_caption = models.CharField(max_length=200, blank=True)
    credits_available = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    field_of_study = models.CharField(max_length=200, blank=True)
    specialization = models.CharField(max_length=200, blank=True)
    # Not an OB 3.0 member: the institution's own level (e.g. "Undergraduate", "300-level"), for the catalog.
    level = models.CharField(max_length=100, blank=True)
    in_language = models.CharField(
        "language", max_length=35, blank=True, default="en", validators=[LANGUAGE_VALIDATOR]
    )
    tags = models.JSONField(default=list, blank=True)
    # OB 3.0 otherIdentifier: [{"identifier_type": "sisSourcedId", "identifier": "..."}]
    other_identifiers = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["achievement", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["achievement", "number"], name="unique_version_number")
        ]

    def __str__(self):
        return f"{self.achievement.human_code} {self.name} (v{self.number})"

    def clean(self):
        if not self.criteria_narrative and not self.criteria_url:
            # OB 3.0 B.1.2 Achievement: criteria is required and needs an id or a narrative.
            raise ValidationError(
                {"criteria_narrative": "Describe the criteria, or give the URL of a page that does."}
            )
        for entry in self.other_identifiers or []:
            if not re.match(IDENTIFIER_TYPE_PATTERN, entry.get("identifier_type", "")):
                raise ValidationError(
                    {"other_identifiers": f"{entry.get('identifier_type')!r} is not an identifier type."}
                )

    @property
    def public_id(self) -> str:
        return f"urn:uuid:{self.uuid}"

    @property
    def label(self) -> str:
        return self.version or str(self.number)


class Alignment(models.Model):
    """OB 3.0 Alignment: the achievement maps to a skill, competency or framework item."""

    version = models.ForeignKey(AchievementVersion, on_delete=models.CASCADE, related_name="alignments")
    target_name = models.CharField(max_length=200)
    target_url = models.URLField(max_length=500)
    target_description = models.TextField(blank=True)
    target_framework = models.CharField(max_length=200, blank=True)
    target_code = models.CharField(max_length=100, blank=True)
    target_type = models.CharField(
        max_length=60,
        blank=True,
        validators=[_enum_or_ext(ALIGNMENT_TARGET_TYPES, "alignment target type")],
        help_text="CFItem (CASE), CTDL, ceasn:Competency, or an extension such as ext:ONET.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.target_name


class ResultDescription(models.Model):
    """OB 3.0 ResultDescription: a kind of result the achievement can have (a grade scale, a rubric…)."""

    NUMERIC_TYPES = (
        "Percent",
        "GradePointAverage",
        "RawScore",
        "ScaledScore",
        "RubricScore",
        "PredictedScore",
    )

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        AchievementVersion, on_delete=models.CASCADE, related_name="result_descriptions"
    )
    name = models.CharField(max_length=200)
    result_type = models.CharField(
        max_length=60,
        default="LetterGrade",
        validators=[_enum_or_ext(RESULT_TYPES, "result type")],
        help_text="LetterGrade, Percent, GradePointAverage, RubricCriterionLevel, Status, …",
    )
    # Ordered best first: a value passes when it is at least as good as the required value.
    allowed_values = models.JSONField(default=list, blank=True)
    required_value = models.CharField(max_length=60, blank=True)
    required_level = models.ForeignKey(
        "RubricLevel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    value_min = models.CharField(max_length=30, blank=True)
    value_max = models.CharField(max_length=30, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name} ({self.result_type})"

    @property
    def public_id(self) -> str:
        return f"urn:uuid:{self.uuid}"

    @property
    def is_numeric(self) -> bool:
        return self.result_type in self.NUMERIC_TYPES

    def value_problem(self, value: str, level_names=None) -> str | None:
        """Why `value` cannot be a result of this description, or None when it can."""
        if self.result_type == "Status":
            if value not in RESULT_STATUSES:
                return f"{value!r} is not a status; use one of {', '.join(RESULT_STATUSES)}."
            return None
        if self.result_type == "RubricCriterionLevel":
            names = level_names if level_names is not None else [lvl.name for lvl in self.levels.all()]
            if value not in names:
                return f"{value!r} is not a level of the rubric {self.name!r} ({', '.join(names)})."
            return None
        if self.allowed_values:
            if value not in self.allowed_values:
                return f"{value!r} is not on the scale {self.name!r} ({', '.join(self.allowed_values)})."
            return None
        if self.is_numeric or self.value_min or self.value_max:
            try:
                number = Decimal(value)
            except InvalidOperation:
                return f"{value!r} is not a number ({self.name} is numeric)."
            if not number.is_finite():
                return f"{value!r} is not a number ({self.name} is numeric)."
            if self.value_min and number < Decimal(self.value_min):
                return f"{value} is below the minimum {self.value_min} of {self.name!r}."
            if self.value_max and number > Decimal(self.value_max):
                return f"{value} is above the maximum {self.value_max} of {self.name!r}."
        return None

    def is_passing(self, value: str) -> bool:
        """Whether `value` meets the required value or level (no requirement: every value passes)."""
        if self.required_level_id is not None:
            # Rubric levels are ordered best first, as allowed values are.
            levels = list(self.levels.all())  # prefetched by the import and the catalog pages
            names = [level.name for level in levels]
            required = next((i for i, level in enumerate(levels) if level.pk == self.required_level_id), None)
            if value in names and required is not None:
                return names.index(value) <= required
        if not self.required_value:
            return value not in ATTEMPT_STATUSES
        if (
            self.allowed_values
            and self.required_value in self.allowed_values
            and value in self.allowed_values
        ):
            return self.allowed_values.index(value) <= self.allowed_values.index(self.required_value)
        try:
            return Decimal(value) >= Decimal(self.required_value)
        except InvalidOperation:
            return value == self.required_value


class RubricLevel(models.Model):
    """OB 3.0 RubricCriterionLevel: one level of a rubric result description."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    result_description = models.ForeignKey(ResultDescription, on_delete=models.CASCADE, related_name="levels")
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=100, blank=True)
    points = models.CharField(max_length=30, blank=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name

    @property
    def public_id(self) -> str:
        return f"urn:uuid:{self.uuid}"


class Association(models.Model):
    """CLR 2.0 Association between two catalog achievements: `source` <type> `target`."""

    # Types whose chains must never loop back (a course cannot be part of itself, even indirectly).
    ACYCLIC_TYPES = ("isChildOf", "isParentOf", "isPartOf", "precedes", "replacedBy")

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="associations")
    source = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="associations_from")
    target = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="associations_to")
    association_type = models.CharField(max_length=20, choices=ASSOCIATION_TYPE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["association_type", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "association_type"], name="unique_association"
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="association_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.source.human_code} {self.association_type} {self.target.human_code}"


class Learner(models.Model):
    """A learner at one institution, as the SIS knows them, optionally linked to a portal account."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="learners")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learner_profiles",
    )
    student_id = models.CharField("student id", max_length=64, help_text="The institution's student id.")
    sourced_id = models.CharField(
        "sourced id", max_length=128, blank=True, help_text="The SIS / OneRoster sourcedId, if different."
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    did = models.CharField(
        "DID",
        max_length=500,
        blank=True,
        validators=[
            RegexValidator(r"^did:[a-z0-9]+:\S+$", "A DID looks like did:key:z6Mk… or did:web:example.org.")
        ],
    )
    # When its owner claimed the record into their account (`user`): never set by staff or an import.
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "student_id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "student_id"], name="unique_student_id"),
            models.UniqueConstraint(
                fields=["institution", "user"], name="one_learner_per_user_and_institution"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.student_id})"

    def get_absolute_url(self):
        return reverse("achievements:learner", kwargs={"slug": self.institution.slug, "learner_id": self.pk})

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class LearnerInvitation(models.Model):
    """An e-mail inviting a learner to claim their record: a single-use link, of which only a hash is kept.

    Queued when `sent_at` is empty: the token is made when the mail is sent, by a task (or the sweep).
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(help_text="The address the link was sent to.")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when the learner claimed the record some other way, or a newer invitation replaced this one.
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Invitation for {self.learner} to {self.email}"


class AwardSource(models.TextChoices):
    SIS_IMPORT = "sis_import", "SIS import (CSV)"
    ONEROSTER = "oneroster", "SIS import (OneRoster)"
    REGISTRAR = "registrar", "Registrar"
    ADVISOR = "advisor", "Advisor"
    DEMO = "demo", "Demo data"


class AwardQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)

    def achieved(self):
        """Awards that meet their criteria (every write stores a result below them as "Failed")."""
        return self.exclude(results__status__in=ATTEMPT_STATUSES)


class Award(models.Model):
    """A learner's achievement: what they earned, under which version, with which results."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="awards")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="awards")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="awards")
    achievement_version = models.ForeignKey(
        AchievementVersion, on_delete=models.PROTECT, related_name="awards"
    )
    term = models.CharField(
        max_length=60, blank=True, help_text="e.g. Fall 2025; blank for achievements without terms."
    )
    credits_earned = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    activity_start_date = models.DateField(null=True, blank=True)
    activity_end_date = models.DateField(null=True, blank=True)
    awarded_date = models.DateField()
    narrative = models.TextField(blank=True)
    # OB 3.0 AchievementSubject.role: the learner's role in it (e.g. Treasurer of a club).
    # Database defaults too: the import's fast insert writes only the columns it knows.
    role = models.CharField(max_length=200, blank=True, default="", db_default="")
    # OB 3.0 AchievementSubject.source: who assessed the achievement on the issuer's behalf (an advisor).
    assessor_id = models.CharField(
        max_length=200, blank=True, default="", db_default="", help_text="A URI naming the assessor."
    )
    assessor_name = models.CharField(max_length=200, blank=True, default="", db_default="")
    assessor_role = models.CharField(max_length=200, blank=True, default="", db_default="")
    source = models.CharField(max_length=20, choices=AwardSource.choices, default=AwardSource.REGISTRAR)
    source_reference = models.CharField(
        max_length=200, blank=True, help_text="e.g. the import file and line."
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["-awarded_date", "pk"]
        constraints = [
            # The import key: one award per learner, achievement and term.
            models.UniqueConstraint(
                fields=["institution", "learner", "achievement", "term"], name="unique_award_per_term"
            )
        ]
        indexes = [models.Index(fields=["institution", "achievement"])]

    def __str__(self):
        return f"{self.achievement.human_code} for {self.learner} ({self.term or 'no term'})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def term_label(self) -> str:
        return self.term or "Other"

    @property
    def is_attempt(self) -> bool:
        """A result below the achievement's criteria: recorded, but not achieved (see ATTEMPT_STATUSES)."""
        return any(result.status in ATTEMPT_STATUSES for result in self.results.all())


class AwardResult(models.Model):
    """OB 3.0 Result: the learner's value for one result description of the awarded version."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="results")
    result_description = models.ForeignKey(ResultDescription, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=60, blank=True)
    achieved_level = models.ForeignKey(
        RubricLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=RESULT_STATUS_CHOICES, blank=True)
    # The competency (a catalog achievement) this result is aligned to: OB 3.0 Result.alignment.
    aligned_to = models.ForeignKey(
        Achievement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["result_description__position", "pk"]

    def __str__(self):
        return f"{self.result_description.name}: {self.value or self.status}"


class Evidence(models.Model):
    """OB 3.0 Evidence supporting an award: a narrative, a link, and/or an uploaded file.

    The file is private; its address is a capability URL (`file_url`, with the random `uuid`), which the
    credential carries, so whoever holds the credential can follow it while no path can be guessed.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    narrative = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="achievements/evidence/%Y/%m/", storage=private_storage, blank=True)
    genre = models.CharField(max_length=100, blank=True)
    audience = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "evidence"

    def __str__(self):
        return self.name or self.url or "Evidence"

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.file.name).name if self.file else ""

    @property
    def file_url(self) -> str:
        """The path of the file's capability URL ("" without a file)."""
        if not self.file:
            return ""
        return reverse("evidence_file", kwargs={"evidence_id": self.uuid, "file_name": self.file_name})


class AwardChange(models.Model):
    """One line of an award's history: created, updated (with the old values), withdrawn, reinstated."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class Term(models.Model):
    """An academic term of an institution, as the SIS's academic sessions give it (OneRoster import).

    Awards name their term by `name`; this row says when it ran, which orders terms by date.
    """

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60, help_text="e.g. Fall 2025: what awards give as their term.")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="The last day of the term (inclusive).")
    sourced_id = models.CharField("sourced id", max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="unique_term_name_per_institution")
        ]

    def __str__(self):
        return self.name


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV (one row per award)"
    ONEROSTER = "oneroster", "OneRoster 1.2 CSV bundle (zip)"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be checked"
    CHECKING = "checking", "Being checked"
    PREVIEWED = "previewed", "Checked, waiting for the registrar"
    IMPORTING = "importing", "Being imported"
    IMPORTED = "imported", "Imported"
    REJECTED = "rejected", "Not imported: the file has problems"


class ImportRun(models.Model):
    """An SIS file checked and (perhaps) imported, with what was found and what was written."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="import_runs")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    file = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage, blank=True)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=20, choices=ImportFormat.choices)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    valid_only = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    # The first problems (file, line, column, message); the count above is the total.
    problems = models.JSONField(default=list, blank=True)
    # Catalog entries the file brings (OneRoster courses.csv): {"code", "title", "credits", "line"}.
    new_achievements = models.JSONField(default=list, blank=True)
    # What the check found the file would change: the first rows here, every row in `changes_file` (CSV).
    preview_rows = models.JSONField(default=list, blank=True)
    changes_file = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage, blank=True)
    # While a worker checks or imports the file: rows written so far of `progress_total`.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How often a worker took up its current step (a worker that died leaves it to the sweep).
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why a check or import ended without finishing: the run is rejected and its file deleted.
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.IMPORTING)
