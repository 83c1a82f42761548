"""Authorization rules of the delivery URLs (merged into tests/security/rules.py; same shapes and names there)."""

from .rules import NO_SUCH_METHOD, OWNED_BY_A1, PUBLIC, SIGNED_IN, Rule, U, _cells, get_only, post_only

RULES: dict = {
    # The learner's claim offers (tests/delivery/test_vcapi_exchange.py): their own only, 404 for others.
    "delivery:offers": get_only(SIGNED_IN),
    "delivery:offer_new": post_only(SIGNED_IN),  # an empty form: a message and back to the list
    "delivery:offer_detail": get_only(OWNED_BY_A1),
    "delivery:offer_cancel": post_only(OWNED_BY_A1),
    # The offer's token is the authority: whoever holds the QR code may claim it (once, for a DID whose
    # key they prove control of). A session cookie is never read.
    "delivery:interaction": get_only(PUBLIC),
    "delivery:exchange": Rule(get=NO_SUCH_METHOD, post=PUBLIC),  # POST {}: the DIDAuthentication request
    "delivery:lcw_request": Rule(get=NO_SUCH_METHOD, post=PUBLIC),  # no presentation: a 400
    # OID4VCI 1.0 (tests/delivery/test_oid4vci.py): public metadata; the offer's token, the pre-authorized
    # code, the access token and the key proof are the authority, never a session.
    "delivery:oid4vci_offer": get_only(PUBLIC),
    "delivery:oid4vci_issuer_metadata": get_only(PUBLIC),
    "delivery:oid4vci_authorization_server_metadata": get_only(PUBLIC),
    "delivery:oid4vci_token": post_only(PUBLIC),  # an empty form: 400 unsupported_grant_type
    "delivery:oid4vci_nonce": post_only(PUBLIC),
    # Token-authenticated: without an access token, 401 invalid_token for everyone.
    "delivery:oid4vci_credential": post_only(_cells(U)),
}
KWARG_BUILDERS: dict = {
    "offer_id": lambda world: world.extras["delivery_offer"].id,
}
KWARG_OVERRIDES: dict = {
    (name, "token"): lambda world: world.extras["delivery_offer_token"]
    for name in (
        "delivery:interaction",
        "delivery:exchange",
        "delivery:lcw_request",
        "delivery:oid4vci_offer",
    )
}
