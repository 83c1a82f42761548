"""The oauth room's part of the security world (called at the end of world.build_world).

A client registered as 1EdTech's registration makes it (api.oauth_registration), which student A1 has
authorised: a live access token and refresh token of theirs, as the token endpoint would have stored them.

- extras["oauth_registration"]: the registration response (client_id, client_secret, metadata)
- extras["oauth_application"]: its django-oauth-toolkit Application
- extras["oauth_tokens_a1"]: {"access_token": ..., "refresh_token": ...} (raw values) of student A1
"""

import secrets
import uuid
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_refresh_token_model,
    set_token_value,
)

from api import oauth_registration, scopes

SCOPE = " ".join(scopes.ALL)


def build(world) -> None:
    """Add this room's objects to `world.extras` (keys prefixed with the room's name)."""
    metadata = oauth_registration.client_metadata_check(
        {
            "client_name": "Matrix Wallet",
            "client_uri": "https://wallet.example.org/",
            "logo_uri": "https://wallet.example.org/logo.png",
            "tos_uri": "https://wallet.example.org/terms",
            "policy_uri": "https://wallet.example.org/privacy",
            "software_id": "matrix-wallet",
            "software_version": "1.0",
            "redirect_uris": ["https://wallet.example.org/callback"],
            "scope": SCOPE,
        }
    )
    registration = oauth_registration.client_register(metadata=metadata)
    application = get_application_model().objects.get(client_id=registration["client_id"])
    raw = {"access_token": secrets.token_urlsafe(30), "refresh_token": secrets.token_urlsafe(30)}
    access = get_access_token_model()(
        user=world.a.students[0],
        application=application,
        scope=SCOPE,
        expires=timezone.now() + timedelta(hours=1),
    )
    set_token_value(access, raw["access_token"])
    access.save()
    refresh = get_refresh_token_model()(
        user=world.a.students[0], application=application, access_token=access, token_family=uuid.uuid4()
    )
    set_token_value(refresh, raw["refresh_token"])
    refresh.save()
    world.extras["oauth_registration"] = registration
    world.extras["oauth_application"] = application
    world.extras["oauth_tokens_a1"] = raw
