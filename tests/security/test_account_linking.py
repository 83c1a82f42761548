"""A learner record is linked to an account only through an email address its owner has verified.

An SIS import creates learners with the email the registrar's file gives; the import links each new
learner to the account with that address. An address anyone can type into the sign-up form proves
nothing until it is verified: linking to it would hand a stranger the learner's whole record
(with ACCOUNT_EMAIL_VERIFICATION=optional or none they can sign in before verifying).
"""

import pytest
from allauth.account.models import EmailAddress

from achievements.imports import records_import
from achievements.models import Learner
from institutions.models import User
from tests.factories import PASSWORD

HEADER = (
    "student_id,sourced_id,given_name,family_name,email,achievement_code,term,result,result_status,"
    "credits_earned,activity_start_date,activity_end_date,awarded_date\n"
)


def _import_one_learner(institution, email):
    row = f"Z7001,usr-z7001,Maya,Chen,{email},CS 101,Fall 2025,A,,4,2025-08-25,2025-12-12,2025-12-17\n"
    report = records_import(institution=institution, data=(HEADER + row).encode(), file_name="awards.csv")
    assert (report.written, report.created) == (True, 1), report.problems
    return Learner.objects.get(institution=institution, student_id="Z7001")


def _account(email, *, verified):
    user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.mark.parametrize("verification", ["mandatory", "optional"])
def test_an_import_does_not_link_a_learner_to_an_account_whose_address_is_not_verified(
    client, settings, institution, course, verification
):
    settings.ACCOUNT_EMAIL_VERIFICATION = verification
    squatter = _account("maya.chen@students.example.edu", verified=False)

    learner = _import_one_learner(institution, "maya.chen@students.example.edu")

    assert learner.user_id is None
    client.force_login(squatter)
    wallet = client.get("/wallet/").content.decode()
    assert "Introduction to Programming" not in wallet


def test_an_import_links_a_learner_to_the_account_that_verified_the_address(client, institution, course):
    owner = _account("maya.chen@students.example.edu", verified=True)

    learner = _import_one_learner(institution, "maya.chen@students.example.edu")

    assert learner.user_id == owner.pk
    client.force_login(owner)
    assert "Introduction to Programming" in client.get("/wallet/").content.decode()
