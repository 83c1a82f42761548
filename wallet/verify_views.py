"""The public verification page: anyone can check a credential, with every check explained."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from .verification import (
    SubmissionError,
    Verification,
    portal_link_verify,
    recipient_email_check,
    submission_verification,
)
from .verify_forms import RecipientEmailForm, VerifyForm


@require_http_methods(["GET", "POST"])
def verify(request):
    verifications: list[Verification] = []
    link = request.GET.get("credential", "").strip()
    link_error = ""
    status = 200
    email_form = RecipientEmailForm(request.POST or None)
    if request.method == "POST" and request.POST.get("credential_link"):
        # The e-mail check of a link verified before: the link is verified again, then compared.
        form = VerifyForm()
        link = request.POST["credential_link"].strip()
        try:
            verifications = portal_link_verify(url=link, user=request.user)
        except SubmissionError as exc:
            link_error, status = exc.message, exc.status
    elif request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            verifications = [submission_verification(submission=form.cleaned_data["submission"])]
            form = VerifyForm()  # "Verify another credential" starts empty
        else:
            status = 400
    else:
        form = VerifyForm()
        if link:
            try:
                verifications = portal_link_verify(url=link, user=request.user)
            except SubmissionError as exc:
                link_error, status = exc.message, exc.status
    if verifications and email_form.is_valid() and email_form.cleaned_data["recipient_email"]:
        email = email_form.cleaned_data["recipient_email"]
        verifications = [recipient_email_check(verification=v, email=email) for v in verifications]
    return render(
        request,
        "wallet/verify.html",
        {
            "form": form,
            "email_form": email_form,
            "verifications": verifications,
            "link": link,
            "link_error": link_error,
        },
        status=status,
    )


@require_GET
def verify_credential(request, credential_id):
    """`/verify/<credential id>`, short enough to type from paper: the page's verdict on that credential."""
    link = settings.PORTAL_BASE_URL + reverse("credentials:detail", kwargs={"credential_id": credential_id})
    return redirect(f"{reverse('verify:page')}?{urlencode({'credential': link})}")
