"""The admin's forms for API access: a token or an OAuth client, each for one role."""

from django import forms
from django.utils import timezone

from institutions.models import Role

from .tokens import API_ROLES

ROLE_CHOICES = [(role.value, role.label) for role in Role if role in API_ROLES]


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The system that will use it, e.g. SIS nightly sync.")
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        initial=Role.REGISTRAR,
        help_text="What it may do: a registrar's pages, or an administrator's (signing keys too).",
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the token stops working at the start of this day.",
    )

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError("Choose a day after today.")
        return day


class InstitutionClientForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The system that will use it, e.g. LMS grade sync.")
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Role.REGISTRAR)
