"""The OAuth 2.0 endpoints (django-oauth-toolkit's views, 1EdTech's rules) and the learner's connected apps.

- authorize: the consent page (signed in through the real login); its errors as django-oauth-toolkit
  answers them (back to the client, or on the page when the client or its redirect URI is unknown).
- token, revoke: for programs, csrf_exempt as OAuth requires (the client authenticates itself).
- register: RFC 7591 registration as 1EdTech profiles it (api/oauth_registration.py).
- connected apps: the clients the signed-in person authorised, each revocable.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider import views as oauth_views
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import get_application_model

from clrportal.links import link_url

from . import oauth_registration, oauth_services
from .oauth_scopes import describe

# The grants the token endpoint serves; anything else is refused before django-oauth-toolkit sees it.
TOKEN_GRANT_TYPES = {"authorization_code", "refresh_token", "client_credentials"}
MAX_ID = 2**63 - 1  # a larger number in the URL is no application (and no database takes it)


def _https_url(value) -> str:
    url = link_url(value)
    return url if url.startswith("https://") else ""


def client_presentation(application) -> dict:
    """What the consent and connected-apps pages show of a client: only http(s) links, an https logo."""
    registration = getattr(application, "registration", None)
    if registration is None:
        return {"name": application.name or "An application"}
    website = link_url(registration.client_uri)
    return {
        "name": application.name,
        "logo_url": _https_url(registration.logo_uri),
        "website_url": website,
        "website_host": urlsplit(website).hostname if website else "",
        "terms_url": link_url(registration.tos_uri),
        "policy_url": link_url(registration.policy_uri),
    }


class AuthorizeView(oauth_views.AuthorizationView):
    template_name = "api/oauth/authorize.html"
    http_method_names = ["get", "post", "head", "options"]  # a form view would take PUT as a POST

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = context.get("application")
        if application is not None:
            context["client"] = client_presentation(application)
            context["scope_descriptions"] = describe(context.get("scopes", []))
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context.get("application") is not None and context.get("redirect_uri"):
            # The answer to the form is a redirect to the client; browsers hold a form's redirects to the
            # page's form-action, so the consent page allows the client's (registered, checked) origin.
            redirect = urlsplit(context["redirect_uri"])
            response._csp_update = {"form-action": [f"{redirect.scheme}://{redirect.netloc}"]}
        return response

    def redirect(self, redirect_to, application):
        schemes = ["https", "http"] if settings.PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP else ["https"]
        return OAuth2ResponseRedirect(redirect_to, schemes)

    def form_valid(self, form):
        if not get_application_model().objects.filter(client_id=form.cleaned_data["client_id"]).exists():
            return self.render_to_response({"form_error": "This client is not registered."}, status=400)
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response({"form_error": "The consent form was incomplete."}, status=400)


class TokenView(oauth_views.TokenView):
    def post(self, request, *args, **kwargs):
        if request.POST.get("grant_type") not in TOKEN_GRANT_TYPES:
            response = JsonResponse(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be authorization_code, refresh_token or "
                    "client_credentials.",
                },
                status=400,
            )
            response["Cache-Control"] = "no-store"
            return response
        return super().post(request, *args, **kwargs)


def _registration_error(status: int, error: str, description: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # for programs, without cookies: a session is never read here
@require_POST
def register(request):
    limit = settings.PORTAL_OAUTH_REGISTRATION_MAX_BYTES
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = limit + 1
    if length > limit:
        return _registration_error(
            413, "invalid_client_metadata", f"The request is larger than {limit} bytes."
        )
    if request.content_type != "application/json":
        return _registration_error(400, "invalid_client_metadata", "The request must be application/json.")
    body = request.read(limit + 1)
    if len(body) > limit:
        return _registration_error(
            413, "invalid_client_metadata", f"The request is larger than {limit} bytes."
        )
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        return _registration_error(400, "invalid_client_metadata", "The request body is not JSON.")
    try:
        metadata = oauth_registration.client_metadata_check(data)
    except oauth_registration.RegistrationRefused as refused:
        return _registration_error(400, refused.error, refused.description)
    response = JsonResponse(oauth_registration.client_register(metadata=metadata), status=201)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@require_GET
@login_required
def connected_apps(request):
    apps = [
        (app, client_presentation(app.application))
        for app in oauth_services.connected_apps(user=request.user)
    ]
    return render(request, "api/oauth/connected_apps.html", {"apps": apps})


@require_POST
@login_required
def connected_app_revoke(request, application_id: int):
    if application_id > MAX_ID:
        raise Http404("No such application.")
    application = get_application_model().objects.filter(pk=application_id).first()
    if application is None or not oauth_services.connected_app_revoke(
        user=request.user, application_id=application_id
    ):
        raise Http404("You have not authorised this application.")
    messages.success(request, f"{application.name or 'The application'} can no longer reach your records.")
    return redirect("oauth:connected_apps")
