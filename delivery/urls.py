"""Wallet delivery: the learner's claim offers, the VCALM interaction URL, the VC-API exchange, LCW's request.

Every address that carries an offer's token is under /interactions/ (redacted in the logs).
"""

from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("wallet/offers/", views.offers, name="offers"),
    path("wallet/offers/new", views.offer_new, name="offer_new"),
    path("wallet/offers/<uuid:offer_id>/", views.offer_detail, name="offer_detail"),
    path("wallet/offers/<uuid:offer_id>/cancel", views.offer_cancel_view, name="offer_cancel"),
    path("interactions/<str:token>", views.interaction, name="interaction"),
    path("interactions/<str:token>/exchange", views.exchange, name="exchange"),
    path("interactions/<str:token>/lcw", views.lcw_request, name="lcw_request"),
    path("interactions/<str:token>/oid4vci-offer", views.oid4vci_offer, name="oid4vci_offer"),
    # OID4VCI 1.0: the Credential Issuer `<portal>/oid4vci` and its Authorization Server (metadata by
    # RFC 8414 path insertion).
    path(
        ".well-known/openid-credential-issuer/oid4vci",
        views.oid4vci_issuer_metadata,
        name="oid4vci_issuer_metadata",
    ),
    path(
        ".well-known/oauth-authorization-server/oid4vci",
        views.oid4vci_authorization_server_metadata,
        name="oid4vci_authorization_server_metadata",
    ),
    path("oid4vci/token", views.oid4vci_token, name="oid4vci_token"),
    path("oid4vci/nonce", views.oid4vci_nonce, name="oid4vci_nonce"),
    path("oid4vci/credential", views.oid4vci_credential, name="oid4vci_credential"),
]
