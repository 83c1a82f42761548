from django.conf import settings


def portal(request):
    """Names every template may use: the portal's base URL and the user's memberships."""
    memberships = []
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        memberships = list(request.user.memberships.select_related("institution"))
    return {"PORTAL_BASE_URL": settings.PORTAL_BASE_URL, "my_memberships": memberships}
