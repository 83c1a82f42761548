"""What cannot be undone asks first: revoking, replacing and withdrawing say what will happen, and only a
POST carrying confirm=yes acts. Suspending (reversible) acts at once."""

import pytest
from django.core import mail

from achievements.models import Award
from credentials import services
from credentials.models import IssuedCredential, StatusList

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def credential(awards):
    issued = services.credential_issue(award=awards[0])
    issued.refresh_from_db()
    issued.revision_before = StatusList.objects.get(pk=issued.status_list_id).revision
    return issued


def _action_url(credential, action):
    return f"/institutions/{credential.institution.slug}/credentials/{credential.id}/{action}"


def _unchanged(credential):
    """Nothing of the credential, its award, its status list or the audit history moved."""
    before = IssuedCredential.objects.get(pk=credential.pk)
    status_list = StatusList.objects.get(pk=credential.status_list_id)
    return (
        before.revoked_at is None
        and before.is_current
        and not Award.objects.get(pk=credential.award_id).is_withdrawn
        and IssuedCredential.objects.filter(award_id=credential.award_id).count() == 1
        and status_list.revision == credential.revision_before
        and not credential.institution.audit_entries.filter(
            action__in=["credential.revoked", "credential.replaced", "award.withdrawn"]
        ).exists()
        and mail.outbox == []
    )


@pytest.mark.parametrize(
    ("action", "says", "button"),
    [
        (
            "revoke",
            "will show as <strong>revoked</strong> to anyone who verifies it",
            "Yes, revoke the credential",
        ),
        ("replace", "A new credential is issued for the same award", "Yes, issue a replacement"),
        (
            "withdraw",
            "The award is <strong>withdrawn</strong> from the learner’s record",
            "Yes, withdraw the award",
        ),
    ],
)
def test_an_irreversible_action_without_confirmation_says_what_will_happen_and_changes_nothing(
    client, login, registrar_user, credential, learner, action, says, button
):
    login(registrar_user)

    response = client.post(_action_url(credential, action), {"reason": "Grade entered for the wrong student"})

    assert response.status_code == 200
    page = response.content.decode()
    assert says in page
    assert f"The learner is told by e-mail, at {learner.user.email}" in page
    assert button in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert 'value="Grade entered for the wrong student"' in page  # the reason is kept for the confirmation
    assert f'action="{_action_url(credential, action)}"' in page
    assert _unchanged(credential)


@pytest.mark.parametrize("confirm", ["", "no", "1", "YES", "true"])
def test_only_confirm_yes_confirms(client, login, registrar_user, credential, confirm):
    login(registrar_user)
    response = client.post(
        _action_url(credential, "revoke"), {"reason": "Issued in error", "confirm": confirm}
    )
    assert response.status_code == 200
    assert _unchanged(credential)


def test_the_confirmation_says_when_the_learner_will_not_be_told(client, login, registrar_user, credential):
    learner = credential.learner
    learner.user.email = ""
    learner.user.save(update_fields=["email"])
    learner.email = ""
    learner.save(update_fields=["email"])
    login(registrar_user)
    page = client.post(_action_url(credential, "revoke"), {"reason": "Issued in error"}).content.decode()
    assert "no e-mail address on file, so they are not told by e-mail" in page


def test_the_credential_page_sends_revoking_to_the_confirmation_first(
    client, login, registrar_user, credential
):
    login(registrar_user)
    page = client.get(credential.get_absolute_url()).content.decode()
    assert f'action="{_action_url(credential, "revoke")}"' in page
    assert "You will be asked to confirm" in page
    assert 'name="confirm"' not in page  # the page's own button never confirms


def test_a_confirmed_revocation_acts(client, login, registrar_user, credential):
    login(registrar_user)
    response = client.post(_action_url(credential, "revoke"), {"reason": "Issued in error", "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == credential.get_absolute_url()
    credential.refresh_from_db()
    assert credential.is_revoked
    assert credential.revocation_reason == "Issued in error"


def test_a_confirmed_withdrawal_from_the_credential_page_withdraws_the_award_and_revokes_its_credential(
    client, login, registrar_user, credential
):
    login(registrar_user)
    response = client.post(
        _action_url(credential, "withdraw"), {"reason": "Grade appeal upheld", "confirm": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert b"was withdrawn and its credentials revoked" in response.content
    award = Award.objects.get(pk=credential.award_id)
    assert award.is_withdrawn and award.withdrawn_reason == "Grade appeal upheld"
    credential.refresh_from_db()
    assert credential.revocation_reason == "The award was withdrawn: Grade appeal upheld"


def test_a_confirmed_action_without_a_reason_is_refused_on_the_confirmation_page(
    client, login, registrar_user, credential
):
    login(registrar_user)
    for action in ("revoke", "replace", "withdraw"):
        response = client.post(_action_url(credential, action), {"reason": " ", "confirm": "yes"})
        assert response.status_code == 400, action
        assert 'role="alert"' in response.content.decode()
        assert '<input type="hidden" name="confirm" value="yes">' in response.content.decode()
    assert _unchanged(credential)


def test_suspending_is_reversible_and_needs_no_confirmation(client, login, registrar_user, credential):
    login(registrar_user)
    response = client.post(_action_url(credential, "suspend"), {"reason": "Under review"})
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.is_suspended
    assert client.post(_action_url(credential, "unsuspend")).status_code == 302
    credential.refresh_from_db()
    assert not credential.is_suspended


def test_a_student_cannot_even_see_the_confirmation(client, login, student_user, credential):
    login(student_user)
    assert client.post(_action_url(credential, "revoke"), {"reason": "mine"}).status_code == 403
    assert _unchanged(credential)
