"""Role checks for views: every page of an institution names the roles that may open it."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect

from .models import Institution, Role


def user_has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def roles_allow(*, held, allowed) -> bool:
    """Whether roles `held` at an institution include one of the roles `allowed` to do something.

    The one test both the pages (institution_role_required) and the portal API (api.permissions) make.
    """
    return bool(set(held) & set(allowed))


def institution_role_required(*roles: str):
    """Let the view run only for a signed-in member holding one of `roles` at the institution in the URL.

    Anonymous visitors go to the login page; members without the role get 403; an unknown institution 404.
    The view receives `request.institution` and `request.roles`.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            institution = get_object_or_404(Institution, slug=slug)
            held = set(
                request.user.memberships.filter(institution=institution).values_list("role", flat=True)
            )
            if not roles_allow(held=held, allowed=roles):
                raise PermissionDenied("You do not hold a role at this institution that allows this page.")
            if Role.ADMIN in held and settings.PORTAL_REQUIRE_ADMIN_MFA and not user_has_mfa(request.user):
                return redirect("mfa_activate_totp")
            request.institution = institution
            request.roles = held
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
