import mimetypes
import posixpath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from achievements import claims
from institutions.models import Role

from . import home as homes

# The folders of public assets in STORAGES["default"]: achievement images and institution logos. Nothing
# else under MEDIA_ROOT is served (such as SIS or evidence files left there before move_private_files).
PUBLIC_MEDIA_FOLDERS = ("achievements/images/", "institutions/logos/")


@require_GET
def home(request):
    """The home of the person's current context: their record, a registrar's or admin's desk, or the intro."""
    if not request.user.is_authenticated:
        return render(request, "home/anonymous.html")
    context = homes.current_context(request=request)
    if context is None:
        waiting = claims.learners_claimable(request.user).count()
        return render(request, "home/no_role.html", {"waiting": waiting})
    if context.is_student:
        return redirect("wallet:dashboard")
    page = {"context": context, "links": homes.home_links(context=context)}
    if context.role == Role.REGISTRAR:
        return render(
            request,
            "home/registrar.html",
            {**page, "desk": homes.registrar_home(institution=context.institution)},
        )
    if context.role == Role.ADMIN:
        return render(
            request, "home/admin.html", {**page, "health": homes.admin_home(institution=context.institution)}
        )
    return render(request, "home/advisor.html", page)


@require_POST
@login_required
def switch_context(request):
    """Work in another of one's roles: the choice is kept for the session, and its home opens."""
    try:
        homes.context_choose(request=request, key=request.POST.get("context", ""))
    except homes.NotYourContext as refused:
        return render(request, "errors/400.html", {"message": str(refused)}, status=400)
    return redirect("home")


@require_GET
def health(request):
    """For load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def public_media(request, path):
    """A public asset, at the URL credentials carry (MEDIA_URL), in development and production alike.

    Only images in PUBLIC_MEDIA_FOLDERS: a path that is not normal (`..`, `//`) or names another kind of
    file is not found.
    """
    content_type, encoding = mimetypes.guess_type(path)
    if (
        posixpath.normpath(path) != path
        or not path.startswith(PUBLIC_MEDIA_FOLDERS)
        or encoding
        or not (content_type or "").startswith("image/")
        or content_type == "image/svg+xml"
    ):
        raise Http404("No such file.")
    storage = storages["default"]
    try:
        stored = storage.open(path, "rb")
    except (FileNotFoundError, IsADirectoryError, SuspiciousFileOperation):
        raise Http404("No such file.") from None
    response = FileResponse(stored, content_type=content_type)
    # Stored names are never reused (a new upload gets a new name), so a copy may be kept for a day.
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    return response
