"""schemathesis against the 1EdTech discovery documents: requests generated from each document's operations
(GET/POST credentials, GET/PUT profile, discovery), sent with a learner's token holding every scope, get no
5xx and answers that conform to the document (status, content type, body).

The learner holds a signed credential and a CLR, so generated reads page through real credentials.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.ims_support import learner_with_courses, make_token
from tests.api.oauth_helpers import ALL_OB_AND_CLR

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = pytest.mark.django_db


def _document(url):
    @pytest.fixture(scope="module")
    def loaded(django_db_setup, django_db_blocker):
        # The documents name their servers from PORTAL_BASE_URL: here, the WSGI application itself.
        with django_db_blocker.unblock(), override_settings(PORTAL_BASE_URL="http://testserver"):
            return schemathesis.openapi.from_wsgi(url, get_wsgi_application())

    return loaded


ob_document = _document("/ims/ob/v3p0/discovery")
clr_document = _document("/ims/clr/v2p0/discovery")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32 names each operation's subtest through `Function._nodeid`, gone in pytest 9."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture(autouse=True)
def _database_kept_open_between_requests():
    """As Django's test client does: a request's end must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def learner_token(institution, issue, issue_clr):
    user, learner, awards = learner_with_courses(institution, 2)
    issue(awards[0])
    issue_clr(learner)
    return make_token(user, *ALL_OB_AND_CLR.split())


ob = schemathesis.pytest.from_fixture("ob_document")
clr = schemathesis.pytest.from_fixture("clr_document")
EXAMPLES = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@ob.parametrize()
@EXAMPLES
def test_the_open_badges_service_answers_generated_requests_as_its_discovery_document_says(
    case, learner_token
):
    with override_settings(PORTAL_BASE_URL="http://testserver"):
        case.call_and_validate(headers={"Authorization": f"Bearer {learner_token}"}, checks=CHECKS)


@clr.parametrize()
@EXAMPLES
def test_the_clr_service_answers_generated_requests_as_its_discovery_document_says(case, learner_token):
    with override_settings(PORTAL_BASE_URL="http://testserver"):
        case.call_and_validate(headers={"Authorization": f"Bearer {learner_token}"}, checks=CHECKS)
