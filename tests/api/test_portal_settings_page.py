"""The admin's API access page: a token or client is shown once, only its hash is kept, and it is revoked."""

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_application_model

from api.models import ApiToken, InstitutionClient
from institutions.models import AuditEntry
from tests.security.world_portal_api import client_access_token

pytestmark = pytest.mark.django_db
SECRET = re.compile(r'id="created-secret" type="text" readonly value="([^"]+)"')


def page(institution, name="access", **kwargs):
    return reverse(f"portal_api:{name}", kwargs={"slug": institution.slug, **kwargs})


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_settings_page_links_to_api_access(admin, institution):
    body = admin.get(reverse("institutions:settings", kwargs={"slug": institution.slug})).content.decode()

    assert f'href="{page(institution)}"' in body


def test_a_new_token_is_shown_once_and_only_its_hash_kept(admin, institution, admin_user):
    made = admin.post(page(institution, "token_create"), {"name": "SIS nightly", "role": "registrar"})

    assert made.status_code == 201
    assert made["Cache-Control"] == "private, no-store"
    secret = SECRET.search(made.content.decode()).group(1)
    assert secret.startswith("clrp_")
    token = ApiToken.objects.get(institution=institution, name="SIS nightly")
    assert (token.role, token.created_by, token.token_hash) == (
        "registrar", admin_user, hashlib.sha256(secret.encode()).hexdigest(),
    )  # fmt: skip
    listed = admin.get(page(institution)).content.decode()
    assert "SIS nightly" in listed and token.prefix in listed and "Never" in listed
    assert secret not in listed, "the secret is shown only on the page that made it"
    entry = AuditEntry.objects.get(action="api_token.created", institution=institution)
    assert secret not in str(entry.data) and entry.actor == admin_user

    api = Client().get(reverse("portal_api:learners"), headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200


def test_a_revoked_token_stops_working_and_is_listed_as_revoked(admin, institution):
    made = admin.post(page(institution, "token_create"), {"name": "Old script", "role": "admin"})
    secret = SECRET.search(made.content.decode()).group(1)
    token = ApiToken.objects.get(name="Old script")

    revoked = admin.post(page(institution, "token_revoke", api_token_id=token.id))

    assert revoked.status_code == 302
    assert (
        Client()
        .get(reverse("portal_api:learners"), headers={"Authorization": f"Bearer {secret}"})
        .status_code
        == 401
    )
    assert "Revoked" in admin.get(page(institution)).content.decode()
    assert AuditEntry.objects.filter(action="api_token.revoked", target="Old script").exists()


def test_a_token_form_with_problems_is_a_400_and_makes_nothing(admin, institution):
    response = admin.post(page(institution, "token_create"), {"name": "", "role": "advisor"})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert b"created-secret" not in response.content


def test_an_oauth_client_is_registered_with_its_secret_shown_once_and_kept_hashed(admin, institution):
    made = admin.post(page(institution, "client_create"), {"name": "LMS grades", "role": "registrar"})

    assert made.status_code == 201
    body = made.content.decode()
    secret = SECRET.search(body).group(1)
    client = InstitutionClient.objects.select_related("application").get(institution=institution)
    assert client.application.client_id in body
    assert client.application.client_secret != secret, "django-oauth-toolkit keeps only a hash"
    assert client.application.authorization_grant_type == "client-credentials"
    assert client.application.user is None
    assert secret not in admin.get(page(institution)).content.decode()

    access_token = client_access_token(client)
    api = Client().get(reverse("portal_api:learners"), headers={"Authorization": f"Bearer {access_token}"})
    assert api.status_code == 200

    removed = admin.post(page(institution, "client_delete", api_client_id=client.pk))
    assert removed.status_code == 302
    assert not get_application_model().objects.filter(pk=client.application_id).exists()
    assert not get_access_token_model().objects.filter(application_id=client.application_id).exists()
    assert (
        Client()
        .get(reverse("portal_api:learners"), headers={"Authorization": f"Bearer {access_token}"})
        .status_code
        == 401
    )


def test_a_registrar_may_not_open_the_page_nor_make_a_token(client, institution, registrar_user):
    client.force_login(registrar_user)

    assert client.get(page(institution)).status_code == 403
    assert client.post(page(institution, "token_create"), {"name": "x", "role": "admin"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_an_admin_of_another_institution_cannot_revoke_this_ones_token(
    client, institution, other_institution, admin_user
):
    from api import tokens
    from tests.factories import MembershipFactory

    token, _secret = tokens.api_token_create(
        institution=institution, role="registrar", name="Ours", actor=admin_user
    )
    other_admin = MembershipFactory(institution=other_institution, role="admin").user
    client.force_login(other_admin)

    response = client.post(page(other_institution, "token_revoke", api_token_id=token.id))

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_the_page_says_which_tokens_and_clients_stopped_working_because_their_maker_left(
    client, institution, admin_user, registrar_user
):
    from api import tokens
    from institutions.models import Role
    from institutions.services import member_remove, membership_grant

    tokens.api_token_create(
        institution=institution, role=Role.REGISTRAR, name="Kept script", actor=admin_user
    )
    tokens.api_token_create(
        institution=institution, role=Role.REGISTRAR, name="Left script", actor=registrar_user
    )
    tokens.institution_client_create(institution=institution, role=Role.REGISTRAR, name="Left LMS",
                                     actor=registrar_user)  # fmt: skip
    membership_grant(user=registrar_user, institution=institution, role=Role.ADMIN)
    client.force_login(admin_user)
    assert "Not working" not in client.get(page(institution)).content.decode()

    member_remove(institution=institution, user=registrar_user, actor=admin_user)

    body = client.get(page(institution)).content.decode()
    rows = {row.split("<td>", 2)[1].split("<", 1)[0]: row for row in body.split("<tr>")[1:] if "<td>" in row}
    assert "Not working" in rows["Left script"] and "Not working" in rows["Left LMS"]
    assert "Not working" not in rows["Kept script"]
