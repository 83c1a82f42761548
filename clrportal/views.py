import mimetypes
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

# The folders of public assets in STORAGES["default"]: achievement images and institution logos. Nothing
# else under MEDIA_ROOT is served (such as SIS or evidence files left there before move_private_files).
PUBLIC_MEDIA_FOLDERS = ("achievements/images/", "institutions/logos/")


@require_GET
def home(request):
    return render(request, "home.html")


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
