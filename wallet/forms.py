from datetime import datetime, time

from django import forms
from django.utils import timezone

from .services import MAX_IMPORT_BYTES


class DashboardFilterForm(forms.Form):
    """Renders the filters (the view reads them from the query string; unknown values match nothing)."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    type = forms.ChoiceField(label="Type", required=False)
    term = forms.ChoiceField(label="Term", required=False)
    skill = forms.ChoiceField(label="Skill or competency", required=False)

    def __init__(self, *args, facets: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "All types"), *facets["categories"]]
        self.fields["term"].choices = [("", "All terms")] + [(t, t) for t in facets["terms"]]
        self.fields["skill"].choices = [("", "All skills"), *facets["skills"]]


class ShareLinkForm(forms.Form):
    everything = forms.BooleanField(
        label="Share everything I can share (all signed records, as of now)", required=False
    )
    credentials = forms.MultipleChoiceField(
        label="Records to share", required=False, widget=forms.CheckboxSelectMultiple
    )
    label = forms.CharField(
        label="Label (only you see it)", required=False, max_length=200,
        help_text="e.g. “Application to Acme, March 2026”.",
    )  # fmt: skip
    expires_on = forms.DateField(
        label="Expires on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The link stops working at the end of this day (UTC). Leave empty for no expiry.",
    )
    show_grades = forms.BooleanField(
        label="Show grades and other results on the share page",
        required=False,
        initial=True,
        help_text=(
            "When unticked, the page leaves out grades. The signed credentials offered for download "
            "still contain them: a signed credential cannot be changed without breaking its signature."
        ),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credentials"].choices = choices

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day and day < timezone.localdate():
            raise forms.ValidationError("Choose a day from today on.")
        return day

    def clean(self):
        data = super().clean()
        if not data.get("everything") and not data.get("credentials"):
            raise forms.ValidationError("Tick at least one record, or choose to share everything.")
        return data

    @property
    def expires_at(self):
        day = self.cleaned_data.get("expires_on")
        if not day:
            return None
        return datetime.combine(day, time.max).replace(tzinfo=timezone.get_current_timezone())


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Credential file",
        help_text=(
            "An Open Badges 3.0 or CLR 2.0 credential (.json), a VC-JWT (.jwt or .txt), or a badge image "
            f"with the credential baked in (.png, .svg). At most {MAX_IMPORT_BYTES // 1024 // 1024} MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.jsonld,.jwt,.txt,.png,.svg"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; credentials to import are limited to "
                f"{MAX_IMPORT_BYTES // 1024 // 1024} MB."
            )
        return upload
