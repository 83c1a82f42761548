from django.conf import settings

from . import home


def portal(request):
    """Names every template may use: the base URL, the user's memberships and contexts, the header's links.

    `portal_contexts` are the roles the person can switch between, `portal_context` the current one,
    `nav_links` the header's links for it (clrportal/home.py decides all three).
    """
    memberships = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        memberships = list(user.memberships.select_related("institution"))
    contexts = home.contexts_for(user=user, memberships=memberships)
    context = home.current_context(request=request, contexts=contexts)
    return {
        "PORTAL_BASE_URL": settings.PORTAL_BASE_URL,
        "my_memberships": memberships,
        "portal_contexts": contexts,
        "portal_context": context,
        "nav_links": home.nav_links(context=context, path=getattr(request, "path", "")),
    }
