"""The /verify/ form: pasted JSON or VC-JWT, or an uploaded file (a PDF: its attached credential), read
into one credential (`cleaned_data["submission"]`, with where it came from).

A refusal's message is for a person; its exact reasons (a parser's words) are in `error_details`.
"""

from django import forms

from .verification import (
    Submission,
    SubmissionError,
    credential_from_text,
    submission_from_file,
    upload_max_bytes,
    upload_max_text,
    upload_too_large,
)


class VerifyForm(forms.Form):
    credential_text = forms.CharField(
        label="Paste a credential (JSON or a signed token)",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
    )
    credential_file = forms.FileField(label="Or upload a file", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_details: list[str] = []
        self.fields["credential_file"].help_text = (
            "A credential's JSON file or signed token (JWT), a badge image (PNG or SVG) with the "
            "credential inside, or a PDF transcript companion (the credential attached to it is verified), "
            f"up to {upload_max_text()}."
        )

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("credential_text") or ""
        upload = cleaned.get("credential_file")
        if self.errors:
            return cleaned
        if text.strip() and upload:
            raise forms.ValidationError("Paste a credential or upload a file, not both.")
        try:
            if upload:
                if upload.size is not None and upload.size > upload_max_bytes():
                    raise upload_too_large(upload.size)
                submission = submission_from_file(
                    data=upload.read(upload_max_bytes() + 1), filename=upload.name or ""
                )
            else:
                submission = Submission(credential_from_text(text))
            cleaned["submission"] = submission
            cleaned["credential"] = submission.credential
        except SubmissionError as exc:
            self.add_error("credential_file" if upload else "credential_text", exc.message)
            self.error_details = [str(value) for key, value in exc.extra.items() if key.endswith("_error")]
        return cleaned


class RecipientEmailForm(forms.Form):
    """The e-mail address to compare with a credential's hashed recipient (only "matches" is answered)."""

    recipient_email = forms.EmailField(label="Check the recipient's e-mail", required=False, max_length=254)
