"""No page, document or download shows an institution's private key, not even encrypted.

The pages that know most about keys are checked with every form the private parts could take: the admin
settings page (key list, rotation, compromise), the DID document, the issuer profile, a credential's page,
JSON-LD and VC-JWT, a status list, and the Django admin's change page of a key seen by a superuser.
"""

import pytest
from django.urls import reverse

from institutions.models import SigningKey
from tests.factories import UserFactory

from .key_material import private_key_material

JSON_LD = {"HTTP_ACCEPT": "application/ld+json"}


@pytest.fixture
def material(world):
    keys = SigningKey.objects.filter(institution=world.a.institution)
    assert sorted(key.algorithm for key in keys) == ["Ed25519", "RSA"]
    return {name: value for key in keys for name, value in private_key_material(key).items()}


def _pages(world):
    a, credential = world.a, world.a.credentials[0]
    slug = {"slug": a.institution.slug}
    return [
        (world.users["admin_a"], reverse("institutions:settings", kwargs=slug), {}),
        (None, reverse("institutions:did_document", kwargs=slug), {}),
        (None, reverse("institutions:profile", kwargs=slug), JSON_LD),
        (
            world.users["registrar_a"],
            reverse("credentials:detail", kwargs={"credential_id": credential.id}),
            {},
        ),
        (
            world.users["registrar_a"],
            reverse("credentials:detail", kwargs={"credential_id": credential.id}),
            JSON_LD,
        ),
        (
            world.users["student_a1"],
            reverse("credentials:download_jwt", kwargs={"credential_id": credential.id}),
            {},
        ),
        (
            None,
            reverse(
                "credentials:status_list",
                kwargs={**slug, "number": a.status_list.number, "purpose": "revocation"},
            ),
            {},
        ),
    ]


def test_no_portal_page_or_document_shows_private_key_material(client, db, world, material):
    for user, url, headers in _pages(world):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url, **headers)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert not [name for name, value in material.items() if value in body], url


def test_the_settings_page_lists_the_keys_by_their_public_ids(client, db, world):
    client.force_login(world.users["admin_a"])
    body = client.get(reverse("institutions:settings", kwargs={"slug": world.a.institution.slug})).content
    for key in SigningKey.objects.filter(institution=world.a.institution):
        assert key.key_id in body.decode()


def test_the_django_admin_shows_a_superuser_no_private_key_material(client, db, world, material):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for key in SigningKey.objects.filter(institution=world.a.institution):
        for url in (
            reverse("admin:institutions_signingkey_changelist"),
            reverse("admin:institutions_signingkey_change", args=[key.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert key.key_id in response.content.decode()
            assert not [name for name, value in material.items() if value in response.content.decode()], url
