"""A NUL byte in a query string (PostgreSQL refuses it in any text) gets a 400 that says so, not a 500."""

import pytest

from institutions.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/institutions/{slug}/catalog/?q=%00",
        "/institutions/{slug}/catalog/?type=Course%00",
        "/institutions/{slug}/learners/?q=a%00b",
        "/wallet/?q=%00",
        "/verify/?credential=%00",
    ],
)
def test_a_nul_byte_in_the_query_string_is_refused_with_a_clear_message(client, institution, path):
    user = MembershipFactory(institution=institution, role=Role.REGISTRAR).user
    client.force_login(user)
    response = client.get(path.format(slug=institution.slug))
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_the_api_answers_a_nul_byte_in_the_query_string_in_its_error_shape(client):
    response = client.post("/api/v1/verify?x=%00", data="{}", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("The address contains a NUL character")


def test_an_ordinary_query_string_is_untouched(client, institution):
    client.force_login(MembershipFactory(institution=institution, role=Role.REGISTRAR).user)
    assert client.get(f"/institutions/{institution.slug}/catalog/?q=CS").status_code == 200
