"""The outside supervisor's form: the hours they confirm, a level for each competency the student claims
(or "cannot say"), a comment, and who they are.

The page's address holds the link's token, so it is served with `Referrer-Policy: no-referrer`, and
browsers then post its form with `Origin: null`, which Django's CSRF check refuses. The view is therefore
exempt from that check and the form carries a signed token of the request it was shown for instead: the
link's own token is what authorises the answer (no account or session is involved), and the signed token
makes sure the answer comes from the page the portal served for this request and its current link.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core import signing

from achievements.models import Achievement

from .models import CompetencyLevel, SupervisorRequest

CANNOT_SAY = ""


class SupervisorAttestationForm(forms.Form):
    SALT = "experiences.supervisor-attestation"
    EXPIRED = "This form has expired: open the link from your e-mail again and fill it in."

    hours = forms.DecimalField(
        label="Hours you confirm",
        required=False,
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=2,
        help_text="The student's count is filled in: change it if yours differs, or leave it blank if you "
        "cannot say.",
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Anything the student's institution should know: what they did well, what they could "
        "work on. It is kept with the experience and, once it is verified, is part of the student's "
        "credential.",
    )
    signer_name = forms.CharField(
        label="Your name",
        max_length=200,
        error_messages={"required": "Type your name: it is kept with your confirmation."},
    )
    signer_title = forms.CharField(label="Your title or position", max_length=200, required=False)
    signer_organisation = forms.CharField(label="Your organisation", max_length=200, required=False)
    check = forms.CharField(widget=forms.HiddenInput, error_messages={"required": EXPIRED})

    def __init__(
        self,
        *args,
        supervisor_request: SupervisorRequest,
        competencies: list[Achievement],
        levels: list[CompetencyLevel],
        **kwargs,
    ):
        experience = supervisor_request.experience
        kwargs.setdefault(
            "initial",
            {
                # Their name is typed, not filled in: it is their confirmation (the organisation is a hint).
                "hours": experience.hours,
                "signer_organisation": experience.organisation,
            },
        )
        super().__init__(*args, **kwargs)
        self.supervisor_request = supervisor_request
        self.competencies = competencies
        self.levels = {str(level.pk): level for level in levels}
        self.fields["check"].initial = signing.dumps(self._bound_to(), salt=self.SALT)
        choices = [(CANNOT_SAY, "Cannot say")] + [(str(level.pk), level.name) for level in levels]
        for competency in competencies:
            self.fields[self.competency_field(competency)] = forms.ChoiceField(
                label=competency.current_version.name,
                choices=choices,
                required=False,
                initial=CANNOT_SAY,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def competency_field(competency: Achievement) -> str:
        return f"competency_{competency.pk}"

    def _bound_to(self) -> str:
        # The request and its current link: a reminder's new link makes forms of the old one stale.
        return f"{self.supervisor_request.pk}:{self.supervisor_request.token_hash}"

    def clean_check(self):
        max_age = settings.PORTAL_SUPERVISOR_LINK_DAYS * 86400
        try:
            bound_to = signing.loads(self.cleaned_data["check"], salt=self.SALT, max_age=max_age)
        except signing.BadSignature:
            bound_to = None
        if bound_to != self._bound_to():
            raise forms.ValidationError(self.EXPIRED)
        return self.cleaned_data["check"]

    def competency_rows(self):
        """Each claimed competency with its bound field, for the template."""
        return [(competency, self[self.competency_field(competency)]) for competency in self.competencies]

    def ratings(self) -> list[tuple[Achievement, CompetencyLevel]]:
        """The competencies the supervisor gave a level to ("cannot say" ones are left out)."""
        chosen = []
        for competency in self.competencies:
            value = self.cleaned_data.get(self.competency_field(competency))
            if value and value in self.levels:
                chosen.append((competency, self.levels[value]))
        return chosen
