"""The shapes of the portal API: what it answers (read serializers) and what it takes (input serializers).

Input serializers check the JSON's shape and bounds only; the rules are the web forms' and the services'
(api.portal_views hands the data to them), so the API and the pages accept and refuse the same things.
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from achievements.models import (
    ASSOCIATION_TYPE_CHOICES,
    RESULT_STATUS_CHOICES,
    Achievement,
    AchievementVersion,
    Alignment,
    Association,
    Award,
    AwardResult,
    ImportRun,
    Learner,
    ResultDescription,
)
from credentials.models import IssuanceJob, IssuedCredential
from institutions.models import SigningKey
from wallet import api as wallet_api

MAX_ITEMS = 50  # alignments, result descriptions, rubric levels, identifiers, tags: per achievement
MAX_ID = 2**63 - 1  # ids are 64-bit (BigAutoField): a larger number names nothing, and no database takes it


def object_id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# Every refusal of the portal API: a message for a person, details for a program (`extra.fields`, per
# field its problems, for a 400). The verify API's own, so the schema has one `Error`.
ErrorSerializer = wallet_api.ErrorSerializer


# --- the catalog --------------------------------------------------------------------------------------


class AlignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alignment
        fields = [
            "target_name", "target_url", "target_description", "target_framework", "target_code",
            "target_type",
        ]  # fmt: skip


class RubricLevelSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    points = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResultDescriptionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    levels = RubricLevelSerializer(many=True, read_only=True)
    required_level = serializers.SerializerMethodField()

    class Meta:
        model = ResultDescription
        fields = [
            "id", "name", "result_type", "allowed_values", "required_value", "value_min", "value_max",
            "levels", "required_level",
        ]  # fmt: skip

    def get_required_level(self, description) -> str:
        return description.required_level.name if description.required_level_id else ""


class AssociationSerializer(serializers.ModelSerializer):
    source = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The achievement's id.")
    target = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The related achievement's id.")
    source_code = serializers.CharField(source="source.human_code", read_only=True)
    target_code = serializers.CharField(source="target.human_code", read_only=True)

    class Meta:
        model = Association
        fields = ["id", "association_type", "source", "source_code", "target", "target_code", "created_at"]


class IdentifierSerializer(serializers.Serializer):
    identifier_type = serializers.CharField(max_length=60, help_text="e.g. sisSourcedId, ext:CIP")
    identifier = serializers.CharField(max_length=200)


class AchievementVersionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    alignments = AlignmentSerializer(many=True, read_only=True)
    result_descriptions = ResultDescriptionSerializer(many=True, read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    other_identifiers = IdentifierSerializer(many=True, read_only=True)

    class Meta:
        model = AchievementVersion
        fields = [
            "id", "number", "version", "achievement_type", "name", "description", "criteria_narrative",
            "criteria_url", "image_caption", "credits_available", "field_of_study", "specialization", "level",
            "in_language", "tags", "other_identifiers", "alignments", "result_descriptions", "created_at",
        ]  # fmt: skip


class AchievementSummarySerializer(serializers.ModelSerializer):
    """An achievement in the catalog list: its current version's main fields."""

    name = serializers.CharField(source="current_version.name", read_only=True, default="")
    achievement_type = serializers.CharField(
        source="current_version.achievement_type", read_only=True, default=""
    )
    version_number = serializers.IntegerField(source="current_version.number", read_only=True, default=None)

    class Meta:
        model = Achievement
        fields = [
            "id",
            "uuid",
            "human_code",
            "name",
            "achievement_type",
            "version_number",
            "retired",
            "updated_at",
        ]


class AchievementSerializer(serializers.ModelSerializer):
    """An achievement with its current version: alignments, result descriptions, associations."""

    current_version = AchievementVersionSerializer(read_only=True)
    associations = serializers.SerializerMethodField()

    class Meta:
        model = Achievement
        fields = [
            "id",
            "uuid",
            "human_code",
            "retired",
            "current_version",
            "associations",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(AssociationSerializer(many=True))
    def get_associations(self, achievement) -> list[dict]:
        return AssociationSerializer(self.context.get("associations", []), many=True).data


class ResultDescriptionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    result_type = serializers.CharField(max_length=60, default="LetterGrade")
    allowed_values = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=100, required=False, default=list,
        help_text="A grade scale, best first.",
    )  # fmt: skip
    required_value = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    value_min = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    value_max = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    levels = RubricLevelSerializer(many=True, required=False, default=list, max_length=MAX_ITEMS)
    required_level = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AlignmentInputSerializer(serializers.Serializer):
    target_name = serializers.CharField(max_length=200)
    target_url = serializers.CharField(max_length=500)
    target_description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    target_framework = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    target_code = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    target_type = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class AchievementInputSerializer(serializers.Serializer):
    """The catalog entry and the content of its (next) version, as the web form takes it."""

    human_code = serializers.CharField(max_length=60)
    achievement_type = serializers.CharField(max_length=60, default="Course")
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    criteria_narrative = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    criteria_url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    image_caption = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    credits_available = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, default=None
    )
    field_of_study = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    specialization = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    level = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    in_language = serializers.CharField(max_length=35, required=False, allow_blank=True, default="en")
    version = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_ITEMS, required=False, default=list
    )
    other_identifiers = IdentifierSerializer(many=True, required=False, default=list, max_length=MAX_ITEMS)
    alignments = AlignmentInputSerializer(many=True, required=False, default=list, max_length=MAX_ITEMS)
    result_descriptions = ResultDescriptionInputSerializer(
        many=True, required=False, default=list, max_length=MAX_ITEMS
    )


class AchievementUpdateSerializer(AchievementInputSerializer):
    retired = serializers.BooleanField(required=False, default=False)
    new_version = serializers.BooleanField(
        required=False, default=False, help_text="Awarded versions are never changed: edits make a new one."
    )


class AssociationInputSerializer(serializers.Serializer):
    association_type = serializers.ChoiceField(choices=ASSOCIATION_TYPE_CHOICES)
    target = object_id(help_text="The id of an achievement of this catalog.")


# --- learners and awards -----------------------------------------------------------------------------


class LearnerSerializer(serializers.ModelSerializer):
    claimed = serializers.SerializerMethodField(help_text="Whether the learner claimed the record.")

    class Meta:
        model = Learner
        fields = [
            "id", "uuid", "student_id", "sourced_id", "given_name", "family_name", "email", "did", "claimed",
            "created_at", "updated_at",
        ]  # fmt: skip

    def get_claimed(self, learner) -> bool:
        return learner.claimed_at is not None


class LearnerInputSerializer(serializers.Serializer):
    student_id = serializers.CharField(max_length=64)
    sourced_id = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    did = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AwardResultSerializer(serializers.ModelSerializer):
    result_description = serializers.CharField(source="result_description.name", read_only=True)

    class Meta:
        model = AwardResult
        fields = ["result_description", "value", "status"]


class AwardSerializer(serializers.ModelSerializer):
    learner = serializers.PrimaryKeyRelatedField(read_only=True)
    achievement = serializers.PrimaryKeyRelatedField(read_only=True)
    achievement_code = serializers.CharField(source="achievement.human_code", read_only=True)
    version_number = serializers.IntegerField(source="achievement_version.number", read_only=True)
    results = AwardResultSerializer(many=True, read_only=True)
    withdrawn = serializers.SerializerMethodField()

    class Meta:
        model = Award
        fields = [
            "id", "uuid", "learner", "achievement", "achievement_code", "version_number", "term", "results",
            "credits_earned", "activity_start_date", "activity_end_date", "awarded_date", "source",
            "withdrawn", "withdrawn_at", "withdrawn_reason", "created_at",
        ]  # fmt: skip

    def get_withdrawn(self, award) -> bool:
        return award.withdrawn_at is not None


class AwardInputSerializer(serializers.Serializer):
    achievement = object_id(help_text="The id of an achievement of this catalog.")
    term = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    result = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    result_status = serializers.ChoiceField(
        choices=[("", "From the result"), *RESULT_STATUS_CHOICES], required=False, default=""
    )
    credits_earned = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    activity_start_date = serializers.DateField(required=False, allow_null=True, default=None)
    activity_end_date = serializers.DateField(required=False, allow_null=True, default=None)
    awarded_date = serializers.DateField()
    evidence_narrative = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    evidence_url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Kept in the history; told to the learner.")


# --- imports -----------------------------------------------------------------------------------------


class ImportRunSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="[rows done, rows in all] while a worker has it.")

    class Meta:
        model = ImportRun
        fields = [
            "id", "original_name", "file_format", "status", "rows", "valid_rows", "created", "updated",
            "unchanged", "skipped", "problem_count", "problems", "new_achievements", "preview_rows",
            "failure", "valid_only", "progress", "created_at", "finished_at",
        ]  # fmt: skip

    def get_progress(self, run) -> list[int] | None:
        progress = self.context.get("progress", {}).get(run.pk)
        return list(progress) if progress else None


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The award CSV or a OneRoster 1.2 CSV bundle (.zip).")


class ImportCommitSerializer(serializers.Serializer):
    valid_only = serializers.BooleanField(
        required=False, default=False, help_text="Import the rows without problems and skip the others."
    )


# --- issuing and credentials -------------------------------------------------------------------------


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = IssuanceJob
        fields = ["id", "description", "selection", "state", "created_at", "finished_at", "progress"]

    def get_progress(self, job) -> dict:
        from credentials.selectors import job_progress

        return job_progress(job=job)


class JobInputSerializer(serializers.Serializer):
    term = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    achievements = serializers.ListField(
        child=object_id(), max_length=1000, required=False, default=list,
        help_text="Ids of achievements of this catalog; none: every achievement.",
    )  # fmt: skip


class CredentialSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True, help_text="The credential's id (its public address).")
    revoked = serializers.BooleanField(source="is_revoked", read_only=True)
    suspended = serializers.BooleanField(source="is_suspended", read_only=True)
    verify_url = serializers.SerializerMethodField(
        help_text="Where anyone may POST the signed credential to verify it (no token needed)."
    )

    def get_verify_url(self, credential) -> str:
        return settings.PORTAL_BASE_URL + reverse("verify:api")

    class Meta:
        model = IssuedCredential
        fields = [
            "id", "url", "verify_url", "kind", "state", "learner", "award", "partial", "is_current", "job",
            "revoked", "revoked_at", "revocation_reason", "suspended", "suspended_at", "suspension_reason",
            "created_at", "signed_at",
        ]  # fmt: skip


class CredentialDetailSerializer(CredentialSerializer):
    document = serializers.JSONField(
        read_only=True, help_text="The signed credential (JSON-LD), once signed."
    )

    class Meta(CredentialSerializer.Meta):
        fields = [*CredentialSerializer.Meta.fields, "document"]


class SigningKeySerializer(serializers.ModelSerializer):
    verification_method = serializers.CharField(read_only=True)

    class Meta:
        model = SigningKey
        fields = ["key_id", "algorithm", "status", "verification_method", "created_at", "retired_at"]


class KeyRotateSerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(
        choices=["Ed25519", "RSA"], required=False, help_text="Only this algorithm's key; none: every one."
    )
