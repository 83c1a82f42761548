"""OAuth client secrets are kept as a salted SHA-256 (api/hashers.py), checked in constant time."""

from django.contrib.auth.hashers import check_password, make_password
from oauth2_provider.models import Application
from oauth2_provider.settings import oauth2_settings


def test_a_client_secret_is_stored_as_a_salted_sha256_that_checks_only_the_secret(db, django_user_model):
    secret = "s" * 128
    application = Application.objects.create(
        name="Backpack",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret=secret,
        redirect_uris="https://backpack.example/callback",
    )
    stored = Application.objects.get(pk=application.pk).client_secret
    assert oauth2_settings.CLIENT_SECRET_HASHER == "client_secret_sha256"
    assert stored.startswith("client_secret_sha256$") and secret not in stored
    assert check_password(secret, stored)
    assert not check_password(secret[:-1] + "t", stored)
    assert make_password(secret, hasher="client_secret_sha256") != stored  # a new salt each time


def test_peoples_passwords_keep_the_first_hasher_of_the_settings(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "api.hashers.ClientSecretHasher",
    ]
    assert make_password("a person's password").startswith("pbkdf2_sha256$")
