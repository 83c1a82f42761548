from django import forms
from django.forms import inlineformset_factory

from .models import Institution, InstitutionIdentifier

MAX_LOGO_BYTES = 1024 * 1024


class InstitutionProfileForm(forms.ModelForm):
    """What an institution's own admins edit. Not the parent organisation: only operators set that
    (`manage.py institution_parent`), as it is embedded in every credential the institution issues."""

    url = forms.URLField(label="Website", required=False, assume_scheme="https")

    class Meta:
        model = Institution
        fields = [
            "name", "url", "email", "phone", "description", "logo",
            "street_address", "locality", "region", "postal_code", "country",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if Institution.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                "Another institution is already called %(name)s: choose a name that tells them apart.",
                params={"name": name},
            )
        return name

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > MAX_LOGO_BYTES:
            raise forms.ValidationError("The logo must be at most 1 MB.")
        return logo


IdentifierFormSet = inlineformset_factory(
    Institution,
    InstitutionIdentifier,
    fields=["identifier_type", "identifier"],
    extra=1,
    can_delete=True,
)


class KeyCompromiseForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the audit history."
    )
