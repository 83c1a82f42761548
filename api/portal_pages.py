"""The admin's API access page: API tokens and OAuth clients of the institution, made and revoked.

A token's or client's secret is on the page that answers its creation, and nowhere else: the page is
not stored by caches (`no-store`) and only a hash of the secret is kept.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from institutions.permissions import institution_role_required

from . import tokens
from .models import ApiToken, InstitutionClient
from .permissions import Action, roles_for
from .portal_forms import ApiTokenForm, InstitutionClientForm

MANAGERS = roles_for(Action.API_ACCESS_MANAGE)


def _page(request, *, token_form=None, client_form=None, created=None, status=200):
    institution = request.institution
    response = render(
        request,
        "api/portal/access.html",
        {
            "institution": institution,
            "tokens": tokens.api_tokens_of(institution=institution),
            "clients": tokens.institution_clients_of(institution=institution),
            "managers": tokens.api_managers_of(institution=institution),
            "token_form": token_form or ApiTokenForm(),
            "client_form": client_form or InstitutionClientForm(),
            "created": created,
            "token_url": _token_endpoint(),
            "docs_url": reverse("portal_api:docs"),
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _token_endpoint() -> str:
    """Where a client asks for its access tokens (the OAuth 2.0 token endpoint, api/oauth_urls.py)."""
    try:
        return settings.PORTAL_BASE_URL + reverse("oauth:token")
    except NoReverseMatch:
        return ""


@require_GET
@institution_role_required(*MANAGERS)
def access(request):
    return _page(request)


def _expiry(day: datetime.date | None):
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@require_POST
@institution_role_required(*MANAGERS)
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "No token was made: please correct the fields marked below.")
        return _page(request, token_form=form, status=400)
    token, secret = tokens.api_token_create(
        institution=request.institution,
        role=form.cleaned_data["role"],
        name=form.cleaned_data["name"],
        actor=request.user,
        expires_at=_expiry(form.cleaned_data["expires_on"]),
    )
    created = {"kind": "token", "name": token.name, "secret": secret}
    return _page(request, created=created, status=201)


@require_POST
@institution_role_required(*MANAGERS)
def token_revoke(request, api_token_id):
    token = get_object_or_404(ApiToken, institution=request.institution, pk=api_token_id)
    tokens.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"The token {token.name} ({token.prefix}…) is revoked: it no longer works.")
    return redirect("portal_api:access", slug=request.institution.slug)


@require_POST
@institution_role_required(*MANAGERS)
def client_create(request):
    form = InstitutionClientForm(request.POST)
    if not form.is_valid():
        messages.error(request, "No client was registered: please correct the fields marked below.")
        return _page(request, client_form=form, status=400)
    client, secret = tokens.institution_client_create(
        institution=request.institution,
        role=form.cleaned_data["role"],
        name=form.cleaned_data["name"],
        actor=request.user,
    )
    created = {
        "kind": "client",
        "name": client.application.name,
        "client_id": client.application.client_id,
        "secret": secret,
    }
    return _page(request, created=created, status=201)


@require_POST
@institution_role_required(*MANAGERS)
def client_delete(request, api_client_id):
    client = get_object_or_404(
        InstitutionClient.objects.select_related("application"),
        institution=request.institution,
        pk=api_client_id,
    )
    name = client.application.name
    tokens.institution_client_delete(client=client, actor=request.user)
    messages.success(request, f"The client {name} is removed: its access tokens no longer work.")
    return redirect("portal_api:access", slug=request.institution.slug)
