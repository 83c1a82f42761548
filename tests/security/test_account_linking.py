"""A learner record is linked to an account only when its owner claims it (issue 11, finding 6).

An SIS import creates learners with the address the registrar's file gives. That proves nothing about
who owns an account: institution B's registrar can type institution A's student's address, and anyone
can sign up with any address. So no import and no registrar links an account. The owner claims the
record, either from the single-use link of an invitation e-mailed to the learner's address, or, when
their account has verified that address, by confirming each institution's record. Staff see whether a
record was claimed, never whether an address has an account.
"""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from achievements import claims
from achievements.imports import records_import
from achievements.models import Learner, LearnerInvitation
from institutions.models import AuditEntry, Role, User
from tests.factories import PASSWORD, MembershipFactory

HEADER = (
    "student_id,sourced_id,given_name,family_name,email,achievement_code,term,result,result_status,"
    "credits_earned,activity_start_date,activity_end_date,awarded_date\n"
)
ADDRESS = "maya.chen@students.example.edu"


def _import_one_learner(institution, email, *, grade="A"):
    row = f"Z7001,usr-z7001,Maya,Chen,{email},CS 101,Fall 2025,{grade},,4,2025-08-25,2025-12-12,2025-12-17\n"
    report = records_import(institution=institution, data=(HEADER + row).encode(), file_name="awards.csv")
    assert (report.written, report.created) == (True, 1), report.problems
    return Learner.objects.get(institution=institution, student_id="Z7001")


def _account(email, *, verified):
    user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """A registrar invites the learner; returns the link's path from the e-mail (sent once committed)."""

    def _invite(registrar, learner):
        client.force_login(registrar)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/institutions/{learner.institution.slug}/learners/invite", {"learner": learner.pk}
            )
        assert response.status_code == 302
        client.logout()
        link = re.search(r"https?://\S+/claim/\S+", mail.outbox[-1].body).group(0)
        return "/claim/" + link.rsplit("/claim/", 1)[1]

    return _invite


@pytest.fixture
def registrar(institution):
    return MembershipFactory(institution=institution, role=Role.REGISTRAR).user


@pytest.mark.parametrize("verified", [True, False])
@pytest.mark.parametrize("verification", ["mandatory", "optional"])
def test_an_import_never_links_a_learner_to_an_account(
    client, settings, institution, course, verified, verification
):
    settings.ACCOUNT_EMAIL_VERIFICATION = verification
    owner = _account(ADDRESS, verified=verified)

    learner = _import_one_learner(institution, ADDRESS)

    assert learner.user_id is None
    client.force_login(owner)
    assert "Introduction to Programming" not in client.get("/wallet/").content.decode()


def test_another_institution_importing_a_students_address_gets_no_link_to_their_wallet(
    client, institution, other_institution
):
    from tests.factories import make_achievement

    make_achievement(other_institution, "CS 101", name="Rival Programming")
    student = _account(ADDRESS, verified=True)

    foreign = _import_one_learner(other_institution, ADDRESS, grade="F")

    assert foreign.user_id is None
    client.force_login(student)
    assert "Rival Programming" not in client.get("/wallet/").content.decode()
    # The student is asked, and may say no: the record waits until they confirm it.
    waiting = client.get("/wallet/waiting/").content.decode()
    assert other_institution.name in waiting


def test_an_invitation_link_claims_the_record_once(client, institution, course, registrar, invite):
    learner = _import_one_learner(institution, ADDRESS)
    path = invite(registrar, learner)
    invitation = LearnerInvitation.objects.get(learner=learner)
    token = path.rsplit("/", 1)[1]
    assert invitation.token_hash == claims.token_hash(token) and token not in invitation.token_hash

    # Anyone holding the link sees whose record it is and is asked to sign in first.
    page = client.get(path)
    assert page.status_code == 200 and "Log in" in page.content.decode()
    assert client.post(path).status_code == 302 and Learner.objects.get(pk=learner.pk).user_id is None

    owner = _account("maya.personal@example.com", verified=True)  # any address the learner uses
    client.force_login(owner)
    assert "Maya Chen" in client.get(path).content.decode()
    assert client.post(path).status_code == 400  # not confirmed: nothing happens
    assert Learner.objects.get(pk=learner.pk).user_id is None
    response = client.post(path, {"confirm": "yes"})

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.user == owner and learner.claimed_at is not None
    assert "Introduction to Programming" in client.get("/wallet/").content.decode()
    assert AuditEntry.objects.filter(action="learner.claimed", target="Z7001").exists()

    client.force_login(_account("someone.else@example.com", verified=True))
    again = client.post(path, {"confirm": "yes"})
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert Learner.objects.get(pk=learner.pk).user == owner


def test_an_expired_or_replaced_link_claims_nothing(client, institution, course, registrar, invite):
    learner = _import_one_learner(institution, ADDRESS)
    first = invite(registrar, learner)
    second = invite(registrar, learner)
    client.force_login(_account(ADDRESS, verified=True))

    replaced = client.post(first, {"confirm": "yes"})
    assert replaced.status_code == 410 and "newer invitation" in replaced.content.decode()

    LearnerInvitation.objects.filter(used_at=None, cancelled_at=None).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    expired = client.post(second, {"confirm": "yes"})
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert client.get("/claim/not-a-token").status_code == 404
    assert Learner.objects.get(pk=learner.pk).user_id is None


def test_an_account_that_verified_the_address_confirms_each_institutions_record(
    client, institution, other_institution, course
):
    from tests.factories import make_achievement

    make_achievement(other_institution, "CS 101", name="Another Programming")
    mine = _import_one_learner(institution, ADDRESS)
    other = _import_one_learner(other_institution, ADDRESS.upper())
    owner = _account(ADDRESS, verified=True)
    client.force_login(owner)
    assert "2 records are waiting for you" in client.get("/").content.decode()  # said on the home page

    waiting = client.get("/wallet/waiting/").content.decode()
    assert institution.name in waiting and other_institution.name in waiting
    assert "Introduction to Programming" not in waiting  # nothing of the record before it is claimed

    assert client.post("/wallet/waiting/", {"learner": str(mine.uuid)}).status_code == 302
    assert Learner.objects.get(pk=mine.pk).user == owner
    assert Learner.objects.get(pk=other.pk).user_id is None  # one institution at a time
    assert "Introduction to Programming" in client.get("/wallet/").content.decode()
    assert "Another Programming" not in client.get("/wallet/").content.decode()


def test_an_unverified_address_finds_no_record_waiting(client, institution, course):
    learner = _import_one_learner(institution, ADDRESS)
    squatter = _account(ADDRESS, verified=False)
    client.force_login(squatter)

    assert institution.name not in client.get("/wallet/waiting/").content.decode()
    assert client.post("/wallet/waiting/", {"learner": str(learner.uuid)}).status_code == 404
    assert client.post("/wallet/waiting/", {"learner": "not-a-uuid"}).status_code == 404
    assert Learner.objects.get(pk=learner.pk).user_id is None


def test_staff_cannot_tell_whether_an_address_has_an_account(client, institution, course, registrar):
    with_account = _import_one_learner(institution, ADDRESS)
    _account(ADDRESS, verified=True)
    without = Learner.objects.create(
        institution=institution, student_id="Z7002", given_name="Noor", family_name="Haddad",
        email="noor.haddad@students.example.edu",
    )  # fmt: skip
    client.force_login(registrar)

    def status_line(learner):
        page = client.get(learner.get_absolute_url()).content.decode()
        return re.search(r"<p>(Claimed|Not claimed)[^<]*", page).group(0)

    assert status_line(with_account) == status_line(without)
    assert "account" not in status_line(with_account)


def test_correcting_a_learners_address_cancels_the_links_sent_to_the_old_one(
    client, institution, course, registrar, invite
):
    learner = _import_one_learner(institution, "maya.old@students.example.edu")
    path = invite(registrar, learner)
    client.force_login(registrar)
    client.post(
        f"/institutions/{institution.slug}/learners/{learner.pk}/edit",
        {"given_name": "Maya", "family_name": "Chen", "email": ADDRESS, "sourced_id": "", "did": ""},
    )
    client.force_login(_account("maya.personal@example.com", verified=True))

    assert client.post(path, {"confirm": "yes"}).status_code == 410
    assert Learner.objects.get(pk=learner.pk).user_id is None


def test_inviting_every_unclaimed_learner_mails_each_once(
    client, institution, course, registrar, django_capture_on_commit_callbacks
):
    _import_one_learner(institution, ADDRESS)
    Learner.objects.create(institution=institution, student_id="Z7003", given_name="No", family_name="Mail")
    client.force_login(registrar)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/institutions/{institution.slug}/learners/invite", {"all": "yes"})

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[ADDRESS]]
    assert AuditEntry.objects.filter(action="learner.invited", data__count=1).exists()


def test_an_invitation_whose_mail_never_went_out_is_sent_by_the_sweep(institution, course):
    learner = _import_one_learner(institution, ADDRESS)
    queued = LearnerInvitation.objects.create(learner=learner, email=ADDRESS)  # its task never ran
    LearnerInvitation.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert claims.queued_invitations_resend() == 1

    assert [message.to for message in mail.outbox] == [[ADDRESS]]
    assert LearnerInvitation.objects.get(pk=queued.pk).sent_at is not None
    assert claims.queued_invitations_resend() == 0
