"""The 1EdTech service API's resources (OB 3.0 and CLR 2.0 section 6): credentials and profile.

Thin views: who asks (`ims_auth`), what they ask (query parameters, bodies bounded before they are
read), then `ims_selectors` / `ims_services`. Every refusal is an imsx_StatusInfo (`ims_errors`).
"""

import json
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from vc import json_text
from vc.errors import VcError
from wallet.verification import upload_max_bytes, upload_too_large_message

from . import scopes
from .ims_auth import authorised_user
from .ims_errors import JSON, ImsError, bad_query, bad_request, error_response
from .ims_selectors import credentials_body, credentials_page, learner_profile
from .ims_services import credential_upsert, profile_update
from .models import Standard

SCOPES = {
    Standard.OB: {
        "read": scopes.OB_CREDENTIAL_READONLY, "upsert": scopes.OB_CREDENTIAL_UPSERT,
        "profile": scopes.OB_PROFILE_READONLY, "profile_update": scopes.OB_PROFILE_UPDATE,
    },
    Standard.CLR: {
        "read": scopes.CLR_CREDENTIAL_READONLY, "upsert": scopes.CLR_CREDENTIAL_UPSERT,
        "profile": scopes.CLR_PROFILE_READONLY, "profile_update": scopes.CLR_PROFILE_UPDATE,
    },
}  # fmt: skip
JSON_LD_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")
JWT_TYPES = ("text/plain",)
DEFAULT_LIMIT = MAX_LIMIT = 100
PROFILE_MAX_BYTES = 64 * 1024
# Writes (each upsert runs a verification) per learner per minute; IMS_WRITES_PER_MINUTE in settings.
WRITES_PER_MINUTE = 60


def ims_endpoint(*methods: str):
    """A resource of the service API: csrf-exempt (bearer tokens, never cookies), 405 for other methods,
    ImsError as its imsx_StatusInfo."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise ImsError(
                        405, "not_allowed", f"{request.method} is not a method of this resource; it takes "
                        f"{', '.join(methods)}.", headers={"Allow": ", ".join(methods)},
                    )  # fmt: skip
                response = view(request, *args, **kwargs)
            except ImsError as error:
                response = error_response(error)
            response["Cache-Control"] = "no-store"  # a learner's own data, for their client only
            return response

        return wrapper

    return decorate


# --- requests ----------------------------------------------------------------------------------------


def _non_negative(query, name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 12:
        raise bad_query(f"{name} must be a whole number of at least {1 if name == 'limit' else 0}.")
    return int(raw)


def _since(query) -> datetime | None:
    raw = query.get("since")
    if raw is None:
        return None
    if "T" in raw:
        raw = raw.replace(" ", "+")  # a "+hh:mm" offset sent unencoded in the query string
    try:
        since = datetime.fromisoformat(raw)
        # In UTC: PostgreSQL takes offsets up to 15:59 only, ISO 8601 (and Python) up to 23:59.
        return (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise bad_query("since must be a date and time (ISO 8601, e.g. 2025-01-31T00:00:00Z).") from exc


def _paging(request) -> tuple[int, int, datetime | None]:
    limit = _non_negative(request.GET, "limit", DEFAULT_LIMIT)
    if limit == 0:
        raise bad_query("limit must be a whole number of at least 1.")
    return min(limit, MAX_LIMIT), _non_negative(request.GET, "offset", 0), _since(request.GET)


def _link(request, rel: str, limit: int, offset: int) -> str:
    query = {key: value for key, value in request.GET.items() if key not in ("limit", "offset")}
    query.update(limit=limit, offset=offset)
    return f'<{request.build_absolute_uri(request.path)}?{urlencode(query)}>; rel="{rel}"'


def _links(request, *, limit: int, offset: int, total: int) -> str:
    """RFC 8288 Link header: first and last always, next while more remain, prev past the first page."""
    last = ((total - 1) // limit) * limit if total else 0
    links = [_link(request, "first", limit, 0), _link(request, "last", limit, last)]
    if offset + limit < total:
        links.append(_link(request, "next", limit, offset + limit))
    if offset > 0:
        links.append(_link(request, "prev", limit, max(offset - limit, 0)))
    return ", ".join(links)


def _count_write(user) -> None:
    """429 once the learner has written more than the limit this minute (shared cache, all processes)."""
    limit = getattr(settings, "IMS_WRITES_PER_MINUTE", WRITES_PER_MINUTE)
    minute = int(datetime.now(UTC).timestamp() // 60)
    key = f"ims-writes:{user.pk}:{minute}"
    cache.add(key, 0, timeout=120)
    if cache.incr(key) > limit:
        raise ImsError(
            429, "server_busy", f"More than {limit} writes in a minute: try again shortly.",
            headers={"Retry-After": str(60 - int(datetime.now(UTC).timestamp()) % 60)},
        )  # fmt: skip


def _body_text(request, *, accepted: tuple[str, ...], max_bytes: int) -> str:
    """The request body as text, when its media type is accepted and it is within `max_bytes`."""
    if request.content_type not in accepted:
        raise ImsError(
            415, "invalid_data",
            f"The body must be one of {', '.join(accepted)} (it was {request.content_type or 'not named'}).",
        )  # fmt: skip
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ImsError(415, "invalid_data", "The body must be UTF-8.")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise bad_request("The Content-Length header is not a number.") from exc
    if declared > max_bytes:
        raise ImsError(413, "invalid_data", upload_too_large_message(declared))
    data = request.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImsError(413, "invalid_data", upload_too_large_message(len(data)))
    if not data.strip():
        raise bad_request("The body is empty.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request("The body is not UTF-8 text.") from exc


# --- resources ---------------------------------------------------------------------------------------


@ims_endpoint("GET", "POST")
def credentials(request, standard: str):
    """GET: the learner's credentials of the standard, by pages. POST: upsert one into their wallet."""
    if request.method == "GET":
        user = authorised_user(request, scope=SCOPES[standard]["read"])
        limit, offset, since = _paging(request)
        page = credentials_page(user=user, standard=standard, limit=limit, offset=offset, since=since)
        response = HttpResponse(credentials_body(page), content_type=JSON)
        response["X-Total-Count"] = str(page.total)
        response["Link"] = _links(request, limit=limit, offset=offset, total=page.total)
        return response
    user = authorised_user(request, scope=SCOPES[standard]["upsert"])
    _count_write(user)
    text = _body_text(request, accepted=JSON_LD_TYPES + JWT_TYPES, max_bytes=upload_max_bytes())
    result = credential_upsert(
        user=user, standard=standard, text=text, is_jwt=request.content_type in JWT_TYPES
    )
    return HttpResponse(
        result.body,
        status=201 if result.created else 200,
        content_type="text/plain" if result.is_jwt else JSON,
    )


@ims_endpoint("GET", "PUT")
def profile(request, standard: str):
    """GET: the learner's Profile. PUT: replace what they may change of it."""
    if request.method == "GET":
        user = authorised_user(request, scope=SCOPES[standard]["profile"])
        return HttpResponse(json.dumps(learner_profile(user=user)), content_type=JSON)
    user = authorised_user(request, scope=SCOPES[standard]["profile_update"])
    _count_write(user)
    text = _body_text(request, accepted=JSON_LD_TYPES, max_bytes=PROFILE_MAX_BYTES)
    try:
        sent = json_text.loads(text)
    except VcError as exc:
        raise bad_request(f"The body is not a JSON Profile: {exc.reason}") from exc
    return HttpResponse(json.dumps(profile_update(user=user, profile=sent)), content_type=JSON)


@ims_endpoint("GET", "POST")
def not_found(request, standard: str, resource: str):
    raise ImsError(
        404, "not_found", f"This service API has no resource {resource!r}: it has credentials and profile."
    )
