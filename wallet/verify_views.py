"""The public verification page: anyone can check a credential, with every check explained."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .verification import SubmissionError, Verification, portal_link_verify, verification_of
from .verify_forms import VerifyForm


@require_http_methods(["GET", "POST"])
def verify(request):
    verifications: list[Verification] = []
    link = request.GET.get("credential", "").strip()
    link_error = ""
    status = 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            verifications = [verification_of(credential=form.cleaned_data["credential"])]
        else:
            status = 400
    else:
        form = VerifyForm()
        if link:
            try:
                verifications = portal_link_verify(url=link, user=request.user)
            except SubmissionError as exc:
                link_error, status = exc.message, exc.status
    return render(
        request,
        "wallet/verify.html",
        {"form": form, "verifications": verifications, "link": link, "link_error": link_error},
        status=status,
    )
