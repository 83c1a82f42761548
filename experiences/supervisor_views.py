"""The outside supervisor's page: one experience, reached by a single-use link, no account needed.

The rules (which link is valid, what an attestation keeps) are in experiences.services; this view asks and
answers. It shows that one experience and nothing else of the portal, and never depends on who is signed in.
"""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .models import CompetencyLevel, ExperiencePolicy
from .supervisor_forms import SupervisorAttestationForm


def _private(response):
    # The token is in the address: keep it out of Referer headers, caches and search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, refusal: services.SupervisorLinkRefused):
    return _private(
        render(
            request,
            "experiences/supervisor/refused.html",
            {"reason": refusal.message},
            status=refusal.status,
        )
    )


def _page(request, form, *, status=200):
    supervisor_request = form.supervisor_request
    experience = supervisor_request.experience
    context = {
        "supervisor_request": supervisor_request,
        "experience": experience,
        "institution": experience.institution,
        "form": form,
        # Read, not get_or_create: opening the page writes nothing.
        "reply_to": ExperiencePolicy.objects.filter(institution_id=experience.institution_id)
        .values_list("reply_to", flat=True)
        .first(),
    }
    return _private(render(request, "experiences/supervisor/attest.html", context, status=status))


# The link's token is the authority (no session is used); the form's signed token replaces Django's CSRF
# check, which refuses the `Origin: null` that browsers send from a no-referrer page (supervisor_forms).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def attest(request, supervisor_token):
    try:
        supervisor_request = services.supervisor_request_for_token(supervisor_token)
    except services.SupervisorLinkRefused as refusal:
        return _refused(request, refusal)
    experience = supervisor_request.experience
    form = SupervisorAttestationForm(
        request.POST if request.method == "POST" else None,
        supervisor_request=supervisor_request,
        competencies=list(
            experience.competencies.select_related("current_version").order_by("current_version__name", "pk")
        ),
        levels=list(CompetencyLevel.objects.filter(institution_id=experience.institution_id)),
    )
    if request.method == "GET":
        return _page(request, form)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        attested = services.supervisor_attest(
            request=supervisor_request,
            hours=form.cleaned_data["hours"],
            competencies=form.ratings(),
            comment=form.cleaned_data["comment"],
            signer_name=form.cleaned_data["signer_name"],
            signer_title=form.cleaned_data["signer_title"],
            signer_organisation=form.cleaned_data["signer_organisation"],
        )
    except services.SupervisorLinkRefused as refusal:
        return _refused(request, refusal)
    except services.ExperienceRefused as refused:
        errors = refused.message_dict if hasattr(refused, "error_dict") else {"__all__": refused.messages}
        for field, messages in errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return _page(request, form, status=400)
    return _private(
        render(
            request,
            "experiences/supervisor/thanks.html",
            {"attestation": attested, "experience": experience, "institution": experience.institution},
        )
    )
