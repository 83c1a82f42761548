"""The home page lands each role where its work is, the header follows the role, and a person switches roles."""

import pytest
from django.test import override_settings
from django.urls import reverse

from achievements.models import ImportRun
from clrportal import home
from credentials.models import IssuanceJob
from institutions.models import Role
from tests.factories import LearnerFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_gets_the_intro_with_verify_log_in_and_sign_up(client):
    page = client.get("/").content.decode()
    assert "Learning records you can trust" in page
    assert f'href="{reverse("verify:page")}" role="button">Verify a record' in page
    assert f'href="{reverse("account_login")}"' in page
    assert f'href="{reverse("account_signup")}"' in page
    assert "Your learning, on the record" not in page


def test_a_student_lands_on_their_record(client, login, student_user, institution):
    LearnerFactory(institution=institution, user=student_user)
    login(student_user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("wallet:dashboard")
    page = client.get(reverse("wallet:dashboard")).content.decode()
    assert f'href="{reverse("wallet:dashboard")}" aria-current="page">My record' in page
    assert f'href="{reverse("verify:page")}"' in page


def test_a_registrar_lands_on_the_records_desk_with_imports_and_failed_issuance(
    client, login, registrar_user, institution
):
    ImportRun.objects.create(institution=institution, original_name="spring-grades.csv", file_format="csv")
    IssuanceJob.objects.create(
        institution=institution, description="Spring CLRs", total=10, signed=7, failed=3,
        state=IssuanceJob.State.DONE_WITH_FAILURES,
    )  # fmt: skip
    IssuanceJob.objects.create(institution=institution, description="Summer courses", total=4)
    login(registrar_user)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Records desk" in page
    assert "spring-grades.csv" in page
    assert "Summer courses" in page and "0% done, 4 waiting" in page
    assert "Spring CLRs" in page and "3 of 10 failed" in page
    for name in ("achievements:catalog", "achievements:learners", "achievements:imports", "credentials:jobs"):
        assert f'href="{reverse(name, args=[institution.slug])}"' in page, name
    assert f'href="{reverse("institutions:settings", args=[institution.slug])}"' not in page


def test_an_admin_lands_on_the_institution_health_with_settings_keys_members_and_the_records_pages(
    client, login, admin_user, institution
):
    login(admin_user)
    page = client.get("/").content.decode()
    assert "Institution health" in page
    assert "Signing keys" in page and institution.signing_keys.first().key_id in page
    assert "1 person holds a role here." in page
    for name in (
        "institutions:settings",
        "achievements:learners",
        "achievements:imports",
        "credentials:jobs",
    ):
        assert f'href="{reverse(name, args=[institution.slug])}"' in page, name


def test_an_advisor_is_told_where_their_queue_will_be_and_given_links_they_can_use(
    client, login, advisor_user, institution
):
    login(advisor_user)
    page = client.get("/").content.decode()
    assert "Waiting for you" in page
    assert f'href="{reverse("advising:queue", args=[institution.slug])}"' in page
    assert f'href="{reverse("institutions:profile", args=[institution.slug])}"' in page
    assert f'href="{reverse("verify:page")}"' in page
    assert f'href="{reverse("achievements:catalog", args=[institution.slug])}"' not in page


def test_someone_without_a_role_is_told_so_and_can_verify(client, login):
    user = UserFactory(email="nobody@example.org")
    login(user)
    page = client.get("/").content.decode()
    assert "You do not hold a role at any institution yet" in page
    assert "nobody@example.org" in page


def test_a_person_with_two_roles_switches_between_them(client, login, registrar_user, institution):
    LearnerFactory(institution=institution, user=registrar_user)
    login(registrar_user)
    assert "Records desk" in client.get("/").content.decode()  # staff roles come first
    menu = client.get("/").content.decode()
    assert 'name="context" value="student"' in menu

    response = client.post(reverse("switch_context"), {"context": "student"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get("/")["Location"] == reverse("wallet:dashboard")

    membership = registrar_user.memberships.get(role=Role.REGISTRAR)
    client.post(reverse("switch_context"), {"context": str(membership.pk)})
    assert "Records desk" in client.get("/").content.decode()


def test_switching_to_someone_elses_membership_is_refused_and_changes_nothing(
    client, login, registrar_user, institution, other_institution
):
    theirs = MembershipFactory(institution=other_institution, role=Role.ADMIN)
    login(registrar_user)
    response = client.post(reverse("switch_context"), {"context": str(theirs.pk)})
    assert response.status_code == 400
    assert "That is not one of your roles." in response.content.decode()
    assert client.session.get(home.SESSION_KEY) is None
    page = client.get("/").content.decode()
    assert "Records desk" in page and other_institution.name not in page


def test_switching_needs_a_signed_in_person_and_a_post(client):
    assert client.get(reverse("switch_context")).status_code == 405
    response = client.post(reverse("switch_context"), {"context": "student"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_page_is_the_portals_own_404_with_a_way_on_in_every_mode(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page" in page
    assert f'href="{reverse("home")}"' in page and f'href="{reverse("verify:page")}"' in page
    assert 'aria-label="Main"' in page  # the portal's navigation


@pytest.mark.parametrize("debug", [False, True])
def test_a_view_that_finds_nothing_answers_with_the_portals_404_in_every_mode(
    client, login, student_user, debug
):
    login(student_user)
    with override_settings(DEBUG=debug):
        response = client.get(reverse("wallet:share_detail", args=["00000000-0000-0000-0000-000000000000"]))
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_a_page_of_another_role_is_the_portals_403_with_a_way_on(
    client, login, advisor_user, institution, debug
):
    login(advisor_user)
    with override_settings(DEBUG=debug):
        response = client.get(reverse("achievements:catalog", args=[institution.slug]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is not open to you" in page
    assert f"Advisor · {institution.name}" in page
    assert 'aria-current="page">Institution profile' not in page  # the profile is not this page
    assert f'href="{reverse("home")}"' in page and f'href="{reverse("verify:page")}"' in page


def test_flash_messages_and_the_favicon_are_in_the_page(client):
    page = client.get("/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
