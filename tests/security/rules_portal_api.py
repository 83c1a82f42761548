"""Authorization rules of the portal_api URLs (merged into tests/security/rules.py; same shapes and names there).

The REST API under /api/v1/ authenticates by token only (api/tokens.py): a signed-in session is no
credential there, so every role of the matrix gets 401, whatever the method. What each token may do, and
that one institution's token reaches nothing of another's, is tested in tests/api/test_portal_api.py.
The admin's API access page follows the settings pages: admins of the institution only.
"""

from .rules import ADMIN_OF_A, NO_SUCH_METHOD, PUBLIC, N, Rule, U, _cells, both, get_only, post_only

TOKEN_ONLY = _cells(U)

# Each endpoint with the methods it takes; any other method is 405 for anyone, before authentication.
API_METHODS = {
    "achievements": "GET POST", "achievement": "GET POST", "associations": "GET POST",
    "association_delete": "POST", "learners": "GET POST", "learner": "GET", "learner_awards": "GET POST",
    "learner_credentials": "GET", "learner_clr": "POST", "awards": "GET", "award": "GET",
    "award_withdraw": "POST", "award_issue": "POST", "imports": "GET POST", "import": "GET",
    "import_commit": "POST", "jobs": "GET POST", "job": "GET", "credentials": "GET", "credential": "GET",
    "credential_revoke": "POST", "credential_suspend": "POST", "credential_unsuspend": "POST", "keys": "GET",
    "keys_rotate": "POST",
}  # fmt: skip
API_ENDPOINTS = sorted(API_METHODS)
# DRF views are csrf_exempt (tests/security/test_csrf.py CSRF_EXEMPT); so is the JSON 404 of /api/v1/.
CSRF_EXEMPT_ENDPOINTS = [*API_ENDPOINTS, "not_found"]


def _token_api(methods: str) -> Rule:
    return Rule(
        get=TOKEN_ONLY if "GET" in methods else NO_SUCH_METHOD,
        post=TOKEN_ONLY if "POST" in methods else NO_SUCH_METHOD,
    )


RULES: dict = {
    **{f"portal_api:{name}": _token_api(methods) for name, methods in API_METHODS.items()},
    # Any other address under /api/v1/: the API's JSON 404 (405 for PUT, PATCH, DELETE), for anyone.
    "portal_api:not_found": both(_cells(N)),
    "portal_api:docs": get_only(PUBLIC),  # Swagger UI of /api/schema/, public as the schema is
    "portal_api:access": get_only(ADMIN_OF_A),
    "portal_api:token_create": post_only(ADMIN_OF_A),  # an empty form is a 400
    "portal_api:token_revoke": post_only(ADMIN_OF_A),
    "portal_api:client_create": post_only(ADMIN_OF_A),
    "portal_api:client_delete": post_only(ADMIN_OF_A),
}
KWARG_BUILDERS: dict = {
    "unknown_path": lambda world: "no/such/endpoint",
    "api_token_id": lambda world: world.extras["portal_api"]["registrar_token"].id,
    "api_client_id": lambda world: world.extras["portal_api"]["client"].pk,
}
KWARG_OVERRIDES: dict = {}
