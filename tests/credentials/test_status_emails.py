"""Learners are told by e-mail when a credential of theirs is revoked, suspended or reinstated (issue 12).

One status-changing call sends at most one e-mail a learner, listing what changed, once it committed;
a mail that cannot be sent leaves the change in place."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction

from credentials import services
from credentials.models import IssuedCredential
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db(transaction=True)


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def credential(awards):
    issued = services.credential_issue(award=awards[0])
    issued.refresh_from_db()
    return issued


@pytest.fixture
def registrar(login, registrar_user):
    return login(registrar_user)


def _post(client, credential, action, **data):
    return client.post(
        f"/institutions/{credential.institution.slug}/credentials/{credential.id}/{action}", data
    )


def _wallet_link(credential, settings):
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/wallet/records/{credential.id}/"


def test_revoking_through_the_page_tells_the_learner_what_happened_why_and_where(
    registrar, credential, learner, settings
):
    response = _post(
        registrar, credential, "revoke", reason="Grade entered for the wrong student", confirm="yes"
    )

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [learner.user.email]
    institution = credential.institution.name
    assert message.subject == f"{institution}: your credential “Computing 1” was revoked"
    assert f"Hello {learner.given_name}," in message.body
    assert "Computing 1 (Fall 2020)" in message.body
    assert "Revoked: the credential is no longer valid" in message.body
    assert "Reason given: Grade entered for the wrong student" in message.body
    assert f"In your wallet: {_wallet_link(credential, settings)}" in message.body
    assert f"contact {institution}" in message.body
    assert message.content_subtype == "plain"
    assert getattr(message, "alternatives", []) == []  # plain text, no HTML part


def test_an_unconfirmed_revocation_sends_nothing(registrar, credential):
    assert _post(registrar, credential, "revoke", reason="Issued in error").status_code == 200
    assert mail.outbox == []


def test_suspending_and_lifting_the_suspension_each_tell_the_learner(registrar, credential, learner):
    _post(registrar, credential, "suspend", reason="Under review by the academic board")
    _post(registrar, credential, "unsuspend")

    suspended, reinstated = mail.outbox
    assert suspended.subject.endswith("“Computing 1” was suspended")
    assert "Suspended: until" in suspended.body
    assert "Reason given: Under review by the academic board" in suspended.body
    assert reinstated.subject.endswith("“Computing 1” is valid again")
    assert "Reinstated: the suspension was lifted" in reinstated.body
    assert "Reason given" not in reinstated.body
    assert {suspended.to[0], reinstated.to[0]} == {learner.user.email}


def test_lifting_a_suspension_that_is_not_there_sends_nothing(registrar, credential):
    assert _post(registrar, credential, "unsuspend").status_code == 302
    assert mail.outbox == []


def test_revoking_twice_tells_the_learner_once(registrar, credential):
    _post(registrar, credential, "revoke", reason="Issued in error", confirm="yes")
    _post(registrar, credential, "revoke", reason="Issued in error", confirm="yes")
    assert len(mail.outbox) == 1


def test_a_learner_without_an_account_is_told_at_the_address_the_institution_holds(
    client, login, registrar_user, institution, catalog
):
    from achievements.services import award_create

    learner = LearnerFactory(institution=institution, email="ada@home.example.org")
    award = award_create(learner=learner, achievement=catalog["courses"][1], term="Spring 2024")
    credential = services.credential_issue(award=award)
    login(registrar_user)

    _post(client, credential, "revoke", reason="Issued in error", confirm="yes")

    [message] = mail.outbox
    assert message.to == ["ada@home.example.org"]
    assert "Computing 2 (Spring 2024)" in message.body


def test_the_account_address_wins_over_the_institutions(registrar, credential, learner):
    learner.email = "old-address@students.example.edu"
    learner.save(update_fields=["email"])
    _post(registrar, credential, "revoke", reason="Issued in error", confirm="yes")
    assert [message.to for message in mail.outbox] == [[learner.user.email]]


def test_a_learner_without_any_address_is_not_mailed_and_the_revocation_stands(
    registrar, credential, learner
):
    learner.user.email = ""
    learner.user.save(update_fields=["email"])
    learner.email = ""
    learner.save(update_fields=["email"])

    assert _post(registrar, credential, "revoke", reason="Issued in error", confirm="yes").status_code == 302

    assert mail.outbox == []
    credential.refresh_from_db()
    assert credential.is_revoked


def test_a_mail_server_that_is_down_does_not_undo_the_revocation(
    registrar, credential, learner, settings, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    with caplog.at_level(logging.WARNING, logger="credentials.services"):
        response = _post(registrar, credential, "revoke", reason="Issued in error", confirm="yes")

    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.is_revoked
    [record] = [r for r in caplog.records if r.name == "credentials.services"]
    assert record.levelno == logging.WARNING
    assert f"could not e-mail learner {learner.pk} about credential(s) {credential.id}" in record.getMessage()
    assert "SMTPServerDisconnected" in record.getMessage()


def test_a_replacement_tells_the_learner_once_that_a_corrected_credential_is_coming(
    registrar, credential, learner
):
    response = _post(registrar, credential, "replace", reason="Grade corrected to B+", confirm="yes")

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject.endswith("“Computing 1” was replaced by a corrected one")
    assert "Replaced: this credential is revoked, and a corrected one is being issued" in message.body
    assert "Reason given: Grade corrected to B+" in message.body


def test_withdrawing_the_award_through_the_achievements_page_tells_the_learner_once(
    registrar, credential, learner
):
    response = registrar.post(
        f"/institutions/{credential.institution.slug}/awards/{credential.award_id}/withdraw",
        {"reason": "Grade appeal upheld", "confirm": "yes"},
    )

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject.endswith("“Computing 1” was revoked")
    assert "Reason given: The award was withdrawn: Grade appeal upheld" in message.body


def test_a_corrected_import_of_three_awards_sends_the_learner_one_email_listing_them(
    awards, learner, institution, tmp_path, settings
):
    credentials = [services.credential_issue(award=award) for award in awards]
    rows = [
        f"{learner.student_id},{learner.given_name},{learner.family_name},{learner.email},"
        f"{award.achievement.human_code},{award.term},D,4,{award.activity_start_date},"
        f"{award.activity_end_date},{award.awarded_date}"
        for award in awards
    ]
    csv = tmp_path / "corrected.csv"
    csv.write_text(
        "student_id,given_name,family_name,email,achievement_code,term,result,credits_earned,"
        "activity_start_date,activity_end_date,awarded_date\n" + "\n".join(rows) + "\n"
    )
    mail.outbox.clear()

    call_command("import_records", "--institution", institution.slug, str(csv), "--no-progress")

    assert (
        IssuedCredential.objects.filter(pk__in=[c.pk for c in credentials], revoked_at__isnull=False).count()
        == 3
    )
    [message] = mail.outbox
    assert message.subject == f"{institution.name}: 3 of your credentials changed status"
    for number, credential in enumerate(credentials, start=1):
        assert f"Computing {number} (Fall 202{number - 1})" in message.body
        assert _wallet_link(credential, settings) in message.body
    assert message.body.count("Replaced: this credential is revoked") == 3


def test_nothing_is_sent_for_a_change_that_was_rolled_back(credential, registrar_user):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.credential_revoke(credential=credential, reason="Issued in error", actor=registrar_user)
        raise RuntimeError("the request failed after the revocation")

    assert mail.outbox == []
    credential.refresh_from_db()
    assert not credential.is_revoked
