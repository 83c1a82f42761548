"""The 1EdTech service API's errors: an `imsx_StatusInfo` object with the HTTP status that goes with it.

OB 3.0 / CLR 2.0 section 6.3 (Imsx_StatusInfo): `imsx_codeMajor` "failure", `imsx_severity` "error", a
description for a person, and one `imsx_codeMinor` field whose value names the kind of failure.
"""

import json

from django.http import HttpResponse

# The system that reports the code minor (the imsx_codeMinorFieldName convention of 1EdTech APIs).
FIELD_NAME = "TargetEndSystem"
JSON = "application/json"


class ImsError(Exception):
    """A request the service API refuses: `status`, the imsx code minor value, and what to tell the client."""

    def __init__(self, status: int, code_minor: str, description: str, *, headers: dict | None = None):
        super().__init__(description)
        self.status = status
        self.code_minor = code_minor
        self.description = description
        self.headers = headers or {}


def status_info(*, code_minor: str, description: str) -> dict:
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": FIELD_NAME, "imsx_codeMinorFieldValue": code_minor}
            ]
        },
    }


def error_response(error: ImsError) -> HttpResponse:
    body = status_info(code_minor=error.code_minor, description=error.description)
    response = HttpResponse(json.dumps(body), status=error.status, content_type=JSON)
    for name, value in error.headers.items():
        response[name] = value
    return response


def bad_request(description: str) -> ImsError:
    return ImsError(400, "invalid_data", description)


def bad_query(description: str) -> ImsError:
    return ImsError(400, "invalid_query_parameter", description)
