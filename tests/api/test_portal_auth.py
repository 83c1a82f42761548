"""Who gets into the portal API: live API tokens and institution clients' access tokens, nothing else."""

import base64
import datetime
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from api import tokens
from api.models import ApiToken
from institutions.models import Role
from tests.security.test_log_scan import logs  # noqa: F401 (the log scan's fixture)
from tests.security.world_portal_api import api_access, client_access_token

pytestmark = pytest.mark.django_db
LEARNERS = reverse("portal_api:learners")


@pytest.fixture
def access(institution, admin_user):
    return api_access(institution, admin=admin_user)


def get(token, path=LEARNERS, scheme="Bearer"):
    return Client().get(path, headers={"Authorization": f"{scheme} {token}"} if token is not None else {})


def assert_unauthenticated(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="portal-api"'
    assert set(response.json()) == {"message", "extra"}
    return response.json()["message"]


def test_a_live_api_token_gets_in(access):
    assert get(access["registrar_secret"]).status_code == 200


def test_no_token_is_401_with_a_bearer_challenge():
    assert "credentials were not provided" in assert_unauthenticated(get(None))


def test_an_unknown_a_malformed_or_a_basic_credential_is_401(access):
    assert "not valid" in assert_unauthenticated(get("clrp_" + "x" * 43))
    assert "not valid" in assert_unauthenticated(get("nothing-like-a-token"))
    assert "Bearer <token>" in assert_unauthenticated(get(access["registrar_secret"] + " extra"))
    assert "not valid" in assert_unauthenticated(get("clrp_" + "x" * 600))
    assert get(access["registrar_secret"], scheme="Basic").status_code == 401


def test_a_signed_in_admins_session_is_no_credential_for_the_api(client, access, admin_user):
    client.force_login(admin_user)

    assert_unauthenticated(client.get(LEARNERS))


def test_a_revoked_token_is_refused(access, admin_user):
    tokens.api_token_revoke(token=access["registrar_token"], actor=admin_user)

    assert "revoked" in assert_unauthenticated(get(access["registrar_secret"]))


def test_an_expired_token_is_refused(access):
    ApiToken.objects.filter(pk=access["registrar_token"].pk).update(expires_at=timezone.now())

    assert_unauthenticated(get(access["registrar_secret"]))


def test_only_the_tokens_hash_is_kept_and_its_prefix_tells_it_apart(access):
    token, secret = access["registrar_token"], access["registrar_secret"]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()

    assert stored["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(stored)
    assert secret.startswith(stored["prefix"]) and len(stored["prefix"]) == 12


def test_last_used_is_written_at_most_once_a_minute(access):
    token = access["registrar_token"]
    assert get(access["registrar_secret"]).status_code == 200
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None

    assert get(access["registrar_secret"]).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    assert get(access["registrar_secret"]).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_an_institution_clients_access_token_gets_in_and_an_expired_one_does_not(access):
    assert get(access["client_access_token"]).status_code == 200

    get_access_token_model().objects.filter(application=access["client"].application).update(
        expires=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert_unauthenticated(get(access["client_access_token"]))


def _client_credentials_grant(access, *, secret: str | None = None):
    """The token endpoint's answer to the client credentials grant, with HTTP Basic as the client."""
    client_id, secret = access["client"].application.client_id, secret or access["client_secret"]
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return Client().post(
        reverse("oauth:token"),
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )


def test_a_client_gets_its_access_token_from_the_token_endpoint_and_calls_the_api(access):
    """The client credentials grant end to end: HTTP Basic with the id and secret shown once."""
    issued = _client_credentials_grant(access)

    assert issued.status_code == 200, issued.content
    assert get(issued.json()["access_token"]).status_code == 200
    assert _client_credentials_grant(access, secret="not-the-secret").status_code == 401


def test_a_removed_clients_tokens_stop_working(access, admin_user):
    tokens.institution_client_delete(client=access["client"], actor=admin_user)

    assert_unauthenticated(get(access["client_access_token"]))


def _second_admin(institution):
    from institutions.services import membership_grant
    from tests.factories import UserFactory

    other = UserFactory()
    membership_grant(user=other, institution=institution, role=Role.ADMIN)
    return other


@pytest.mark.parametrize("secret", ["admin_secret", "registrar_secret", "client_access_token"])
def test_tokens_and_clients_stop_working_when_their_maker_leaves_the_institution(
    access, institution, admin_user, secret
):
    """Whoever made a token saw its secret: once they no longer administer the institution, it is dead."""
    from institutions.services import member_remove

    member_remove(institution=institution, user=admin_user, actor=_second_admin(institution))

    message = assert_unauthenticated(get(access[secret]))
    assert "no longer an administrator" in message and institution.name in message


def test_tokens_stop_working_when_their_maker_is_no_longer_an_admin_or_is_deactivated(
    access, institution, admin_user
):
    from institutions.services import member_roles_set

    member_roles_set(institution=institution, user=admin_user, roles={Role.REGISTRAR},
                     actor=_second_admin(institution))  # fmt: skip
    assert_unauthenticated(get(access["registrar_secret"]))

    member_roles_set(institution=institution, user=admin_user, roles={Role.ADMIN}, actor=None)
    assert get(access["registrar_secret"]).status_code == 200  # an admin again: it works again

    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])
    assert_unauthenticated(get(access["registrar_secret"]))
    assert_unauthenticated(get(access["client_access_token"]))


def test_the_token_endpoint_gives_no_access_token_to_a_client_whose_maker_left(
    access, institution, admin_user
):
    from institutions.services import member_remove

    member_remove(institution=institution, user=admin_user, actor=_second_admin(institution))
    refused = _client_credentials_grant(access)

    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client", refused.content


def test_a_token_whose_makers_account_is_deleted_is_refused(access, admin_user):
    admin_user.delete()

    assert_unauthenticated(get(access["registrar_secret"]))
    assert_unauthenticated(get(access["client_access_token"]))


def test_a_learners_oauth_token_is_refused(access, student_user):
    application = get_application_model().objects.create(
        name="A wallet", client_type="confidential", authorization_grant_type="authorization-code",
        redirect_uris="https://wallet.example/callback",
    )  # fmt: skip
    get_access_token_model().objects.create(
        application=application, user=student_user, token="learner-token-123456", scope="",
        expires=timezone.now() + datetime.timedelta(hours=1),
    )  # fmt: skip

    assert "learner's authorisation" in assert_unauthenticated(get("learner-token-123456"))


def test_a_token_of_a_client_that_is_not_an_institutions_is_refused(access):
    application = get_application_model().objects.create(
        name="Some client", client_type="confidential", authorization_grant_type="client-credentials"
    )
    get_access_token_model().objects.create(
        application=application, user=None, token="stray-client-token-1234", scope="",
        expires=timezone.now() + datetime.timedelta(hours=1),
    )  # fmt: skip

    assert_unauthenticated(get("stray-client-token-1234"))


def test_an_advisor_role_cannot_be_given_to_a_token(institution, admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        tokens.api_token_create(institution=institution, role=Role.ADVISOR, name="x", actor=admin_user)


def test_no_token_or_client_secret_reaches_the_logs(client, institution, access, admin_user, logs):  # noqa: F811
    other = client_access_token(access["client"])
    client.force_login(admin_user)
    made = client.post(
        reverse("portal_api:token_create", kwargs={"slug": institution.slug}),
        {"name": "Logged?", "role": "admin"},
    )
    from_page = re.search(r'id="created-secret" type="text" readonly value="([^"]+)"', made.content.decode())[
        1
    ]
    assert get(from_page).status_code == 200
    assert get(access["registrar_secret"]).status_code == 200
    assert get(access["admin_secret"], reverse("portal_api:keys")).status_code == 200
    assert get(access["registrar_secret"], reverse("portal_api:keys")).status_code == 403
    assert get(other, reverse("portal_api:learner", kwargs={"learner_id": 999999})).status_code == 404
    tokens.api_token_revoke(token=access["registrar_token"], actor=admin_user)
    assert get(access["registrar_secret"]).status_code == 401

    text = logs.assert_free_of(
        {
            "registrar token": access["registrar_secret"],
            "admin token": access["admin_secret"],
            "client secret": access["client_secret"],
            "client access token": other,
            "token made on the page": from_page,
        }
    )
    assert "Unauthorized: /api/v1/learners" in text, "the 401 was among the lines scanned"
