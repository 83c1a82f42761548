"""GET and PUT profile of the 1EdTech service API (OB 3.0 / CLR 2.0 6.2.4-5): the learner's Profile,
and what of it they may change."""

import json

import pytest

from api.models import LearnerProfile
from tests.factories import UserFactory

from .ims_support import (  # noqa: F401  (fixtures)
    CLR,
    CLR_PROFILE,
    CLR_PROFILE_UPDATE,
    OB,
    OB_PROFILE,
    OB_PROFILE_UPDATE,
    OB_READ,
    assert_valid,
    bearer,
    fresh_write_counts,
    make_token,
    status_info,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(first_name="Maya", last_name="Chen", email="maya@example.edu")


def _get(client, token, base=OB):
    return client.get(base + "profile", **bearer(token))


def _put(client, token, profile, base=OB, content_type="application/json"):
    body = profile if isinstance(profile, str) else json.dumps(profile)
    return client.put(base + "profile", body, content_type=content_type, **bearer(token))


def test_the_profile_names_the_learner_and_their_email_and_meets_the_schema(client, user):
    response = _get(client, make_token(user, OB_PROFILE))

    assert response.status_code == 200
    profile = response.json()
    assert_valid("ob_profile", profile)
    assert profile["id"].startswith("urn:uuid:")
    assert (profile["type"], profile["name"], profile["givenName"], profile["familyName"], profile["email"]) == (
        "Profile", "Maya Chen", "Maya", "Chen", "maya@example.edu",
    )  # fmt: skip
    clr = _get(client, make_token(user, CLR_PROFILE), CLR)
    assert_valid("clr_profile", clr.json())
    assert clr.json() == profile


def test_the_profile_id_is_stable_and_differs_between_learners(client, user):
    other = UserFactory()
    first = _get(client, make_token(user, OB_PROFILE)).json()["id"]
    assert _get(client, make_token(user, OB_PROFILE)).json()["id"] == first
    assert _get(client, make_token(other, OB_PROFILE)).json()["id"] != first


def test_put_changes_the_names_and_keeps_what_the_learner_may_add(client, user):
    token = make_token(user, OB_PROFILE, OB_PROFILE_UPDATE)
    profile = _get(client, token).json()
    profile.update(
        givenName="Maya L.", familyName="Chen-Ortiz", description="Software engineer", phone="+1 555 0100"
    )

    response = _put(client, token, profile)

    assert response.status_code == 200
    assert_valid("ob_profile", response.json())
    assert response.json() == _get(client, token).json()
    assert {k: response.json()[k] for k in ("givenName", "familyName", "description", "phone")} == {
        "givenName": "Maya L.", "familyName": "Chen-Ortiz", "description": "Software engineer", "phone": "+1 555 0100",
    }  # fmt: skip
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Maya L.", "Chen-Ortiz")


def test_put_replaces_what_was_added_before(client, user):
    token = make_token(user, OB_PROFILE, OB_PROFILE_UPDATE)
    profile = _get(client, token).json()
    _put(client, token, dict(profile, description="First"))
    response = _put(client, token, profile)
    assert "description" not in response.json()
    assert LearnerProfile.objects.get(user=user).data.get("description") is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"email": "someone@else.example"}, "e-mail"),
        ({"id": "urn:uuid:00000000-0000-0000-0000-000000000000"}, "id"),
        ({"type": "Person"}, "type must be Profile"),
        ({"dateOfBirth": "2000-01-01"}, "dateOfBirth"),
        ({"givenName": 42}, "schema"),
        ({"givenName": "x" * 200}, "at most"),
    ],
)
def test_put_refuses_what_the_learner_may_not_change_and_changes_nothing(client, user, change, words):
    token = make_token(user, OB_PROFILE, OB_PROFILE_UPDATE)
    profile = dict(_get(client, token).json(), **change)

    body = status_info(_put(client, token, profile), 400, "invalid_data")

    assert words in body["imsx_description"]
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Maya", "maya@example.edu")
    assert not LearnerProfile.objects.exists()


def test_put_needs_json_a_bounded_body_and_the_update_scope_of_the_standard(client, user):
    token = make_token(user, OB_PROFILE, OB_PROFILE_UPDATE)
    profile = _get(client, token).json()
    status_info(_put(client, token, "{oops"), 400, "invalid_data")
    status_info(_put(client, token, json.dumps(profile), content_type="text/plain"), 415, "invalid_data")
    status_info(_put(client, token, dict(profile, description="x" * 70_000)), 413, "invalid_data")
    status_info(_put(client, make_token(user, OB_PROFILE), profile), 403, "forbidden")
    status_info(_put(client, make_token(user, CLR_PROFILE_UPDATE), profile), 403, "forbidden")
    status_info(_get(client, make_token(user, OB_READ)), 403, "forbidden")
    status_info(_get(client, "nope"), 401, "unauthorizedrequest")
    assert _put(client, make_token(user, CLR_PROFILE_UPDATE), profile, CLR).status_code == 200


def test_profile_takes_get_and_put_only(client, user):
    response = client.post(OB + "profile", {}, **bearer(make_token(user, OB_PROFILE)))
    status_info(response, 405, "not_allowed")
    assert response["Allow"] == "GET, PUT"


def test_put_without_a_token_is_401_and_patch_and_delete_are_405(client, login, user):
    login(user)  # a session is no credential here
    status_info(client.put(OB + "profile", "{}", content_type="application/json"), 401, "unauthorizedrequest")
    for method in (client.patch, client.delete):
        status_info(method(OB + "profile"), 405, "not_allowed")


def test_the_name_follows_the_new_names_unless_the_learner_sets_another(client, user):
    token = make_token(user, OB_PROFILE, OB_PROFILE_UPDATE)
    profile = _get(client, token).json()

    renamed = _put(client, token, dict(profile, givenName="Robin", familyName="Okafor")).json()
    chosen = _put(client, token, dict(renamed, name="Dr. R. Okafor")).json()

    assert renamed["name"] == "Robin Okafor"
    assert chosen["name"] == "Dr. R. Okafor"
