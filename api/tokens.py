"""How institution systems sign in to the portal API: personal API tokens and OAuth client credentials.

- An API token belongs to one institution and one role. It is shown once, when made; only its SHA-256
  is kept, with its first characters (`prefix`) so an admin can tell tokens apart.
- An OAuth client (client credentials grant, django-oauth-toolkit) has an `InstitutionClient` naming
  its institution and role; its access tokens have no user. A learner's access token (one with a user,
  from the authorization code grant) is for the 1EdTech service API and is refused here.

Either way the request's `auth` is an `ApiPrincipal`; `user` is who answers for what it does (the admin
who made the token or client), so the audit history names them. A token or client works only while its
maker is an active account that may still manage API access at the institution: they saw its secret, so
an admin who leaves (or is made registrar) takes their tokens' access with them.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_application_model
from rest_framework import authentication, exceptions

from institutions.models import Institution, Membership, Role
from institutions.services import audit_record

from .models import ApiToken, InstitutionClient
from .permissions import Action, roles_for

TOKEN_PREFIX = "clrp_"  # says what a leaked token is (secret scanners match it) and which kind to look up
PREFIX_SHOWN = 12
MAX_TOKEN_LENGTH = 512
LAST_USED_PRECISION = timedelta(minutes=1)  # last_used_at is written at most once a minute per token
API_ROLES = (Role.ADMIN, Role.REGISTRAR)  # the roles whose pages the API offers


@dataclass(frozen=True)
class ApiPrincipal:
    """Who calls the portal API: an institution system acting with one role at one institution."""

    institution: Institution
    role: str
    actor: object  # the User who made the token or client (None once that account is gone)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_role(role: str) -> None:
    if role not in API_ROLES:
        raise ValidationError({"role": "Choose the administrator or the registrar role."})


@transaction.atomic
def api_token_create(
    *, institution: Institution, role: str, name: str, actor, expires_at=None
) -> tuple[ApiToken, str]:
    """Make a token; returns it with the secret, which is not kept and cannot be shown again."""
    _check_role(role)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after the system that will use it."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry date must be in the future."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        institution=institution, role=role, name=name, prefix=raw[:PREFIX_SHOWN], token_hash=token_hash(raw),
        created_by=actor if getattr(actor, "pk", None) else None, expires_at=expires_at,
    )  # fmt: skip
    token.full_clean()
    token.save()
    audit_record(
        actor=actor, action="api_token.created", institution=institution, target=name,
        prefix=token.prefix, role=role, expires_at=expires_at.isoformat() if expires_at else None,
    )  # fmt: skip
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke for good (a revoked token is kept, listed as revoked, for the history)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor, action="api_token.revoked", institution=token.institution, target=token.name,
            prefix=token.prefix,
        )  # fmt: skip
    return token


def api_managers_of(*, institution: Institution) -> set[int]:
    """The ids of the active accounts that may manage the institution's API access: the makers whose
    tokens and clients work."""
    return set(
        Membership.objects.filter(
            institution=institution, role__in=roles_for(Action.API_ACCESS_MANAGE), user__is_active=True
        ).values_list("user_id", flat=True)
    )


def api_tokens_of(*, institution: Institution):
    return ApiToken.objects.filter(institution=institution).select_related("created_by")


class MakerNoLongerAdmin(exceptions.AuthenticationFailed):
    """The token's secret was seen by someone who no longer manages the institution's API access."""


def maker_may_manage(*, institution: Institution, maker) -> bool:
    """Whether the maker of a token or client is an active account that may still manage API access."""
    return maker is not None and maker.is_active and maker.pk in api_managers_of(institution=institution)


def _principal(*, institution: Institution, role: str, maker) -> ApiPrincipal:
    if not maker_may_manage(institution=institution, maker=maker):
        raise MakerNoLongerAdmin(
            f"The token is not valid: whoever made it is no longer an administrator of {institution.name}. "
            "An administrator must make a new one."
        )
    return ApiPrincipal(institution=institution, role=role, actor=maker)


def api_token_authenticate(raw: str) -> ApiPrincipal | None:
    """The principal of a live API token (None when unknown, revoked or expired; `MakerNoLongerAdmin`)."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("institution", "created_by")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None:
        return None
    principal = _principal(institution=token.institution, role=token.role, maker=token.created_by)
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return principal


# --- OAuth 2.0 client credentials --------------------------------------------------------------------


@transaction.atomic
def institution_client_create(
    *, institution: Institution, role: str, name: str, actor
) -> tuple[InstitutionClient, str]:
    """Register a confidential client for the client credentials grant; returns it with its secret,
    which is kept only hashed (django-oauth-toolkit's default) and cannot be shown again."""
    _check_role(role)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the client after the system that will use it."})
    Application = get_application_model()
    secret = generate_client_secret()
    application = Application(
        name=name[:255], user=None, client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret,
        hash_client_secret=True, skip_authorization=True,
    )  # fmt: skip
    application.save()
    client = InstitutionClient.objects.create(
        application=application, institution=institution, role=role,
        created_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    audit_record(
        actor=actor, action="api_client.created", institution=institution, target=name,
        client_id=application.client_id, role=role,
    )  # fmt: skip
    return client, secret


@transaction.atomic
def institution_client_delete(*, client: InstitutionClient, actor) -> None:
    """Remove the client: its access tokens go with it, so it can no longer call the API."""
    audit_record(
        actor=actor, action="api_client.deleted", institution=client.institution,
        target=client.application.name, client_id=client.application.client_id,
    )  # fmt: skip
    client.application.delete()


def institution_clients_of(*, institution: Institution):
    return InstitutionClient.objects.filter(institution=institution).select_related(
        "application", "created_by"
    )


class LearnerTokenRefused(exceptions.AuthenticationFailed):
    default_detail = (
        "This access token is a learner's authorisation (for the 1EdTech service API), not an institution "
        "system's: use an API token or a client credentials token."
    )


def client_token_authenticate(raw: str) -> ApiPrincipal | None:
    """The principal of a live client credentials access token of an institution's client."""
    access_token = (
        get_access_token_model()
        .objects.select_related(
            "application__institution_client__institution", "application__institution_client__created_by"
        )
        .filter(token_checksum=token_hash(raw))
        .first()
    )
    if access_token is None or access_token.is_expired() or access_token.application is None:
        return None
    if access_token.user_id is not None:
        raise LearnerTokenRefused()
    client = getattr(access_token.application, "institution_client", None)
    if client is None:
        return None
    return _principal(institution=client.institution, role=client.role, maker=client.created_by)


class PortalApiAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <API token or client credentials access token>`; nothing else (no session)."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as `Authorization: Bearer <token>`.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        if len(raw) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        principal = (
            api_token_authenticate(raw) if raw.startswith(TOKEN_PREFIX) else client_token_authenticate(raw)
        )
        if principal is None:
            raise exceptions.AuthenticationFailed("The token is not valid: unknown, revoked or expired.")
        return (principal.actor or AnonymousUser(), principal)

    def authenticate_header(self, request):
        return f'{self.keyword} realm="portal-api"'


class PortalApiAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes PortalApiAuthentication: two schemes, either one will do."""

    target_class = PortalApiAuthentication
    name = ["PortalApiToken", "OAuth2ClientCredentials"]

    def get_security_definition(self, auto_schema):
        from django.urls import NoReverseMatch, reverse

        try:
            token_url = settings.PORTAL_BASE_URL + reverse("oauth:token")
        except NoReverseMatch:
            token_url = settings.PORTAL_BASE_URL + "/oauth/token/"
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token made by an administrator of the institution "
                "(institution settings, API access): `Authorization: Bearer clrp_…`.",
            },
            {
                "type": "oauth2",
                "description": "An access token of an OAuth client registered by an administrator of the "
                "institution (client credentials grant).",
                "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": {}}},
            },
        ]
