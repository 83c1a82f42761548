from django import forms
from django.forms import inlineformset_factory

from .models import STAFF_ROLES, Institution, InstitutionIdentifier, Role

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


class StaffInvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=[(role.value, role.label) for role in STAFF_ROLES], initial=Role.ADVISOR)

    def __init__(self, *args, institution=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution

    def clean(self):
        cleaned = super().clean()
        email, role = cleaned.get("email"), cleaned.get("role")
        if email and role and self.institution is not None:
            held = self.institution.memberships.filter(user__email__iexact=email, role=role)
            if held.exists():
                raise forms.ValidationError(
                    "%(email)s is already a %(role)s here.", params={"email": email, "role": Role(role).label}
                )
        return cleaned


class InvitationRevokeForm(forms.Form):
    invitation = forms.ModelChoiceField(
        queryset=None, error_messages={"invalid_choice": "No such open invitation."}
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitation"].queryset = institution.invitations.open()


class MemberRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one role; to take every role away, remove the member."},
    )


class AuditFilterForm(forms.Form):
    who = forms.CharField(label="Who (e-mail contains)", required=False, max_length=254)
    action = forms.ChoiceField(label="What", required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *[(action, action) for action in actions]]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> dict:
        """The keyword arguments of selectors.audit_entries (call after is_valid())."""
        data = self.cleaned_data
        return {
            "actor_email": data["who"].strip(),
            "action": data["action"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
