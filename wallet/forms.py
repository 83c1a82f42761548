from datetime import datetime, time

from django import forms
from django.core import signing
from django.utils import timezone

from .verification import upload_max_bytes, upload_max_text, upload_too_large_message


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

    include_name = forms.BooleanField(
        label="Include my name",
        required=False,
        initial=True,
        help_text=(
            "The share page and the signed record offered for download name you. When unticked, they "
            "identify you only by a hashed e-mail address, which someone who knows your address can check."
        ),
    )

    allow_pdf = forms.BooleanField(
        label="Let viewers download a PDF copy",
        required=False,
        initial=True,
        help_text=(
            "The share page offers the signed record as a PDF to read and print, with the signed record "
            "attached inside it so it can still be verified. It names you only if “Include my name” is "
            "ticked."
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
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.jsonld,.jwt,.txt,.png,.svg"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "An Open Badge or a Comprehensive Learner Record: the credential file (.json), the signed "
            "token (.jwt or .txt), or a badge image with the credential inside (.png, .svg). "
            f"At most {upload_max_text()}."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > upload_max_bytes():
            raise forms.ValidationError(upload_too_large_message(upload.size))
        return upload


class ShareRecipientCheckForm(forms.Form):
    """The e-mail check of a share page, carrying a signed token of the page it came from.

    The share page sends no Referer (the token is in its address), so browsers post its forms with
    `Origin: null`, which Django's CSRF check refuses; the signed token, bound to the share and valid
    for an hour, protects the form instead: another site cannot post it without reading the page.
    """

    SALT = "wallet.share-recipient-check"
    MAX_AGE_SECONDS = 3600

    recipient_email = forms.EmailField(label="Check the recipient's e-mail", required=False, max_length=254)
    EXPIRED = "This form has expired: reload the page and try again."
    check = forms.CharField(widget=forms.HiddenInput, error_messages={"required": EXPIRED})

    def __init__(self, *args, share, **kwargs):
        super().__init__(*args, **kwargs)
        self.share = share
        self.fields["check"].initial = signing.dumps(str(share.pk), salt=self.SALT)

    def clean_check(self):
        try:
            valid = signing.loads(self.cleaned_data["check"], salt=self.SALT, max_age=self.MAX_AGE_SECONDS)
        except signing.BadSignature:
            valid = None
        if valid != str(self.share.pk):
            raise forms.ValidationError(self.EXPIRED)
        return self.cleaned_data["check"]
