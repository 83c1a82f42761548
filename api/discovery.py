"""The 1EdTech discovery documents, never protected: GET /ims/ob/v3p0/discovery and /ims/clr/v2p0/discovery.

Each is the Service Description Document of OB 3.0 / CLR 2.0 section 7.1.2: the specification's OpenAPI 3.0
file profiled for this portal. `info` has the title, terms of service, privacy policy
(x-imssf-privacyPolicyUrl) and image (x-imssf-image); `components.securitySchemes.OAuth2ACG` names the
registration URL (x-imssf-registrationUrl) and the authorization code flow's authorization, token and
refresh URLs with the scopes; the paths are the service's endpoints. Every URL is absolute, from
settings.PORTAL_BASE_URL. Responses carry Cache-Control and an ETag; a request whose If-None-Match names
it gets 304.
"""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import scopes
from .oauth_scopes import OFFLINE_ACCESS, describe

CACHE_CONTROL = "public, max-age=3600"
JWS_PATTERN = "^[a-zA-Z0-9_-]+\\.[a-zA-Z0-9_-]*\\.[a-zA-Z0-9_-]+$"
JSON_LD_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")


@dataclass(frozen=True)
class Service:
    key: str  # "ob" or "clr"
    base_path: str
    standard: str
    version: str
    credential: str  # the schema name of the credential exchanged
    credentials_response: str
    tag: str
    credential_readonly: str
    credential_upsert: str
    profile_readonly: str
    profile_update: str


SERVICES = {
    "ob": Service(
        "ob", "/ims/ob/v3p0", "Open Badges 3.0", "3.0", "AchievementCredential",
        "GetOpenBadgeCredentialsResponse", "OpenBadgeCredentials", scopes.OB_CREDENTIAL_READONLY,
        scopes.OB_CREDENTIAL_UPSERT, scopes.OB_PROFILE_READONLY, scopes.OB_PROFILE_UPDATE,
    ),
    "clr": Service(
        "clr", "/ims/clr/v2p0", "Comprehensive Learner Record 2.0", "2.0", "ClrCredential",
        "GetClrCredentialsResponse", "ClrCredentials", scopes.CLR_CREDENTIAL_READONLY,
        scopes.CLR_CREDENTIAL_UPSERT, scopes.CLR_PROFILE_READONLY, scopes.CLR_PROFILE_UPDATE,
    ),
}  # fmt: skip


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _status_info(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Imsx_StatusInfo")}}}


ERRORS = {
    "400": "The server cannot or will not process the request: something perceived to be a client error.",
    "401": "The request lacks valid authentication credentials (an access token).",
    "403": "The access token does not allow this operation (its scope).",
    "404": "Not found, or not disclosed.",
    "405": "The method is not allowed.",
    "500": "A catastrophic error; the server avoids it.",
    "default": "The request was invalid or cannot be served; the payload explains the error.",
}


def _errors(*codes: str) -> dict:
    return {code: _status_info(ERRORS[code]) for code in codes}


def _credential_content(service: Service) -> dict:
    content = {media: {"schema": _ref(service.credential)} for media in JSON_LD_TYPES}
    content["text/plain"] = {"schema": {"type": "string", "pattern": JWS_PATTERN}}
    return content


def _paths(service: Service) -> dict:
    def security(scope):
        return [{"OAuth2ACG": [scope]}]

    page = {
        "limit": "The maximum number of credentials to return per page.",
        "offset": "The index of the first credential to return (zero indexed).",
    }
    parameters = [
        {
            "name": name,
            "in": "query",
            "description": description,
            "required": False,
            "schema": {"type": "integer", "format": "int32", "minimum": 1 if name == "limit" else 0},
        }
        for name, description in page.items()
    ] + [
        {
            "name": "since",
            "in": "query",
            "description": "Only include credentials issued after this timestamp.",
            "required": False,
            "schema": {"type": "string", "format": "date-time"},
        }
    ]
    links = {rel: {"$ref": f"#/components/links/{rel}"} for rel in ("next", "last", "first", "prev")}
    profile_content = {"application/json": {"schema": _ref("Profile")}}
    return {
        "/credentials": {
            "get": {
                "tags": [service.tag],
                "summary": "The REST GET operation for the getCredentials() API call.",
                "operationId": "getCredentials",
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": "The learner's credentials that meet the request parameters.",
                        "headers": {"X-Total-Count": {"$ref": "#/components/headers/X-Total-Count"}},
                        "content": {
                            media: {"schema": _ref(service.credentials_response)}
                            for media in ("application/json", "application/ld+json")
                        },
                        "links": links,
                    },
                    **_errors("400", "401", "403", "405", "500", "default"),
                },
                "security": security(service.credential_readonly),
            },
            "post": {
                "tags": [service.tag],
                "summary": "The REST POST operation for the upsertCredential() API call.",
                "operationId": "upsertCredential",
                "requestBody": {"content": _credential_content(service), "required": True},
                "responses": {
                    "200": {
                        "description": "The credential replaced one held.",
                        "content": _credential_content(service),
                    },
                    "201": {
                        "description": "The credential was added.",
                        "content": _credential_content(service),
                    },
                    **_errors("400", "401", "403", "404", "405", "500", "default"),
                },
                "security": security(service.credential_upsert),
            },
        },
        "/profile": {
            "get": {
                "tags": [service.tag],
                "summary": "The REST GET operation for the getProfile() API call.",
                "operationId": "getProfile",
                "responses": {
                    "200": {"description": "The learner's profile.", "content": profile_content},
                    **_errors("400", "401", "403", "404", "405", "500", "default"),
                },
                "security": security(service.profile_readonly),
            },
            "put": {
                "tags": [service.tag],
                "summary": "The REST PUT operation for the putProfile() API call.",
                "operationId": "putProfile",
                "requestBody": {"content": profile_content, "required": True},
                "responses": {
                    "200": {"description": "The profile as updated.", "content": profile_content},
                    **_errors("400", "401", "403", "404", "405", "500", "default"),
                },
                "security": security(service.profile_update),
            },
        },
        "/discovery": {
            "get": {
                "tags": ["Discovery"],
                "summary": "The REST GET operation for the getServiceDescription() API call.",
                "operationId": "getServiceDescription",
                "responses": {
                    "200": {
                        "description": "The service description document.",
                        "content": {"application/json": {"schema": _ref("ServiceDescriptionDocument")}},
                    },
                    **_errors("default"),
                },
            }
        },
    }


def _schemas(service: Service) -> dict:
    credential = {
        "type": "object",
        "description": f"A {service.credential} (a W3C verifiable credential); see the {service.standard} "
        "JSON Schema for all of its properties.",
        "required": ["@context", "type", "issuer", "credentialSubject"],
        "properties": {
            "@context": {"type": "array", "minItems": 1, "items": {}},
            "id": {"type": "string"},
            "type": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "issuer": {"oneOf": [{"type": "string"}, {"type": "object"}]},
            "credentialSubject": {"type": "object"},
        },
        "additionalProperties": True,
    }
    return {
        service.credential: credential,
        service.credentials_response: {
            "type": "object",
            "properties": {
                "credential": {"type": "array", "items": _ref(service.credential)},
                "compactJwsString": {"type": "array", "items": {"type": "string", "pattern": JWS_PATTERN}},
            },
            "additionalProperties": False,
        },
        "Profile": {
            "type": "object",
            "required": ["id", "type"],
            "properties": {
                "id": {"type": "string"},
                "type": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                "name": {"type": "string"},
                "email": {"type": "string"},
            },
            "additionalProperties": True,
        },
        "Imsx_StatusInfo": {
            "type": "object",
            "required": ["imsx_codeMajor", "imsx_severity"],
            "properties": {
                "imsx_codeMajor": {
                    "type": "string",
                    "enum": ["failure", "processing", "success", "unsupported"],
                },
                "imsx_severity": {"type": "string", "enum": ["error", "status", "warning"]},
                "imsx_description": {"type": "string"},
                "imsx_codeMinor": {"type": "object"},
            },
            "additionalProperties": True,
        },
        "ServiceDescriptionDocument": {
            "type": "object",
            "required": ["openapi", "info", "components"],
            "properties": {
                "openapi": {"type": "string"},
                "info": {"type": "object"},
                "components": {"type": "object"},
            },
            "additionalProperties": True,
        },
    }


def _url(name: str) -> str:
    return settings.PORTAL_BASE_URL + reverse(name)


def discovery_document(key: str) -> dict:
    service = SERVICES[key]
    names = (
        service.credential_readonly,
        service.credential_upsert,
        service.profile_readonly,
        service.profile_update,
        OFFLINE_ACCESS,
    )
    flow_scopes = dict(zip(names, describe(names), strict=True))
    name = settings.PORTAL_SERVICE_NAME
    return {
        "openapi": "3.0.1",
        "info": {
            "title": f"{name} · {service.standard} API",
            "description": f"The {service.standard} service API of {name}: a learner's credentials, profile.",
            "termsOfService": settings.PORTAL_TERMS_OF_SERVICE_URL,
            "version": service.version,
            "x-imssf-image": settings.PORTAL_BASE_URL + static("favicon.svg"),
            "x-imssf-privacyPolicyUrl": settings.PORTAL_PRIVACY_POLICY_URL,
        },
        "servers": [{"url": settings.PORTAL_BASE_URL + service.base_path, "description": name}],
        "tags": [{"name": service.tag}, {"name": "Discovery"}],
        "paths": _paths(service),
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant with PKCE (S256)",
                    "x-imssf-name": name,
                    "x-imssf-privacyPolicyUrl": settings.PORTAL_PRIVACY_POLICY_URL,
                    "x-imssf-registrationUrl": _url("oauth:register"),
                    "x-imssf-termsOfServiceUrl": settings.PORTAL_TERMS_OF_SERVICE_URL,
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": _url("oauth:authorize"),
                            "tokenUrl": _url("oauth:token"),
                            "refreshUrl": _url("oauth:token"),
                            "x-imssf-revocationUrl": _url("oauth:revoke"),
                            "scopes": flow_scopes,
                        }
                    },
                }
            },
            "schemas": _schemas(service),
            "headers": {
                "X-Total-Count": {
                    "description": "The total number of credentials that meet the request parameters.",
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
            "links": {
                rel: {
                    "operationId": "getCredentials",
                    "parameters": {"limit": "$request.query.limit", "offset": "$request.query.offset"},
                    "description": f"The {rel} page of credentials (in the Link header).",
                }
                for rel in ("next", "last", "first", "prev")
            },
        },
    }


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def discovery_response(request, key: str) -> HttpResponse:
    body = json.dumps(discovery_document(key), indent=2).encode()
    etag = _etag(body)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_GET
def ob_discovery(request):
    return discovery_response(request, "ob")


@require_GET
def clr_discovery(request):
    return discovery_response(request, "clr")
