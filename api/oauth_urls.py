"""oauth URLs: the OAuth 2.0 endpoints, the 1EdTech discovery documents, the learner's connected apps."""

from django.urls import path
from oauth2_provider.views import RevokeTokenView

from . import discovery, oauth_views
from .oauth_ratelimits import rate_limited

app_name = "oauth"
urlpatterns = [
    path("ims/ob/v3p0/discovery", rate_limited("discovery")(discovery.ob_discovery), name="ob_discovery"),
    path("ims/clr/v2p0/discovery", rate_limited("discovery")(discovery.clr_discovery), name="clr_discovery"),
    path(
        "oauth/authorize",
        rate_limited("authorize", page=True)(oauth_views.AuthorizeView.as_view()),
        name="authorize",
    ),
    path("oauth/token", rate_limited("token")(oauth_views.TokenView.as_view()), name="token"),
    # RFC 7009 as django-oauth-toolkit has it (the client's own tokens only; revoking either ends both).
    path("oauth/revoke", rate_limited("token")(RevokeTokenView.as_view()), name="revoke"),
    path("oauth/register", rate_limited("registration")(oauth_views.register), name="register"),
    path("accounts/connected-apps/", oauth_views.connected_apps, name="connected_apps"),
    path(
        "accounts/connected-apps/<int:application_id>/revoke",
        oauth_views.connected_app_revoke,
        name="connected_app_revoke",
    ),
]
