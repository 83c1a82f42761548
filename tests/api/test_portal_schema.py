"""The OpenAPI schema describes the portal API (operations, both ways to authenticate, the error shape), and
/api/docs/ shows it with the portal's own copy of Swagger UI."""

import re

import pytest
import yaml
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def portal_operations(schema):
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/") and path != "/api/v1/verify"
        for method, operation in item.items()
    ]


def test_every_endpoint_is_described(schema):
    described = {(path, method) for path, method, _operation in portal_operations(schema)}

    assert {
        ("/api/v1/achievements", "get"), ("/api/v1/achievements", "post"),
        ("/api/v1/achievements/{achievement_id}", "post"), ("/api/v1/learners", "post"),
        ("/api/v1/learners/{learner_id}/awards", "post"), ("/api/v1/awards/{award_id}/withdraw", "post"),
        ("/api/v1/imports", "post"), ("/api/v1/imports/{run_id}/commit", "post"), ("/api/v1/jobs", "post"),
        ("/api/v1/jobs/{job_id}", "get"), ("/api/v1/credentials/{credential_id}/revoke", "post"),
        ("/api/v1/keys/rotate", "post"),
    } <= described  # fmt: skip
    assert ("/api/v1/verify", "post") in {(p, m) for p, item in schema["paths"].items() for m in item}


def test_both_ways_to_authenticate_are_described_and_required_by_every_operation(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["PortalApiToken"] == {**schemes["PortalApiToken"], "type": "http", "scheme": "bearer"}
    assert "clientCredentials" in schemes["OAuth2ClientCredentials"]["flows"]
    for path, method, operation in portal_operations(schema):
        assert {name for requirement in operation["security"] for name in requirement} == {
            "PortalApiToken", "OAuth2ClientCredentials",
        }, (path, method)  # fmt: skip


def test_every_operation_describes_its_refusals_in_the_one_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"message", "extra"}
    for path, method, operation in portal_operations(schema):
        for status in ("401", "403"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method, status)


def test_lists_are_paginated_with_limit_and_offset(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/learners"]["get"]["parameters"]}

    assert {"limit", "offset", "q"} <= parameters


def test_the_docs_page_uses_only_the_portals_own_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(
        asset.startswith(("/static/drf_spectacular_sidecar/", "/api/docs/")) for asset in assets
    )
    assert "<style>" not in page and "<script>" not in page, "nothing inline for the CSP to refuse"
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    for asset in assets:
        assert client.get(asset.replace("&amp;", "&")).status_code == 200, asset
