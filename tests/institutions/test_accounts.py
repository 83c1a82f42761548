import re

import pytest
from django.core import mail

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_is_served(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="login"' in response.content
    assert b'name="password"' in response.content


def test_a_person_signs_up_verifies_their_email_logs_in_and_out(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new.learner@example.edu",
            "password1": "a-long-unusual-passphrase-42",
            "password2": "a-long-unusual-passphrase-42",
        },
    )
    assert response.status_code == 302
    # Verification is mandatory: the person cannot use the account before confirming.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.learner@example.edu"]
    confirm_url = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", mail.outbox[0].body).group(0)
    path = confirm_url.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response.status_code == 302

    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"login": "new.learner@example.edu", "password": "a-long-unusual-passphrase-42"}
    )
    assert response.status_code == 302
    home = client.get("/")
    assert b"new.learner@example.edu" in home.content

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert b"new.learner@example.edu" not in client.get("/").content


def test_login_with_a_wrong_password_is_refused_with_a_message(client):
    user = UserFactory()
    response = client.post("/accounts/login/", {"login": user.email, "password": "not-the-password"})
    assert response.status_code == 200
    assert b"not correct" in response.content or b"incorrect" in response.content.lower()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    user = UserFactory()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = client.get(path, follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else path
    response = client.post(
        form_path, {"password1": "brand-new-passphrase-77", "password2": "brand-new-passphrase-77"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase-77")
    assert not user.check_password(PASSWORD)
