"""Claim offers: the learner's pages (make, show, cancel) and the wallet-facing interaction and exchanges.

The wallet-facing endpoints carry the offer's token in their address; they are JSON APIs for wallets
(csrf_exempt: no cookie is read, the offer's token and the holder's signature are what authorize).
"""

import json

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from achievements.models import Learner

from . import oid4vci
from .models import ClaimOffer, ClaimProtocol, OfferScope
from .services import (
    MAX_PRESENTATION_BYTES,
    ClaimRefused,
    claim_documents_wait,
    interaction_url,
    lcw_request_url,
    offer_by_token,
    offer_cancel,
    offer_claim,
    offer_create,
    offer_token,
    offers_of_user,
    oid4vci_offer_link,
    presentation_domain,
    presentation_holder,
    presentation_request,
    protocols,
    why_closed,
)


def _private(response):
    # The token is in the address: keep it out of Referer headers, caches and search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _qr_svg(url: str) -> str:
    label = "QR code of the claim offer"
    svg = segno.make(url, error="m").svg_inline(scale=4, title=label)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _own_offer(user, offer_id) -> ClaimOffer:
    try:
        return offers_of_user(user=user).get(pk=offer_id)
    except (ClaimOffer.DoesNotExist, ValidationError):
        raise Http404("No such offer.") from None


# --- the learner's side ----------------------------------------------------------------------------


@require_POST
@login_required
def offer_new(request):
    try:
        offer, _token = offer_create(
            user=request.user,
            scope=request.POST.get("scope", ""),
            credential_id=request.POST.get("credential") or None,
            learner_id=request.POST.get("learner") or None,
            with_pin=request.POST.get("with_pin") == "on",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("delivery:offers")
    return redirect("delivery:offer_detail", offer_id=offer.id)


@require_GET
@login_required
def offers(request):
    learners = list(Learner.objects.filter(user=request.user).select_related("institution"))
    return render(
        request,
        "delivery/offers.html",
        {"offers": offers_of_user(user=request.user)[:50], "learners": learners, "scopes": OfferScope},
    )


@require_GET
@login_required
def offer_detail(request, offer_id):
    offer = _own_offer(request.user, offer_id)
    token = offer_token(offer=offer) if offer.is_open else None
    url = interaction_url(token) if token else None
    context = {
        "offer": offer,
        "url": url,
        "qr_svg": _qr_svg(url) if url else "",
        "lcw_url": lcw_request_url(offer=offer, token=token) if token else None,
        "oid4vci_url": oid4vci_offer_link(token) if token else None,
        "closed": why_closed(offer),
        "claims": offer.claims.prefetch_related("credentials"),
    }
    response = render(request, "delivery/offer_detail.html", context)
    # The page shows the offer's token (its address does not): kept out of caches. Its Referer stays, as
    # the cancel form's CSRF check needs the page's origin.
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def offer_cancel_view(request, offer_id):
    offer = _own_offer(request.user, offer_id)
    try:
        offer_cancel(offer=offer, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The offer is cancelled: its QR code and link no longer work.")
    return redirect("delivery:offer_detail", offer_id=offer.id)


# --- the wallet's side -----------------------------------------------------------------------------


def _json_error(refusal: ClaimRefused) -> JsonResponse:
    return _private(
        JsonResponse({"error": refusal.error, "error_description": refusal.message}, status=refusal.status)
    )


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


@require_GET
def interaction(request, token):
    """The VCALM interaction URL: the `protocols` for a wallet, a page explaining what to do for a person."""
    offer = offer_by_token(token)
    if offer is None:
        if _wants_json(request):
            return _json_error(ClaimRefused("No such offer.", error="not_found", status=404))
        raise Http404("No such offer.")
    closed = why_closed(offer)
    if _wants_json(request):
        if closed:
            return _json_error(ClaimRefused(closed, error="not_allowed", status=410))
        return _private(JsonResponse({"protocols": protocols(offer=offer, token=token)}))
    context = {
        "offer": offer,
        "closed": closed,
        "protocols": None if closed else protocols(offer=offer, token=token),
        "url": None if closed else interaction_url(token),
    }
    context["qr_svg"] = _qr_svg(context["url"]) if context["url"] else ""
    # A browser wallet (CHAPI) answers through its mediator's frame: the one other origin this page frames.
    context["chapi_mediator"] = None if closed else settings.DELIVERY_CHAPI_MEDIATOR_ORIGIN
    response = render(request, "delivery/interaction.html", context, status=410 if closed else 200)
    if context["chapi_mediator"]:
        response._csp_update = {"frame-src": [context["chapi_mediator"]]}
    return _private(response)


def _json_body(request) -> dict:
    if len(request.body) > MAX_PRESENTATION_BYTES:
        raise ClaimRefused("The request is too large for a DIDAuthentication presentation.", status=413)
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ClaimRefused("The request body is not JSON.") from None
    if not isinstance(body, dict):
        raise ClaimRefused("The request body must be a JSON object.")
    return body


def _open_offer(token) -> ClaimOffer:
    offer = offer_by_token(token)
    if offer is None:
        raise ClaimRefused("No such offer.", error="not_found", status=404)
    closed = why_closed(offer)
    if closed:
        raise ClaimRefused(closed, error="not_allowed", status=410)
    return offer


def _claimed(offer, presentation, *, domain, protocol):
    holder = presentation_holder(presentation, challenge=offer.challenge, domain=domain)
    claim = offer_claim(offer=offer, holder_did=holder, protocol=protocol)
    return claim_documents_wait(claim=claim)


@csrf_exempt
@require_http_methods(["POST"])
def exchange(request, token):
    """VC-API exchange: `{}` starts it (a DIDAuthentication request), the signed presentation completes it."""
    try:
        body = _json_body(request)
        offer = _open_offer(token)
        if "verifiablePresentation" not in body:
            return _private(JsonResponse(presentation_request(offer=offer, token=token)))
        documents = _claimed(
            offer, body["verifiablePresentation"], domain=presentation_domain(), protocol=ClaimProtocol.VCAPI
        )
    except ClaimRefused as refusal:
        return _json_error(refusal)
    return _private(JsonResponse({"verifiablePresentation": _presentation(documents)}))


@csrf_exempt
@require_http_methods(["POST"])
def lcw_request(request, token):
    """The Learner Credential Wallet's request link: its signed presentation (the link's challenge) in."""
    try:
        body = _json_body(request)
        offer = _open_offer(token)
        documents = _claimed(offer, body, domain=None, protocol=ClaimProtocol.LCW)
    except ClaimRefused as refusal:
        return _json_error(refusal)
    return _private(JsonResponse(_presentation(documents)))


def _presentation(documents: list[dict]) -> dict:
    """An unsigned presentation of the issued credentials (each carries the institution's proof)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": documents,
    }


# --- OID4VCI 1.0 (delivery.oid4vci) ----------------------------------------------------------------


def _oauth_error(refusal: ClaimRefused) -> JsonResponse:
    response = _json_error(refusal)
    if refusal.status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{refusal.error}"'
    return response


@require_GET
def oid4vci_offer(request, token):
    """The Credential Offer an `openid-credential-offer://?credential_offer_uri=…` link points at."""
    try:
        offer = _open_offer(token)
    except ClaimRefused as refusal:
        return _json_error(refusal)
    return _private(JsonResponse(oid4vci.credential_offer(offer=offer, token=token)))


@require_GET
def oid4vci_issuer_metadata(request):
    return JsonResponse(oid4vci.issuer_metadata())


@require_GET
def oid4vci_authorization_server_metadata(request):
    return JsonResponse(oid4vci.authorization_server_metadata())


@csrf_exempt
@require_http_methods(["POST"])
def oid4vci_token(request):
    """RFC 6749 token endpoint, form-encoded, for the pre-authorized code grant."""
    try:
        answer = oid4vci.token_issue(
            grant_type=request.POST.get("grant_type", ""),
            code=request.POST.get("pre-authorized_code", ""),
            tx_code=request.POST.get("tx_code") or None,
        )
    except ClaimRefused as refusal:
        return _oauth_error(refusal)
    return _private(JsonResponse(answer))


@csrf_exempt
@require_http_methods(["POST"])
def oid4vci_nonce(request):
    return _private(JsonResponse({"c_nonce": oid4vci.nonce_issue()}))


@csrf_exempt
@require_http_methods(["POST"])
def oid4vci_credential(request):
    try:
        token = oid4vci.access_token(request.headers.get("Authorization", ""))  # 401 before anything else
        answer = oid4vci.credential_issue(token=token, body=_json_body(request))
    except ClaimRefused as refusal:
        return _oauth_error(refusal)
    return _private(JsonResponse(answer))
