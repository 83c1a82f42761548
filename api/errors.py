"""The portal API's one error shape, `{"message": ..., "extra": {...}}`, for every refusal of its views.

Built on the project's handler (clrportal.errors.api_exception_handler, the same shape), adding what the
portal API meets: field problems of the domain's own validation (`extra.fields`), bodies over the limit
(413), and the `WWW-Authenticate` challenge of a 401. Applied by api.portal_views.PortalApiView only, so
other APIs keep their own.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status

from clrportal.errors import api_exception_handler


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this endpoint takes."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's state does not allow this."
    default_code = "conflict"


def validation_problems(error: DjangoValidationError) -> dict:
    """A Django ValidationError as `{"fields": {name: [messages]}}` (`non_field_errors` for the rest)."""
    if hasattr(error, "error_dict"):
        return {
            "fields": {
                name: [m for e in errors for m in e.messages] for name, errors in error.error_dict.items()
            }
        }
    return {"fields": {"non_field_errors": error.messages}}


def portal_api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError("The upload has more fields or files than this endpoint takes.")
    if isinstance(exc, DjangoValidationError):
        problems = validation_problems(exc)
        response = api_exception_handler(exceptions.ValidationError(detail=problems["fields"]), context)
        response.data["message"] = (
            " ".join(message for messages in problems["fields"].values() for message in messages)[:1000]
            or "Validation error"
        )
        return response
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data["message"] = _first_problem(response.data["extra"].get("fields")) or "Validation error"
    if response.status_code == status.HTTP_404_NOT_FOUND and response.data["message"] == "Not found.":
        response.data["message"] = "No such object at this institution."
    return response


def _first_problem(fields) -> str:
    """A readable summary of DRF field errors: `name: problem` of the first field that has one."""
    if isinstance(fields, list):
        fields = {"non_field_errors": fields}
    if not isinstance(fields, dict):
        return ""
    for name, problems in fields.items():
        while isinstance(problems, dict | list) and problems:
            if isinstance(problems, dict):
                name, problems = next(iter(problems.items()))
            else:
                problems = next((p for p in problems if p), "")
        if problems:
            return f"{name}: {problems}" if name != "non_field_errors" else str(problems)
    return ""
