"""django-oauth-toolkit's request validator with 1EdTech's rules (OB 3.0 / CLR 2.0 section 7).

- An authorization code is used once. django-oauth-toolkit deletes it when exchanged; this validator also
  remembers (in the shared cache, PORTAL_OAUTH_USED_CODE_MEMORY seconds) which refresh-token family it
  started, so a second use is refused and revokes every token issued from the code, refreshed ones too.
- A client that registered itself authenticates at the token and revocation endpoints with HTTP Basic
  (`client_secret_basic`, the only method 1EdTech allows), never with its secret in the body.
- The client credentials grant is for institution systems only (applications with an
  api.models.InstitutionClient) while whoever registered the client still manages the institution's API
  access (api.tokens.maker_may_manage); their tokens have no user, a learner's always has one.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from oauth2_provider.models import get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from .tokens import maker_may_manage

log = logging.getLogger(__name__)


def _used_code_key(code: str) -> str:
    return "oauth-used-code:" + hashlib.sha256(code.encode()).hexdigest()


def _revoke_family(family) -> None:
    if family:
        get_refresh_token_model().revoke_family(family)


class PortalOAuth2Validator(OAuth2Validator):
    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        family = cache.get(_used_code_key(code))
        if family:
            cache.delete(_used_code_key(code))
            _revoke_family(family)
            log.warning(
                "An authorization code of client %s was used a second time: refused, and the tokens issued "
                "from it revoked.",
                client.pk if client is not None else None,
            )
        return False

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        request.portal_token_family = refresh_token.token_family
        return refresh_token

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        family = getattr(request, "portal_token_family", None)
        try:
            super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        except errors.InvalidGrantError:
            # Exchanged at the same moment by another request: neither keeps its tokens.
            _revoke_family(family)
            _revoke_family(cache.get(_used_code_key(code)))
            raise
        if family:
            cache.set(_used_code_key(code), str(family), settings.PORTAL_OAUTH_USED_CODE_MEMORY)

    def authenticate_client(self, request, *args, **kwargs):
        if self._authenticate_basic_auth(request):
            return True
        client = request.client or self._load_application(request.client_id, request)
        if client is not None and hasattr(client, "registration"):
            return False  # registered with client_secret_basic: nothing else is accepted
        return self._authenticate_request_body(request)

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        if grant_type == "client_credentials":
            institution_client = getattr(client, "institution_client", None)
            if institution_client is None or not maker_may_manage(
                institution=institution_client.institution, maker=institution_client.created_by
            ):
                return False
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)
