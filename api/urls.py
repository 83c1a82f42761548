"""The APIs' URLs: each part keeps its own module (and namespace)."""

from django.urls import include, path

urlpatterns = [
    path("", include("api.oauth_urls")),  # OAuth 2.0: authorize, token, revoke, registration, consent
    path("", include("api.ims_urls")),  # the 1EdTech service API: /ims/ob/v3p0/..., /ims/clr/v2p0/...
    path("", include("api.portal_urls")),  # the portal's REST API for institution systems: /api/v1/...
]
