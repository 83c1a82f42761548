"""oauthlib's server with what 1EdTech requires of an authorization request (OB 3.0 / CLR 2.0 section 7.2.1).

- PKCE with `S256` only: `plain` (and a challenge without a method, which RFC 7636 reads as plain) is
  refused; django-oauth-toolkit already requires a challenge (PKCE_REQUIRED).
- `state` is required: the client's protection against cross-site request forgery.
- The redirect back to the client carries `scope` (what the learner allowed) beside `code` and `state`.

Both are checked after the client and its redirect URI are known, so the error goes back to the client.
"""

from oauthlib.oauth2 import Server
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256


def _state_is_required(request) -> dict:
    if not request.state:
        raise errors.InvalidRequestError(description="The state parameter is required.", request=request)
    return {}


def _scope_in_the_answer(grant: dict, token_handler, request) -> dict:
    grant["scope"] = " ".join(request.scopes)
    return grant


class PortalServer(Server):
    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        self.auth_grant._code_challenge_methods = {"S256": code_challenge_method_s256}
        self.auth_grant.custom_validators.pre_auth.append(_state_is_required)
        self.auth_grant.register_code_modifier(_scope_in_the_answer)
