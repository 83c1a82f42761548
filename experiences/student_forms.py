"""The student's forms: an experience, a line of the hours log, a piece of evidence, a supervisor to ask.

An uploaded file is judged by what it is, not by what the browser says it is: its leading bytes must be
those of a type the portal accepts (`PORTAL_EXPERIENCE_EVIDENCE_TYPES`), and the same type the browser
claimed, so an HTML page named `cv.pdf` is refused.
"""

import codecs
import mimetypes

from django import forms
from django.conf import settings

from achievements.imports.limits import file_size
from achievements.models import Achievement, Learner
from clrportal.links import link_url

from .models import Category, Experience, ExperienceEvidence, HoursEntry, SupervisorRequest
from .services import EDITABLE_FIELDS

# What each accepted type's files begin with; text/plain has no signature (checked by decoding it).
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/png": "PNG image",
    "image/jpeg": "JPEG image",
    "text/plain": "plain-text file",
}
UNDECLARED = ("", "application/octet-stream")


def competencies_of(learners) -> "forms.QuerySet[Achievement]":
    """The competencies a student may name: their institutions' current Competency achievements."""
    return (
        Achievement.objects.filter(
            institution__in={learner.institution_id for learner in learners},
            current_version__achievement_type="Competency",
            retired=False,
        )
        .select_related("current_version", "institution")
        .order_by("institution__name", "current_version__name", "pk")
    )


class ExperienceForm(forms.ModelForm):
    """What the student writes; `learner` (where it is recorded) only when they are known at several."""

    learner = forms.ModelChoiceField(
        queryset=Learner.objects.none(),
        label="Institution",
        help_text="Where to record it: the institution whose advisors will review it.",
    )
    competencies = forms.ModelMultipleChoiceField(
        queryset=Achievement.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Competencies it shows",
        help_text="The competencies you believe it shows; your advisor confirms them.",
    )

    class Meta:
        model = Experience
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 6}),
            "reflection": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"organisation": "Organisation", "hours": "Hours"}
        help_texts = {
            "start_date": "Give the term or the dates.",
            "hours": "In total; or leave it blank and log your hours by date once it is saved.",
        }

    def __init__(self, *args, learners, experience: Experience | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.learners = list(learners)
        institutions = {learner.institution_id for learner in self.learners}
        if experience is not None:
            institutions = {experience.institution_id}
        if experience is not None or len(self.learners) == 1:
            del self.fields["learner"]
        else:
            self.fields["learner"].queryset = Learner.objects.filter(
                pk__in=[learner.pk for learner in self.learners]
            ).select_related("institution")
            self.fields["learner"].label_from_instance = lambda learner: learner.institution.name
        self.fields["competencies"].queryset = competencies_of(
            [learner for learner in self.learners if learner.institution_id in institutions]
        )
        several = len(institutions) > 1
        self.fields["competencies"].label_from_instance = lambda achievement: (
            f"{achievement.current_version.name} ({achievement.institution.name})"
            if several
            else achievement.current_version.name
        )
        self.fields["description"].required = True
        self.fields["category"].choices = [("", "Choose a category"), *Category.choices]

    @property
    def learner_chosen(self) -> Learner:
        if "learner" in self.fields:
            return self.cleaned_data["learner"]
        return self.learners[0]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("term") and not cleaned.get("start_date") and not self.has_error("start_date"):
            self.add_error("term", "Give the term, or the dates it started (and ended).")
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if end and not start and not self.has_error("start_date"):
            self.add_error("start_date", "Give the start date too.")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        learner = cleaned.get("learner") if "learner" in self.fields else self.learners[0]
        for competency in cleaned.get("competencies") or ():
            if learner is not None and competency.institution_id != learner.institution_id:
                self.add_error(
                    "competencies",
                    f"{competency.current_version.name} is a competency of {competency.institution.name}, "
                    f"not of {learner.institution.name}.",
                )
        return cleaned

    def fields_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.cleaned_data}


class HoursEntryForm(forms.ModelForm):
    class Meta:
        model = HoursEntry
        fields = ["date", "hours", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
        labels = {"note": "What you did (optional)"}


class SupervisorForm(forms.ModelForm):
    class Meta:
        model = SupervisorRequest
        fields = ["email", "name"]
        labels = {"email": "Your supervisor's e-mail address", "name": "Their name (optional)"}
        help_texts = {"name": ""}


def _sniffed(upload) -> str:
    """The accepted type the file's bytes show it to be, or ""."""
    upload.seek(0)
    head = upload.read(16)
    for content_type, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return content_type
    upload.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return ""
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return ""
    return "text/plain"


def evidence_content_type(upload) -> str:
    """The file's content type when the portal accepts it; forms.ValidationError saying why not."""
    allowed = settings.PORTAL_EXPERIENCE_EVIDENCE_TYPES
    accepted = ", ".join(TYPE_NAMES.get(t, t) for t in allowed)
    if upload.size > settings.PORTAL_EXPERIENCE_EVIDENCE_MAX_BYTES:
        raise forms.ValidationError(
            f"The file is larger than {file_size(settings.PORTAL_EXPERIENCE_EVIDENCE_MAX_BYTES)}: "
            "make it smaller, or link to it instead."
        )
    if upload.size == 0:
        raise forms.ValidationError("The file is empty.")
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared in UNDECLARED:
        declared = (mimetypes.guess_type(upload.name or "")[0] or "").lower()
    actual = _sniffed(upload)
    upload.seek(0)
    if not actual or actual not in allowed or declared not in allowed:
        raise forms.ValidationError(f"Only these files can be uploaded: {accepted}.")
    if actual != declared:
        raise forms.ValidationError(
            f"This file is not the {TYPE_NAMES.get(declared, declared)} it says it is: its contents are "
            f"not those of one. Only these files can be uploaded: {accepted}."
        )
    return actual


class EvidenceForm(forms.Form):
    """A link to something that shows the experience, or a file of it: one of the two."""

    name = forms.CharField(
        max_length=ExperienceEvidence._meta.get_field("name").max_length,
        required=False,
        label="What it is (optional)",
        help_text="e.g. Poster presented at the research fair.",
    )
    url = forms.CharField(
        max_length=ExperienceEvidence._meta.get_field("url").max_length,
        required=False,
        label="A link",
        help_text="An address starting with https:// (or http://).",
    )
    file = forms.FileField(required=False, label="Or a file")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        accepted = ", ".join(TYPE_NAMES.get(t, t) for t in settings.PORTAL_EXPERIENCE_EVIDENCE_TYPES)
        self.fields[
            "file"
        ].help_text = f"{accepted}; at most {file_size(settings.PORTAL_EXPERIENCE_EVIDENCE_MAX_BYTES)}."
        self.fields["file"].widget.attrs["accept"] = ",".join(settings.PORTAL_EXPERIENCE_EVIDENCE_TYPES)

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if url and not link_url(url):
            raise forms.ValidationError("Give a web address starting with https:// or http://.")
        if url:
            forms.URLField(assume_scheme="https").clean(url)
        return url

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            self.content_type = evidence_content_type(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        url, upload = cleaned.get("url"), cleaned.get("file")
        if self.errors:
            return cleaned
        if url and upload:
            raise forms.ValidationError("Give a link or a file, not both: add each on its own.")
        if not url and not upload:
            raise forms.ValidationError("Give a link, or choose a file to upload.")
        return cleaned
