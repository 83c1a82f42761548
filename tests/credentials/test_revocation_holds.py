"""A revocation holds: no bulk path, command or button issues the award again until someone decides to.

The two deliberate ways on are withdrawing the award, or issuing a replacement with a reason (audited).
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from credentials import services
from credentials.models import CredentialKind, CredentialState, IssuedCredential

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def revoked(awards, registrar_user):
    """CS 101's credential, revoked by the registrar because the grade went to the wrong student."""
    credential = services.credential_issue(award=awards[0])
    services.credential_revoke(
        credential=credential, reason="Grade entered for the wrong student", actor=registrar_user
    )
    credential.refresh_from_db()
    return credential


def _valid_credentials_of(award):
    return IssuedCredential.objects.filter(
        award=award, kind=CredentialKind.ACHIEVEMENT, revoked_at__isnull=True
    ).exclude(state=CredentialState.FAILED)


def test_a_bulk_job_of_all_terms_does_not_issue_a_revoked_award_again(client, login, registrar_user, revoked):
    login(registrar_user)
    response = client.post(f"/institutions/{revoked.institution.slug}/issuance/", {"term": ""})
    assert response.status_code == 302

    assert not _valid_credentials_of(revoked.award).exists()
    clr = IssuedCredential.objects.get(kind=CredentialKind.CLR, learner=revoked.learner)
    assert revoked not in clr.nested.all()
    assert clr.nested.count() == 2  # the other two courses


def test_the_issue_credentials_command_does_not_issue_a_revoked_award_again(revoked):
    call_command("issue_credentials", "--institution", revoked.institution.slug, "--wait")
    assert not _valid_credentials_of(revoked.award).exists()


def test_issuing_the_award_by_hand_is_refused_and_points_to_the_two_choices(
    client, login, registrar_user, revoked
):
    with pytest.raises(ValidationError, match="revoked"):
        services.credential_issue(award=revoked.award)

    login(registrar_user)
    page = client.post(
        f"/institutions/{revoked.institution.slug}/awards/{revoked.award.pk}/issue", follow=True
    )
    assert b"was revoked" in page.content
    assert not _valid_credentials_of(revoked.award).exists()


def test_the_credential_page_says_what_happened_and_offers_withdrawal_or_a_replacement(
    client, login, registrar_user, revoked
):
    login(registrar_user)
    page = client.get(revoked.get_absolute_url()).content.decode()
    assert "Grade entered for the wrong student" in page
    assert "will not be issued again" in page
    assert f"/institutions/{revoked.institution.slug}/credentials/{revoked.id}/withdraw" in page
    assert f"/institutions/{revoked.institution.slug}/credentials/{revoked.id}/replace" in page


def test_the_learner_sees_that_it_was_revoked_but_not_the_registrar_actions(
    client, login, student_user, revoked
):
    login(student_user)
    page = client.get(revoked.get_absolute_url()).content.decode()
    assert "Revoked" in page
    assert "/replace" not in page


def test_a_replacement_needs_a_reason_and_is_audited_and_revokes_nothing_else(
    client, login, registrar_user, revoked, awards
):
    others = [services.credential_issue(award=award) for award in awards[1:]]
    login(registrar_user)
    url = f"/institutions/{revoked.institution.slug}/credentials/{revoked.id}/replace"

    refused = client.post(url, {"reason": "  ", "confirm": "yes"})
    assert refused.status_code == 400
    assert b"Give a reason" in refused.content
    assert not _valid_credentials_of(revoked.award).exists()

    response = client.post(
        url, {"reason": "Grade moved to the right student and re-entered", "confirm": "yes"}
    )
    replacement = _valid_credentials_of(revoked.award).get()
    assert response.status_code == 302
    assert response["Location"] == replacement.get_absolute_url()
    replacement.refresh_from_db()
    assert replacement.state == CredentialState.SIGNED
    assert replacement.status_index != revoked.status_index
    revoked.refresh_from_db()
    assert revoked.is_revoked and not revoked.is_current
    assert all(not IssuedCredential.objects.get(pk=other.pk).is_revoked for other in others)
    entry = revoked.institution.audit_entries.get(action="credential.replaced")
    assert entry.actor == registrar_user
    assert entry.target == str(revoked.id)
    assert entry.data["reason"] == "Grade moved to the right student and re-entered"
    assert entry.data["replacement"] == str(replacement.id)

    # Replacing is once: the old credential now has a successor.
    again = client.post(url, {"reason": "twice", "confirm": "yes"})
    assert b"already been replaced" in again.content
    assert _valid_credentials_of(revoked.award).count() == 1


def test_after_a_replacement_bulk_issuance_carries_on_normally(registrar_user, revoked):
    replacement = services.credential_replace(credential=revoked, reason="Corrected", actor=registrar_user)
    services.bulk_issue(institution=revoked.institution, selection=services.Selection())
    assert list(_valid_credentials_of(revoked.award)) == [replacement]
    clr = IssuedCredential.objects.get(kind=CredentialKind.CLR, learner=revoked.learner)
    assert replacement in clr.nested.all()


def test_a_withdrawn_award_cannot_be_replaced(registrar_user, revoked):
    from achievements.services import award_withdraw

    award_withdraw(award=revoked.award, reason="Grade belonged to someone else", actor=registrar_user)
    revoked.refresh_from_db()
    with pytest.raises(ValidationError, match="withdrawn"):
        services.credential_replace(credential=revoked, reason="Try anyway", actor=registrar_user)


def test_a_student_cannot_replace(client, login, student_user, revoked):
    login(student_user)
    url = f"/institutions/{revoked.institution.slug}/credentials/{revoked.id}/replace"
    assert client.post(url, {"reason": "mine", "confirm": "yes"}).status_code == 403
    assert not _valid_credentials_of(revoked.award).exists()


def test_the_migration_makes_revocations_made_before_it_hold(revoked):
    import importlib

    from django.apps import apps

    # As the code before it left them: the revoked credential no longer current.
    IssuedCredential.objects.filter(pk=revoked.pk).update(is_current=False)
    migration = importlib.import_module("credentials.migrations.0002_revoked_credentials_hold")
    migration.revocations_hold(apps, None)

    revoked.refresh_from_db()
    assert revoked.is_current
    services.bulk_issue(institution=revoked.institution, selection=services.Selection())
    assert not _valid_credentials_of(revoked.award).exists()
