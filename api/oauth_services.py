"""The clients a learner has authorised, and taking that back.

A client is connected while the learner has a live token of it: a refresh token not revoked, or an access
token not expired. When they authorised it is the first token of its oldest live refresh-token family (a
rotation keeps the family and adds a row).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
    revoke_access_token,
)

from .oauth_scopes import describe


@dataclass(frozen=True)
class ConnectedApp:
    application: object
    scopes: list[str]
    scope_descriptions: list[str]
    authorised_at: datetime


def connected_apps(*, user) -> list[ConnectedApp]:
    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    now = timezone.now()
    live_refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    live_access = AccessToken.objects.filter(user=user).filter(
        Q(expires__gt=now) | Q(pk__in=live_refresh.values("access_token_id"))
    )
    scopes: dict[int, set[str]] = {}
    first_seen: dict[int, datetime] = {}
    for application_id, scope, created in live_access.values_list("application_id", "scope", "created"):
        scopes.setdefault(application_id, set()).update(scope.split())
        first_seen[application_id] = min(created, first_seen.get(application_id, created))
    families = live_refresh.values("token_family")
    started = (
        RefreshToken.objects.filter(user=user, token_family__in=families)
        .values("application_id")
        .annotate(first=Min("created"))
    )
    for row in started:
        scopes.setdefault(row["application_id"], set())
        first_seen[row["application_id"]] = min(
            row["first"], first_seen.get(row["application_id"], row["first"])
        )
    applications = get_application_model().objects.filter(pk__in=scopes).select_related("registration")
    connected = []
    for application in applications:
        names = sorted(scopes[application.pk])
        connected.append(ConnectedApp(application, names, describe(names), first_seen[application.pk]))
    return sorted(connected, key=lambda app: app.authorised_at, reverse=True)


@transaction.atomic
def connected_app_revoke(*, user, application_id: int) -> bool:
    """Revoke every token and pending code of the client for the learner; False when there was none."""
    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    refresh_tokens = list(
        RefreshToken.objects.filter(user=user, application_id=application_id, revoked__isnull=True)
    )
    access_tokens = list(AccessToken.objects.filter(user=user, application_id=application_id))
    grants = get_grant_model().objects.filter(user=user, application_id=application_id)
    found = bool(refresh_tokens or access_tokens or grants.exists())
    for refresh_token in refresh_tokens:
        refresh_token.revoke()
    for access_token in AccessToken.objects.filter(pk__in=[token.pk for token in access_tokens]):
        revoke_access_token(access_token)
    grants.delete()
    return found
