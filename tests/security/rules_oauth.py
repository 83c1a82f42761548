"""Authorization rules of the oauth URLs (merged into tests/security/rules.py; same shapes and names there).

The OAuth endpoints are for programs: the discovery documents for anyone; registration, token and
revocation answer an empty POST with 400 (what is missing) whoever sends it, since the client's own
credentials (HTTP Basic) are the authority there, not a session. The consent page and the connected
apps are a signed-in person's; disconnecting an app is its learner's only (404 for anyone else).
"""

from .rules import OWNED_BY_A1, PUBLIC, SIGNED_IN, both, get_only, post_only

RULES: dict = {
    "oauth:ob_discovery": get_only(PUBLIC),
    "oauth:clr_discovery": get_only(PUBLIC),
    # GET without parameters: the page explains the request is incomplete (400); POST: an empty consent form.
    "oauth:authorize": both(SIGNED_IN),
    "oauth:token": post_only(PUBLIC),  # an empty POST: unsupported_grant_type (400)
    "oauth:revoke": post_only(PUBLIC),  # an empty POST: invalid_request, no token (400)
    "oauth:register": post_only(PUBLIC),  # an empty form POST: invalid_client_metadata (400)
    "oauth:connected_apps": get_only(SIGNED_IN),
    "oauth:connected_app_revoke": post_only(OWNED_BY_A1),
}
KWARG_BUILDERS: dict = {
    "application_id": lambda world: world.extras["oauth_application"].pk,
}
KWARG_OVERRIDES: dict = {}
