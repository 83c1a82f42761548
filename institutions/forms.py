from django import forms
from django.forms import inlineformset_factory

from .models import Institution, InstitutionIdentifier

MAX_LOGO_BYTES = 1024 * 1024


class InstitutionProfileForm(forms.ModelForm):
    url = forms.URLField(label="Website", required=False, assume_scheme="https")

    class Meta:
        model = Institution
        fields = [
            "name", "url", "email", "phone", "description", "logo",
            "street_address", "locality", "region", "postal_code", "country", "parent",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An institution cannot be its own parent.
        self.fields["parent"].queryset = Institution.objects.exclude(pk=self.instance.pk)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > MAX_LOGO_BYTES:
            raise forms.ValidationError("The logo must be at most 1 MB.")
        return logo

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        ancestor = parent
        while ancestor is not None:
            if ancestor.pk == self.instance.pk:
                raise forms.ValidationError("That would make the institution its own ancestor.")
            ancestor = ancestor.parent
        return parent


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
