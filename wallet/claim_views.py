"""Claiming a learner record into one's account: by an invitation link, or by a verified address.

The rules are in achievements.claims; these views ask and answer.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from achievements import claims
from achievements.models import Learner


def _refused(request, refusal: claims.ClaimRefused):
    return render(request, "wallet/claim_refused.html", {"reason": refusal.message}, status=refusal.status)


@require_http_methods(["GET", "POST"])
def invitation(request, claim_token):
    try:
        found = claims.invitation_for_token(claim_token)
    except claims.ClaimRefused as refusal:
        return _refused(request, refusal)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.POST.get("confirm") != "yes":
            context = {"learner": found.learner, "unconfirmed": True}
            return render(request, "wallet/claim.html", context, status=400)
        try:
            learner = claims.learner_claim(learner=found.learner, user=request.user, invitation=found)
        except claims.ClaimRefused as refusal:
            return _refused(request, refusal)
        messages.success(request, f"Your record of {learner.institution.name} is now in your account.")
        return redirect("wallet:dashboard")
    return render(request, "wallet/claim.html", {"learner": found.learner})


@login_required
@require_http_methods(["GET", "POST"])
def waiting(request):
    """Records at an address this account verified, each to be confirmed institution by institution."""
    waiting_records = claims.learners_claimable(request.user)
    if request.method == "POST":
        if not request.POST.get("learner"):
            raise BadRequest("Choose the record to add to your account.")
        learner = waiting_records.filter(uuid=_uuid_or_404(request.POST["learner"])).first()
        if learner is None:
            raise Http404("No such record is waiting for you.")
        try:
            claims.learner_claim(learner=learner, user=request.user)
        except claims.ClaimRefused as refusal:
            return _refused(request, refusal)
        messages.success(request, f"Your record of {learner.institution.name} is now in your account.")
        return redirect("wallet:dashboard")
    return render(request, "wallet/claims_waiting.html", {"waiting": waiting_records})


def _uuid_or_404(value):
    try:
        return Learner._meta.get_field("uuid").to_python(value)
    except ValidationError:
        raise Http404("No such record is waiting for you.") from None
