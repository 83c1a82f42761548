"""The /verify/ form: pasted JSON or VC-JWT, or an uploaded file, read into one credential."""

from django import forms

from .verification import MAX_FILE_BYTES, SubmissionError, credential_from_file, credential_from_text


class VerifyForm(forms.Form):
    credential_text = forms.CharField(
        label="Paste a credential (JSON) or a VC-JWT",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
    )
    credential_file = forms.FileField(
        label="Or upload a file",
        required=False,
        help_text=(
            f"A credential's JSON or VC-JWT file, or a baked PNG or SVG badge, up to "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB. PDF companions are not supported yet."
        ),
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
                if upload.size is not None and upload.size > MAX_FILE_BYTES:
                    raise SubmissionError(
                        f"The file is {upload.size:,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes "
                        f"({MAX_FILE_BYTES // (1024 * 1024)} MB); it was not examined."
                    )
                cleaned["credential"] = credential_from_file(
                    data=upload.read(MAX_FILE_BYTES + 1), filename=upload.name or ""
                )
            else:
                cleaned["credential"] = credential_from_text(text)
        except SubmissionError as exc:
            self.add_error("credential_file" if upload else "credential_text", exc.message)
        return cleaned
