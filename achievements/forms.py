import re

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator

from institutions.models import IDENTIFIER_TYPE_PATTERN
from vc.documents import ALIGNMENT_TARGET_TYPES, RESULT_TYPES

from .imports.limits import file_size
from .models import (
    ASSOCIATION_TYPE_CHOICES,
    RESULT_STATUS_CHOICES,
    Achievement,
    AchievementVersion,
    Learner,
)

MAX_IMAGE_BYTES = 1024 * 1024
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# What a credits field (DecimalField(max_digits=6, decimal_places=2), as the columns) says of a number
# it cannot hold: 9999.999, 1E-999999, 10^30.
CREDITS_MESSAGE = "Credits are a number from 0 to 9999.99, with at most 2 decimal places."
CREDITS_ERRORS = {
    "max_digits": CREDITS_MESSAGE,
    "max_decimal_places": CREDITS_MESSAGE,
    "max_whole_digits": CREDITS_MESSAGE,
}


class AchievementForm(forms.ModelForm):
    """The catalog entry and the content of its (next) version."""

    human_code = forms.CharField(
        max_length=60, help_text="The code used in SIS exports, e.g. CS 101. Unique in the catalog."
    )
    criteria_url = forms.URLField(label="Criteria URL", required=False, assume_scheme="https")
    tags_text = forms.CharField(
        label="Tags", required=False, help_text="Separated by commas, e.g. programming, first-year."
    )
    identifiers_text = forms.CharField(
        label="Other identifiers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line as type: value, e.g. sisSourcedId: crs-1001 or ext:CIP: 11.0701.",
    )
    retired = forms.BooleanField(required=False, help_text="No longer offered; past awards stay valid.")
    new_version = forms.BooleanField(
        label="Save as a new version",
        required=False,
        help_text="Awarded versions are never changed: edits to them always make a new version.",
    )

    class Meta:
        model = AchievementVersion
        fields = [
            "achievement_type", "name", "description", "criteria_narrative", "criteria_url", "image",
            "image_caption", "credits_available", "field_of_study", "specialization", "level", "in_language",
            "version",
        ]  # fmt: skip
        error_messages = {"credits_available": CREDITS_ERRORS}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "criteria_narrative": forms.Textarea(attrs={"rows": 3}),
        }

    field_order = ["human_code", "achievement_type", "name", "description"]

    def __init__(self, *args, institution, achievement: Achievement | None = None, **kwargs):
        self.institution = institution
        self.achievement = achievement
        super().__init__(*args, **kwargs)
        if achievement is not None:
            self.fields["human_code"].initial = achievement.human_code
            self.fields["retired"].initial = achievement.retired
        else:
            del self.fields["new_version"]
            del self.fields["retired"]
        if self.instance.pk:
            self.fields["tags_text"].initial = ", ".join(self.instance.tags or [])
            self.fields["identifiers_text"].initial = "\n".join(
                f"{entry['identifier_type']}: {entry['identifier']}"
                for entry in self.instance.other_identifiers
            )

    def clean_human_code(self):
        code = " ".join(self.cleaned_data["human_code"].split())
        taken = Achievement.objects.filter(institution=self.institution, human_code__iexact=code)
        if self.achievement is not None:
            taken = taken.exclude(pk=self.achievement.pk)
        if taken.exists():
            raise forms.ValidationError(f"The catalog already has an achievement with the code {code}.")
        return code

    def clean_credits_available(self):
        credits = self.cleaned_data.get("credits_available")
        if credits is not None and credits < 0:
            raise forms.ValidationError("Credits cannot be negative.")
        return credits

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "size") and image.size > MAX_IMAGE_BYTES:
            raise forms.ValidationError("The image must be at most 1 MB.")
        return image

    def clean_tags_text(self):
        return [tag.strip() for tag in self.cleaned_data["tags_text"].split(",") if tag.strip()]

    def clean_identifiers_text(self):
        entries = []
        for number, line in enumerate(self.cleaned_data["identifiers_text"].splitlines(), start=1):
            if not line.strip():
                continue
            kind, separator, value = line.rpartition(": ")
            if not separator:
                kind, separator, value = line.partition(":")
            kind, value = kind.strip(), value.strip()
            if not separator or not value or not re.match(IDENTIFIER_TYPE_PATTERN, kind):
                raise forms.ValidationError(
                    f"Line {number}: write type: value with an OB 3.0 identifier type, e.g. sisSourcedId: 10."
                )
            entries.append({"identifier_type": kind, "identifier": value})
        return entries

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("criteria_narrative") and not cleaned.get("criteria_url"):
            self.add_error(
                "criteria_narrative", "Describe the criteria, or give the URL of a page that does."
            )
        return cleaned

    def version_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if not fields["image"]:  # None (no image) or False (cleared)
            fields["image"] = ""
        fields["tags"] = self.cleaned_data["tags_text"]
        fields["other_identifiers"] = self.cleaned_data["identifiers_text"]
        return fields

    def _post_clean(self):
        # The model is validated by the service, on the version it actually writes.
        pass


_EXT = r"|ext:[A-Za-z0-9._-]+"


class AlignmentForm(forms.Form):
    target_name = forms.CharField(max_length=200)
    target_url = forms.URLField(max_length=500, assume_scheme="https")
    target_framework = forms.CharField(max_length=200, required=False)
    target_code = forms.CharField(max_length=100, required=False)
    target_type = forms.CharField(
        max_length=60,
        required=False,
        validators=[
            RegexValidator(
                r"^(" + "|".join(re.escape(t) for t in ALIGNMENT_TARGET_TYPES) + _EXT + r")$",
                "Use CFItem (CASE), CTDL, ceasn:Competency, … or an extension such as ext:ONET.",
            )
        ],
        widget=forms.TextInput(attrs={"list": "alignment-types"}),
    )
    target_description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 1}))


class ResultDescriptionForm(forms.Form):
    name = forms.CharField(max_length=200)
    result_type = forms.CharField(
        max_length=60,
        initial="LetterGrade",
        validators=[
            RegexValidator(
                r"^(" + "|".join(re.escape(t) for t in RESULT_TYPES) + _EXT + r")$",
                "Use an OB 3.0 result type such as LetterGrade, Percent, GradePointAverage, "
                "RubricCriterionLevel or Status.",
            )
        ],
        widget=forms.TextInput(attrs={"list": "result-types"}),
    )
    allowed_values = forms.CharField(
        required=False, help_text="A grade scale, best first, separated by commas: A, A-, B+, …"
    )
    required_value = forms.CharField(max_length=60, required=False, help_text="The lowest passing value.")
    value_min = forms.CharField(max_length=30, required=False)
    value_max = forms.CharField(max_length=30, required=False)
    levels = forms.CharField(
        label="Rubric levels",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a rubric: one level per line as name | points | description.",
    )
    required_level = forms.CharField(max_length=100, required=False, help_text="The rubric level needed.")

    def clean_allowed_values(self):
        return [v.strip() for v in self.cleaned_data["allowed_values"].split(",") if v.strip()]

    def clean_levels(self):
        levels = []
        for line in self.cleaned_data["levels"].splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            name, points, description = [*parts, "", ""][:3]
            if not name:
                raise forms.ValidationError("Each rubric level needs a name before the first |.")
            levels.append({"name": name[:100], "points": points[:30], "description": description})
        return levels

    def clean(self):
        cleaned = super().clean()
        for name in ("value_min", "value_max"):
            value = cleaned.get(name)
            if value:
                try:
                    float(value)
                except ValueError:
                    self.add_error(name, "Enter a number.")
        allowed, required = cleaned.get("allowed_values") or [], cleaned.get("required_value")
        if allowed and required and required not in allowed:
            self.add_error("required_value", f"{required!r} is not one of the allowed values.")
        levels = cleaned.get("levels") or []
        if cleaned.get("required_level") and cleaned["required_level"] not in [lvl["name"] for lvl in levels]:
            self.add_error("required_level", "Name one of the rubric levels above.")
        if cleaned.get("result_type") == "RubricCriterionLevel" and not levels:
            self.add_error("levels", "A rubric needs at least one level.")
        return cleaned


class _BaseFormSet(forms.BaseFormSet):
    def data_list(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.has_changed()
        ]


AlignmentFormSet = forms.formset_factory(AlignmentForm, formset=_BaseFormSet, extra=1, can_delete=True)
ResultDescriptionFormSet = forms.formset_factory(
    ResultDescriptionForm, formset=_BaseFormSet, extra=1, can_delete=True
)


def alignment_initial(version) -> list[dict]:
    return [
        {
            "target_name": a.target_name,
            "target_url": a.target_url,
            "target_framework": a.target_framework,
            "target_code": a.target_code,
            "target_type": a.target_type,
            "target_description": a.target_description,
        }
        for a in version.alignments.all()
    ]


def result_description_initial(version) -> list[dict]:
    return [
        {
            "name": d.name,
            "result_type": d.result_type,
            "allowed_values": ", ".join(d.allowed_values or []),
            "required_value": d.required_value,
            "value_min": d.value_min,
            "value_max": d.value_max,
            "levels": "\n".join(
                " | ".join([lvl.name, lvl.points, lvl.description]).rstrip(" |") for lvl in d.levels.all()
            ),
            "required_level": d.required_level.name if d.required_level_id else "",
        }
        for d in version.result_descriptions.all()
    ]


def result_description_data(cleaned: dict) -> dict:
    """A formset row as the service takes it."""
    return {
        "name": cleaned["name"],
        "result_type": cleaned["result_type"],
        "allowed_values": cleaned["allowed_values"],
        "required_value": cleaned["required_value"],
        "value_min": cleaned["value_min"],
        "value_max": cleaned["value_max"],
        "levels": cleaned["levels"],
        "required_level": cleaned["required_level"],
    }


def alignment_data(cleaned: dict) -> dict:
    return {key: cleaned[key] for key in AlignmentForm.base_fields}


class AssociationForm(forms.Form):
    association_type = forms.ChoiceField(choices=ASSOCIATION_TYPE_CHOICES, label="This achievement")
    target = forms.ModelChoiceField(queryset=Achievement.objects.none(), label="Related achievement")

    def __init__(self, *args, achievement: Achievement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            Achievement.objects.filter(institution_id=achievement.institution_id)
            .exclude(pk=achievement.pk)
            .select_related("current_version")
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        help_text="The award CSV (see the format below) or a OneRoster 1.2 CSV bundle (.zip).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.PORTAL_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {file_size(settings.PORTAL_IMPORT_MAX_BYTES)}: split it into "
                "several files."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


class AwardForm(forms.Form):
    """A registrar records one award by hand (the SIS import does it in bulk)."""

    achievement = forms.ModelChoiceField(queryset=Achievement.objects.none())
    term = forms.CharField(max_length=60, required=False, help_text="e.g. Fall 2025")
    result = forms.CharField(max_length=60, required=False, help_text="On the achievement's scale, e.g. A-")
    result_status = forms.ChoiceField(
        choices=[("", "From the result"), *RESULT_STATUS_CHOICES], required=False, label="Status"
    )
    credits_earned = forms.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, required=False, error_messages=CREDITS_ERRORS
    )
    activity_start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    activity_end_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    awarded_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    evidence_narrative = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence_url = forms.URLField(required=False, assume_scheme="https", max_length=500)
    evidence_file = forms.FileField(required=False, help_text="At most 5 MB.")

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["achievement"].queryset = Achievement.objects.filter(
            institution=institution, retired=False
        ).select_related("current_version")

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if upload and upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError("The evidence file must be at most 5 MB.")
        return upload

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("activity_start_date"), cleaned.get("activity_end_date")
        if start and end and start > end:
            self.add_error("activity_end_date", "The activity ends before it starts.")
        achievement = cleaned.get("achievement")
        credits = cleaned.get("credits_earned")
        available = achievement.current_version.credits_available if achievement else None
        if credits is not None and available is not None and credits > available:
            self.add_error("credits_earned", f"{achievement.human_code} offers {available} credits.")
        return cleaned

    def evidence(self) -> list[dict]:
        data = self.cleaned_data
        if not (data["evidence_narrative"] or data["evidence_url"] or data["evidence_file"]):
            return []
        item = {"narrative": data["evidence_narrative"], "url": data["evidence_url"]}
        if data["evidence_file"]:
            item["file"] = data["evidence_file"]
            item["name"] = data["evidence_file"].name[:200]
        return [item]


class LearnerForm(forms.ModelForm):
    class Meta:
        model = Learner
        fields = ["given_name", "family_name", "email", "sourced_id", "did"]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the award's history."
    )
