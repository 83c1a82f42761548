"""One error shape at the API boundary, {"message": ..., "extra": {...}}; pages say the same to a person."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from vc.errors import VcError


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail={"errors": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, VcError):
        return Response({"message": exc.reason, "extra": dict(exc.extra)}, status=400)

    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"message": "Validation error", "extra": {"fields": detail}}
    else:
        message = detail.get("detail", str(exc)) if isinstance(detail, dict) else str(detail)
        response.data = {"message": str(message), "extra": {}}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["extra"] = {"retry_after": exc.wait}  # as the Retry-After header
    return response


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def server_error(request):
    # No request context: the context processors may need the database that just failed.
    return HttpResponseServerError(render_to_string("errors/500.html"))


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


class FriendlyNotFoundMiddleware:
    """Under DEBUG too, a person who reaches no page sees the portal's 404 page, not Django's technical one.

    Without DEBUG, handler404 already answers so; with it, Django shows its URL list instead. The last
    middleware, so the header knows who is signed in and CommonMiddleware can still append a slash.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404:
                return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
