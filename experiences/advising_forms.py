"""The forms of the advisors' and admins' pages: they parse and check input; services decide."""

from decimal import Decimal

from django import forms
from django.db import transaction

from achievements.models import Achievement, Learner
from institutions.models import Institution, Role, User
from institutions.services import audit_record

from .models import (
    AdvisorPreference,
    Category,
    CompetencyLevel,
    CompetencyRating,
    Experience,
    ExperiencePolicy,
    Visibility,
)

HOURS_MESSAGE = "Hours are a number from 0 to 99999.99, with at most 2 decimal places."
HOURS_ERRORS = {
    "max_digits": HOURS_MESSAGE,
    "max_decimal_places": HOURS_MESSAGE,
    "max_whole_digits": HOURS_MESSAGE,
}
# Rows of "add another competency" on the verify form.
EXTRA_RATINGS = 3


def competencies_of(institution: Institution):
    """The institution's Competency achievements in its catalog (what an advisor may rate)."""
    return (
        Achievement.objects.filter(
            institution=institution,
            personal=False,
            retired=False,
            current_version__achievement_type="Competency",
        )
        .select_related("current_version")
        .order_by("current_version__name", "pk")
    )


def advisors_of(institution: Institution):
    return User.objects.filter(memberships__institution=institution, memberships__role=Role.ADVISOR).order_by(
        "last_name", "first_name", "email"
    )


class CompetencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.current_version.name if obj.current_version_id else obj.human_code


class AnnotationForm(forms.Form):
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    visibility = forms.ChoiceField(
        label="Who sees it",
        choices=[
            (Visibility.INTERNAL, "Internal to advisors"),
            (Visibility.SHARED, "Shared with the student"),
        ],
        initial=Visibility.INTERNAL,
        widget=forms.RadioSelect,
    )


class VerifyForm(forms.Form):
    """Confirm (or adjust) the hours and rate competencies: the student's claims, and others to add."""

    hours = forms.DecimalField(
        label="Confirmed hours",
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        error_messages=HOURS_ERRORS,
        help_text="What the credential states. Blank: no hours in the credential.",
    )
    comment = forms.CharField(
        label="Comment for the student (optional)",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shared with the student, and the credential's narrative.",
    )

    def __init__(self, *args, experience: Experience, **kwargs):
        super().__init__(*args, **kwargs)
        self.experience = experience
        institution = experience.institution
        levels = CompetencyLevel.objects.filter(institution=institution)
        everything = competencies_of(institution)
        self.claimed = list(experience.competencies.select_related("current_version").order_by("pk"))
        attested = self._attested_levels(levels)
        rated = {rating.competency_id: rating.level_id for rating in experience.ratings.all()}
        if not self.is_bound:
            self.fields["hours"].initial = experience.confirmed_hours or experience.hours
        self.claimed_fields = []
        for competency in self.claimed:
            name = f"level_{competency.pk}"
            self.fields[name] = forms.ModelChoiceField(
                label=competency.current_version.name
                if competency.current_version_id
                else competency.human_code,
                queryset=levels,
                required=False,
                empty_label="— not confirmed —",
                initial=rated.get(competency.pk) or attested.get(competency.pk),
            )
            self.claimed_fields.append(name)
        claimed_ids = {c.pk for c in self.claimed}
        self.extra_fields = []
        for i in range(EXTRA_RATINGS):
            self.fields[f"extra_competency_{i}"] = CompetencyChoiceField(
                label="Competency",
                queryset=everything.exclude(pk__in=claimed_ids),
                required=False,
                empty_label="— choose —",
            )
            self.fields[f"extra_level_{i}"] = forms.ModelChoiceField(
                label="Level", queryset=levels, required=False, empty_label="— choose —"
            )
            self.extra_fields.append((f"extra_competency_{i}", f"extra_level_{i}"))

    def _attested_levels(self, levels) -> dict[int, int]:
        """The levels the supervisor confirmed, by competency (a starting point for the advisor)."""
        by_name = {level.name: level.pk for level in levels}
        found: dict[int, int] = {}
        for request in self.experience.supervisor_requests.filter(attested_at__isnull=False):
            for item in request.attested_competencies:
                if item.get("level") in by_name:
                    found.setdefault(item.get("competency"), by_name[item["level"]])
        return found

    def claimed_rows(self):
        return [self[name] for name in self.claimed_fields]

    def extra_rows(self):
        return [(self[competency], self[level]) for competency, level in self.extra_fields]

    def clean(self):
        cleaned = super().clean()
        ratings = []
        for competency, name in zip(self.claimed, self.claimed_fields, strict=True):
            if cleaned.get(name):
                ratings.append((competency, cleaned[name]))
        for competency_field, level_field in self.extra_fields:
            competency, level = cleaned.get(competency_field), cleaned.get(level_field)
            if competency and not level:
                self.add_error(level_field, "Choose the level shown.")
            elif level and not competency:
                self.add_error(competency_field, "Choose the competency rated.")
            elif competency and level:
                ratings.append((competency, level))
        if len({competency.pk for competency, _ in ratings}) != len(ratings):
            raise forms.ValidationError("Rate each competency once.")
        cleaned["ratings"] = ratings
        return cleaned

    @property
    def hours_value(self) -> Decimal | None:
        return self.cleaned_data.get("hours")


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label="What should the student change?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        error_messages={"required": "Tell the student what to change."},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why is it declined?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        help_text="The student sees the reason.",
        error_messages={"required": "Say why it is declined: the student sees the reason."},
    )


class SupervisorAskForm(forms.Form):
    email = forms.EmailField(label="Supervisor's e-mail")
    name = forms.CharField(label="Supervisor's name", required=False, max_length=200)


class UnverifyForm(forms.Form):
    reason = forms.CharField(
        label="Why is the verification undone?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        help_text="The student sees the reason.",
        error_messages={"required": "Say why the verification is undone: the student sees the reason."},
    )
    confirm = forms.BooleanField(
        label="Undo it: the award is withdrawn, its credential revoked, and the student told by e-mail",
        error_messages={"required": "Nothing was undone: tick the box to confirm what un-verifying does."},
    )


class PreferenceForm(forms.Form):
    notify = forms.ChoiceField(
        label="Tell me of submissions by",
        choices=AdvisorPreference.Notify.choices,
        widget=forms.RadioSelect,
    )

    @transaction.atomic
    def save(self, *, user, institution: Institution) -> AdvisorPreference:
        preference, _ = AdvisorPreference.objects.update_or_create(
            user=user, institution=institution, defaults={"notify": self.cleaned_data["notify"]}
        )
        return preference


class AssignForm(forms.Form):
    advisor = forms.ModelChoiceField(label="Advisor", queryset=User.objects.none(), empty_label="— choose —")
    student_id = forms.CharField(label="Student id", max_length=64)

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution
        self.fields["advisor"].queryset = advisors_of(institution)
        self.fields["advisor"].label_from_instance = lambda user: f"{user} <{user.email}>"

    def clean_student_id(self):
        student_id = self.cleaned_data["student_id"].strip()
        learner = Learner.objects.filter(institution=self.institution, student_id=student_id).first()
        if learner is None:
            raise forms.ValidationError(
                f"No learner of {self.institution.name} has the student id {student_id}."
            )
        self.cleaned_data["learner"] = learner
        return student_id


class AssignmentsUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="Columns advisor_email,student_id, with that header line."
    )


class PolicyForm(forms.ModelForm):
    supervisor_required = forms.MultipleChoiceField(
        label="Categories that need a supervisor's attestation",
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ExperiencePolicy
        fields = ["deadline", "reminder_days", "supervisor_required", "reply_to"]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"})}

    def clean_reminder_days(self):
        days = self.cleaned_data["reminder_days"]
        if days > 365:
            raise forms.ValidationError("Reminders go out at most 365 days before the deadline.")
        return days

    @transaction.atomic
    def save_by(self, *, actor) -> ExperiencePolicy:
        changed = list(self.changed_data)
        policy = self.save()
        if changed:
            audit_record(
                actor=actor, action="experience_policy.changed", institution=policy.institution,
                target="experience policy", fields=changed,
            )  # fmt: skip
        return policy


class LevelForm(forms.ModelForm):
    class Meta:
        model = CompetencyLevel
        fields = ["name", "description", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"position": "Order (lowest first = best)"}


class BaseLevelFormSet(forms.BaseModelFormSet):
    def __init__(self, *args, institution: Institution, **kwargs):
        self.institution = institution
        kwargs.setdefault("queryset", CompetencyLevel.objects.filter(institution=institution))
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        names = []
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            if self.can_delete and self._should_delete_form(form):
                if form.instance.pk and CompetencyRating.objects.filter(level=form.instance).exists():
                    raise forms.ValidationError(
                        f"“{form.instance.name}” rates verified experiences: it cannot be deleted. "
                        "Rename it or describe it instead."
                    )
                continue
            name = (form.cleaned_data.get("name") or "").strip()
            if name:
                names.append(name.casefold())
        if len(names) != len(set(names)):
            raise forms.ValidationError("Two levels have the same name: each level needs its own.")

    @transaction.atomic
    def save_by(self, *, actor) -> None:
        for form in self.forms:
            if form.instance.pk is None:
                form.instance.institution = self.institution
        self.save()
        audit_record(
            actor=actor, action="competency_levels.changed", institution=self.institution,
            target="competency rubric",
        )  # fmt: skip


LevelFormSet = forms.modelformset_factory(
    CompetencyLevel, form=LevelForm, formset=BaseLevelFormSet, extra=1, can_delete=True
)
