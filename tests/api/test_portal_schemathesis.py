"""schemathesis against /api/schema/: requests generated from the portal API's OpenAPI description, sent with
an admin's API token, get no 5xx and answers that conform to the schema (status, content type, body).

The institution has a catalog entry, a learner and an award, so generated requests also meet real objects.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.world_portal_api import api_access

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def portal_api_schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():  # the request's middleware may look at the (test) database
        loaded = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    return loaded.include(path_regex=r"^/api/v1/")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32's lazy loader names each operation's subtest through `Function._nodeid`, which
    pytest 9 no longer has: give it the node id it expects."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture(autouse=True)
def _database_kept_open_between_requests():
    """As Django's test client does: a request's end must not close the connection holding the test's
    transaction (schemathesis calls the WSGI application directly)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, institution, admin_user, award):
    return api_access(institution, admin=admin_user)["admin_secret"]


schema = schemathesis.pytest.from_fixture("portal_api_schema")


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_portal_api_answers_generated_requests_as_its_schema_says(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
