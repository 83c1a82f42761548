"""Who a 1EdTech service API request acts for: the learner who authorised the OAuth 2.0 bearer token.

OB 3.0 / CLR 2.0 section 6.1: each endpoint needs its own scope of its own standard (an Open Badges
token does not read CLRs). RFC 6750 section 3: no or a bad token is a 401 with `WWW-Authenticate:
Bearer`, a token without the scope a 403 with `error="insufficient_scope"`. Tokens of institution
systems (client credentials, no user) act for nobody's wallet and are refused.
"""

from oauth2_provider.oauth2_backends import get_oauthlib_core

from .ims_errors import ImsError

REALM = "1EdTech service API"


def _challenge(**params: str) -> dict:
    parts = [f'realm="{REALM}"'] + [f'{name}="{value}"' for name, value in params.items()]
    return {"WWW-Authenticate": "Bearer " + ", ".join(parts)}


def authorised_user(request, *, scope: str):
    """The user behind the request's bearer token, when it carries `scope`; else ImsError (401/403)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("bearer "):
        raise ImsError(
            401,
            "unauthorizedrequest",
            "This API needs an OAuth 2.0 access token (Authorization: Bearer <token>).",
            headers=_challenge(),
        )
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None) if valid else None
    if token is None:
        raise ImsError(
            401,
            "unauthorizedrequest",
            "The access token is not valid: it is unknown, expired or revoked.",
            headers=_challenge(error="invalid_token", error_description="The access token is not valid."),
        )
    if token.user_id is None:
        raise ImsError(
            403,
            "forbidden",
            "This token was not authorised by a learner (client credentials): it cannot act for a wallet.",
            headers=_challenge(error="insufficient_scope", scope=scope),
        )
    if not token.allow_scopes([scope]):
        raise ImsError(
            403,
            "forbidden",
            f"The access token does not carry the scope this request needs: {scope}",
            headers=_challenge(error="insufficient_scope", scope=scope),
        )
    return token.user
