from django.contrib import admin
from django.utils.html import format_html

from .models import (
    Achievement,
    AchievementVersion,
    Alignment,
    Association,
    Award,
    AwardChange,
    AwardResult,
    Evidence,
    ImportRun,
    Learner,
    ResultDescription,
    RubricLevel,
)


class VersionInline(admin.TabularInline):
    model = AchievementVersion
    fields = ["number", "version", "achievement_type", "name", "credits_available", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ["human_code", "institution", "current_version", "retired"]
    list_filter = ["institution", "retired"]
    search_fields = ["human_code", "current_version__name"]
    raw_id_fields = ["current_version"]
    inlines = [VersionInline]


class AlignmentInline(admin.TabularInline):
    model = Alignment
    extra = 0


class ResultDescriptionInline(admin.TabularInline):
    model = ResultDescription
    fields = ["name", "result_type", "allowed_values", "required_value", "value_min", "value_max", "position"]
    extra = 0
    show_change_link = True


@admin.register(AchievementVersion)
class AchievementVersionAdmin(admin.ModelAdmin):
    list_display = ["achievement", "number", "name", "achievement_type"]
    list_filter = ["achievement_type", "achievement__institution"]
    search_fields = ["name", "achievement__human_code"]
    raw_id_fields = ["achievement", "created_by"]
    inlines = [AlignmentInline, ResultDescriptionInline]


class RubricLevelInline(admin.TabularInline):
    model = RubricLevel
    extra = 0


@admin.register(ResultDescription)
class ResultDescriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "result_type", "version"]
    raw_id_fields = ["version", "required_level"]
    inlines = [RubricLevelInline]


@admin.register(Association)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["source", "association_type", "target", "institution"]
    list_filter = ["association_type", "institution"]
    raw_id_fields = ["source", "target"]


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ["student_id", "given_name", "family_name", "email", "institution"]
    list_filter = ["institution"]
    search_fields = ["student_id", "sourced_id", "given_name", "family_name", "email"]
    raw_id_fields = ["user"]


class AwardResultInline(admin.TabularInline):
    model = AwardResult
    raw_id_fields = ["result_description", "achieved_level"]
    extra = 0


class EvidenceInline(admin.StackedInline):
    model = Evidence
    extra = 0
    # Private files have no storage URL (the file widget would ask for one): link the capability URL.
    exclude = ["file"]
    readonly_fields = ["file_link"]

    @admin.display(description="file")
    def file_link(self, evidence):
        if not evidence.file:
            return "-"
        return format_html('<a href="{}">{}</a>', evidence.file_url, evidence.file_name)


class AwardChangeInline(admin.TabularInline):
    model = AwardChange
    fields = ["at", "action", "actor", "source", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["achievement", "learner", "term", "awarded_date", "source", "withdrawn_at"]
    list_filter = ["institution", "source", "term"]
    search_fields = ["learner__student_id", "learner__family_name", "achievement__human_code"]
    raw_id_fields = ["learner", "achievement", "achievement_version", "withdrawn_by"]
    inlines = [AwardResultInline, EvidenceInline, AwardChangeInline]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "institution",
        "status",
        "rows",
        "created",
        "updated",
        "problem_count",
        "created_at",
    ]
    list_filter = ["institution", "status", "file_format"]
    # The SIS file and the list of its changes are private: shown by name (registrars download them from
    # the import's page).
    exclude = ["file", "changes_file"]
    readonly_fields = ["file_name", "problems", "preview_rows"]

    @admin.display(description="file")
    def file_name(self, run):
        return run.file.name or "-"
