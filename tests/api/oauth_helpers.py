"""Playing an OAuth client in tests: register (RFC 7591), authorise with PKCE as a learner, exchange the code.

`learner_token(user, scope=...)` is the one call most tests need: it registers a client, signs the learner in
(force_login on its own test Client), consents on the real page and exchanges the code at the token endpoint,
all through HTTP; it returns the token response with the client's id and secret. `mint_token(user, scope=...)`
skips the flow (for tests about something else, like paging 300 credentials): an AccessToken of a registered
client, stored as the portal stores them (only a hash).
"""

import base64
import hashlib
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, set_token_value

from api import scopes as api_scopes
from api.models import RegisteredClient

REDIRECT_URI = "https://wallet.example.org/oauth/callback"
ALL_OB_AND_CLR = " ".join(api_scopes.ALL)


def registration_request(**overrides) -> dict:
    """A registration request with every metadata 1EdTech requires, on the host wallet.example.org."""
    body = {
        "client_name": "Example Wallet",
        "client_uri": "https://wallet.example.org/",
        "logo_uri": "https://wallet.example.org/logo.png",
        "tos_uri": "https://wallet.example.org/terms",
        "policy_uri": "https://wallet.example.org/privacy",
        "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
        "software_version": "4.2.0",
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": ALL_OB_AND_CLR,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def register(client: Client | None = None, **overrides) -> dict:
    response = (client or Client()).post(
        reverse("oauth:register"), registration_request(**overrides), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636 section 4.2)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def basic_auth(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


def authorize_url(registration: dict, *, scope: str, challenge: str, state: str = "state-1", **extra) -> str:
    params = {
        "response_type": "code",
        "client_id": registration["client_id"],
        "redirect_uri": registration["redirect_uris"][0],
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return reverse("oauth:authorize") + "?" + urlencode({k: v for k, v in params.items() if v is not None})


def consent(browser: Client, url: str, *, allow: bool = True):
    """Open the consent page as the signed-in `browser` and answer it; the redirect back to the client."""
    page = browser.get(url)
    assert page.status_code == 200, page.content.decode()[:2000]
    form = page.context["form"]
    hidden = [name for name, field in form.fields.items() if field.widget.is_hidden]
    data = {name: form[name].value() for name in hidden if form[name].value() is not None}
    if allow:
        data["allow"] = "on"
    response = browser.post(reverse("oauth:authorize"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def redirect_query(response) -> dict:
    return {name: values[0] for name, values in parse_qs(urlsplit(response["Location"]).query).items()}


def authorization_code(
    browser: Client, registration: dict, *, scope: str, state: str = "state-1"
) -> tuple[str, str]:
    """(code, verifier) after the signed-in `browser` allowed the client."""
    verifier, challenge = pkce_pair()
    answer = redirect_query(
        consent(browser, authorize_url(registration, scope=scope, challenge=challenge, state=state))
    )
    assert answer["state"] == state, answer
    return answer["code"], verifier


def token_request(client: Client, registration: dict, data: dict, *, auth: str | None = None):
    return client.post(
        reverse("oauth:token"),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        headers={
            "authorization": auth or basic_auth(registration["client_id"], registration["client_secret"])
        },
    )


def exchange(client: Client, registration: dict, code: str, verifier: str):
    return token_request(
        client,
        registration,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": registration["redirect_uris"][0],
            "code_verifier": verifier,
        },
    )


def learner_token(user, *, scope: str = ALL_OB_AND_CLR, registration: dict | None = None) -> dict:
    """The token response for `user` after the whole flow through HTTP, with client_id and client_secret."""
    registration = registration or register()
    browser = Client()
    browser.force_login(user)
    code, verifier = authorization_code(browser, registration, scope=scope)
    response = exchange(Client(), registration, code, verifier)
    assert response.status_code == 200, response.content
    return {
        **response.json(),
        "client_id": registration["client_id"],
        "client_secret": registration["client_secret"],
    }


def mint_token(user, *, scope: str = ALL_OB_AND_CLR, seconds: int = 3600) -> str:
    """An access token of a registered client for `user`, without the flow (for tests about something else)."""
    Application = get_application_model()
    application = Application.objects.create(
        name="Minted Wallet",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        registration_source=Application.RegistrationSource.DCR,
    )
    RegisteredClient.objects.create(
        application=application,
        **{name: value for name, value in registration_request().items() if name in _REGISTERED_FIELDS},
        metadata=registration_request(scope=scope),
    )
    raw = secrets.token_urlsafe(32)
    token = get_access_token_model()(
        user=user, application=application, scope=scope, expires=timezone.now() + timedelta(seconds=seconds)
    )
    set_token_value(token, raw)
    token.save()
    return raw


_REGISTERED_FIELDS = ("client_uri", "logo_uri", "tos_uri", "policy_uri", "software_id", "software_version")
