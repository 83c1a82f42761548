"""The portal_api room's part of the security world (called at the end of world.build_world).

`api_access` is also what tests/api/test_portal*.py give each institution: an admin's and a registrar's
API token and an OAuth client (client credentials) with a live access token.
"""

import datetime
import secrets

from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from api import tokens
from institutions.models import Role


def client_access_token(client) -> str:
    """A live access token of the client, as the token endpoint would issue it (no user)."""
    raw = "cc-" + secrets.token_urlsafe(24)
    get_access_token_model().objects.create(
        application=client.application, user=None, token=raw, scope="",
        expires=timezone.now() + datetime.timedelta(hours=1),
    )  # fmt: skip
    return raw


def api_access(institution, *, admin) -> dict:
    admin_token, admin_secret = tokens.api_token_create(
        institution=institution, role=Role.ADMIN, name="Admin script", actor=admin
    )
    registrar_token, registrar_secret = tokens.api_token_create(
        institution=institution, role=Role.REGISTRAR, name="SIS sync", actor=admin
    )
    client, client_secret = tokens.institution_client_create(
        institution=institution, role=Role.REGISTRAR, name="LMS", actor=admin
    )
    return {
        "admin_token": admin_token,
        "admin_secret": admin_secret,
        "registrar_token": registrar_token,
        "registrar_secret": registrar_secret,
        "client": client,
        "client_secret": client_secret,
        "client_access_token": client_access_token(client),
    }


def build(world) -> None:
    """Add this room's objects to `world.extras` (keys prefixed with the room's name)."""
    world.extras["portal_api"] = api_access(world.a.institution, admin=world.a.admin)
