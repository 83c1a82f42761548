"""Requests refused before any view runs, with the message a person or a program needs."""

from django.http import JsonResponse
from django.shortcuts import render

NUL_MESSAGE = "The address contains a NUL character (%00), which no field of this portal can hold."


class RejectNulInQueryMiddleware:
    """A NUL byte in the query string is refused with a 400: PostgreSQL cannot store or compare one.

    Form fields already refuse NUL (Django's ProhibitNullCharactersValidator); query parameters read
    straight from request.GET (searches, filters, links to verify) would otherwise reach the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET.lists()
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in query):
            if request.path.startswith("/api/"):
                return JsonResponse({"message": NUL_MESSAGE, "extra": {}}, status=400)
            return render(request, "errors/400.html", {"message": NUL_MESSAGE}, status=400)
        return self.get_response(request)
