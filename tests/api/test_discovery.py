"""The 1EdTech discovery documents: unprotected, the profiled OpenAPI 3.0 document, absolute URLs, cacheable."""

import pytest
from django.test import Client
from django.urls import reverse

from api import scopes

pytestmark = pytest.mark.django_db
BASE = "https://records.example.edu"


@pytest.fixture(autouse=True)
def _public_address(settings):
    from django.core.cache import cache

    cache.clear()
    settings.PORTAL_BASE_URL = BASE
    settings.PORTAL_TERMS_OF_SERVICE_URL = BASE + "/legal/terms"
    settings.PORTAL_PRIVACY_POLICY_URL = BASE + "/legal/privacy"
    yield
    cache.clear()


SERVICES = [
    pytest.param("/ims/ob/v3p0/discovery", "/ims/ob/v3p0", scopes.OB, "Open Badges 3.0", id="ob"),
    pytest.param(
        "/ims/clr/v2p0/discovery", "/ims/clr/v2p0", scopes.CLR, "Comprehensive Learner Record 2.0", id="clr"
    ),
]


@pytest.mark.parametrize(("url", "base_path", "scope_prefix", "standard"), SERVICES)
def test_the_document_is_the_profiled_openapi_document_with_the_oauth_flow(
    url, base_path, scope_prefix, standard
):
    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"].startswith("3.0")
    info = document["info"]
    assert info["title"] == f"CLR Portal · {standard} API"
    assert info["termsOfService"] == BASE + "/legal/terms"
    assert info["x-imssf-privacyPolicyUrl"] == BASE + "/legal/privacy"
    assert info["x-imssf-image"] == BASE + "/static/favicon.svg"
    assert info["version"]
    assert document["servers"] == [{"url": BASE + base_path, "description": "CLR Portal"}]
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == BASE + reverse("oauth:register")
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == BASE + reverse("oauth:authorize")
    assert flow["tokenUrl"] == BASE + reverse("oauth:token")
    assert flow["refreshUrl"] == BASE + reverse("oauth:token")
    assert set(flow["scopes"]) == {
        scope_prefix + name
        for name in ("credential.readonly", "credential.upsert", "profile.readonly", "profile.update")
    } | {"offline_access"}
    assert set(document["paths"]) == {"/credentials", "/profile", "/discovery"}
    assert set(document["paths"]["/credentials"]) == {"get", "post"}
    assert set(document["paths"]["/profile"]) == {"get", "put"}
    operation = document["paths"]["/credentials"]["get"]
    assert operation["security"] == [{"OAuth2ACG": [scope_prefix + "credential.readonly"]}]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"limit", "offset", "since"}
    assert "security" not in document["paths"]["/discovery"]["get"]


@pytest.mark.parametrize(("url", "base_path", "scope_prefix", "standard"), SERVICES)
def test_every_reference_in_the_document_resolves(url, base_path, scope_prefix, standard):
    document = Client().get(url).json()
    references = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                references.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert references
    for reference in references:
        target = document
        for part in reference.removeprefix("#/").split("/"):
            target = target[part]


@pytest.mark.parametrize("url", ["/ims/ob/v3p0/discovery", "/ims/clr/v2p0/discovery"])
def test_schemathesis_loads_every_operation_and_the_discovery_response_conforms_to_the_document(
    url, settings
):
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    settings.PORTAL_BASE_URL = "http://testserver"
    schema = schemathesis.openapi.from_wsgi(url, get_wsgi_application())
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert {"GET /credentials", "POST /credentials", "GET /profile", "PUT /profile"} <= labels
    case = schema["/discovery"]["GET"].Case()

    response = case.call()

    assert response.status_code == 200
    case.validate_response(response)


@pytest.mark.parametrize("url", ["/ims/ob/v3p0/discovery", "/ims/clr/v2p0/discovery"])
def test_the_document_is_cacheable_and_an_unchanged_one_is_a_304(url):
    first = Client().get(url)
    etag = first["ETag"]

    assert first["Cache-Control"] == "public, max-age=3600"
    assert etag.startswith('"') and etag.endswith('"')
    again = Client().get(url, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert Client().get(url, headers={"if-none-match": f'W/{etag}, "other"'}).status_code == 304
    assert Client().get(url, headers={"if-none-match": '"stale"'}).status_code == 200


def test_the_etag_changes_when_the_document_does(settings):
    before = Client().get("/ims/ob/v3p0/discovery")["ETag"]
    settings.PORTAL_BASE_URL = "https://elsewhere.example.edu"

    after = Client().get("/ims/ob/v3p0/discovery", headers={"if-none-match": before})

    assert after.status_code == 200
    assert after["ETag"] != before
    assert after.json()["servers"][0]["url"] == "https://elsewhere.example.edu/ims/ob/v3p0"


def test_the_ob_and_clr_documents_differ_where_their_standards_do():
    ob = Client().get("/ims/ob/v3p0/discovery").json()
    clr = Client().get("/ims/clr/v2p0/discovery").json()

    assert "AchievementCredential" in ob["components"]["schemas"]
    assert "ClrCredential" in clr["components"]["schemas"]
    assert "GetOpenBadgeCredentialsResponse" in ob["components"]["schemas"]
    assert "GetClrCredentialsResponse" in clr["components"]["schemas"]


def test_discovery_is_never_protected_and_takes_get_only(django_user_model):
    assert Client().get("/ims/ob/v3p0/discovery").status_code == 200
    assert Client().post("/ims/ob/v3p0/discovery").status_code == 405
