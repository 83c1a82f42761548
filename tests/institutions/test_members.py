"""Admins manage their people: the members page, staff invitations by single-use link, roles and removal."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from institutions.models import Membership, Role, StaffInvitation
from institutions.services import institution_create
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def members_url(institution):
    return f"/institutions/{institution.slug}/members/"


def roles_of(user, institution):
    return set(Membership.objects.filter(user=user, institution=institution).values_list("role", flat=True))


@pytest.fixture
def invite(login, admin_user, institution, django_capture_on_commit_callbacks):
    """Invite an address as the institution's admin; returns the link from the e-mail."""

    def _invite(email, role=Role.REGISTRAR):
        client = login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{members_url(institution)}invite", {"email": email, "role": role})
        assert response.status_code == 302, response.content[:800]
        link = re.search(r"https?://\S+/institutions/invitations/[^\s/]+/", mail.outbox[-1].body)
        assert link, mail.outbox[-1].body
        return link.group(0)

    return _invite


def path_of(link):
    return "/" + link.split("/", 3)[3]


# --- the members page -----------------------------------------------------------------------------------


def test_the_members_page_lists_each_person_with_their_roles_and_since_when(
    login, institution, admin_user, registrar_user
):
    MembershipFactory(institution=institution, role=Role.ADVISOR, user=registrar_user)

    response = login(admin_user).get(members_url(institution))

    assert response.status_code == 200
    body = response.content.decode()
    assert admin_user.email in body and registrar_user.email in body
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(registrar_user.email)}.*?</tr>", body, re.S).group(
        0
    )
    assert "Registrar" in row and "Advisor" in row
    assert timezone.localdate().strftime("%Y-%m-%d") in row


def test_the_members_page_lists_pending_invitations(invite, login, institution, admin_user):
    invite("new.registrar@example.edu")

    body = login(admin_user).get(members_url(institution)).content.decode()

    assert "new.registrar@example.edu" in body
    assert "Pending invitations" in body


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.ADVISOR, Role.STUDENT])
def test_only_admins_may_open_the_members_page_or_change_anything_on_it(login, institution, admin_user, role):
    person = MembershipFactory(institution=institution, role=role).user
    client = login(person)

    assert client.get(members_url(institution)).status_code == 403
    assert (
        client.post(
            f"{members_url(institution)}invite", {"email": "x@example.edu", "role": "admin"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"{members_url(institution)}{admin_user.pk}/roles", {"roles": ["student"]}).status_code
        == 403
    )
    assert client.post(f"{members_url(institution)}{admin_user.pk}/remove").status_code == 403
    assert roles_of(admin_user, institution) == {Role.ADMIN}
    assert not StaffInvitation.objects.exists()


def test_an_admin_of_another_institution_cannot_see_or_change_its_members(
    login, institution, other_institution, registrar_user
):
    outsider = MembershipFactory(institution=other_institution, role=Role.ADMIN).user
    client = login(outsider)

    assert client.get(members_url(institution)).status_code == 403
    # Through their own institution's pages, a member of another institution is not found.
    response = client.post(f"{members_url(other_institution)}{registrar_user.pk}/remove")
    assert response.status_code == 404
    assert roles_of(registrar_user, institution) == {Role.REGISTRAR}


# --- invitations ------------------------------------------------------------------------------------------


def test_an_invitation_emails_a_single_use_link_and_stores_only_its_hash(invite, institution, admin_user):
    link = invite("new.registrar@example.edu")

    message = mail.outbox[-1]
    assert message.to == ["new.registrar@example.edu"]
    assert institution.name in message.subject
    assert "Registrar" in message.body
    invitation = StaffInvitation.objects.get()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    assert token not in invitation.token_hash
    assert len(invitation.token_hash) == 64
    assert (
        abs(invitation.expires_at - invitation.created_at - datetime.timedelta(days=7)).total_seconds() < 60
    )
    assert invitation.invited_by == admin_user
    entry = institution.audit_entries.get(action="member.invited")
    assert (entry.actor, entry.target, entry.data["role"]) == (
        admin_user,
        "new.registrar@example.edu",
        "registrar",
    )
    assert token not in str(entry.data)


def test_the_link_shows_an_anonymous_visitor_the_institution_and_role_and_asks_them_to_sign_in(
    client, invite, institution
):
    link = invite("new.advisor@example.edu", role=Role.ADVISOR)
    client.logout()

    response = client.get(path_of(link))

    assert response.status_code == 200
    body = response.content.decode()
    assert institution.name in body and "Advisor" in body
    assert f"/accounts/login/?next={path_of(link)}" in body
    assert f"/accounts/signup/?next={path_of(link)}" in body
    # Not no-referrer: under it browsers post the accept form with `Origin: null`, which the CSRF check refuses.
    assert response["Referrer-Policy"] == "same-origin"


def test_the_invitation_is_accepted_from_a_browser_under_the_csrf_check(invite, institution):
    """A real browser: CSRF enforced, and the Origin header the page's referrer policy lets it send."""
    from django.test import Client

    link = invite("new.advisor@example.edu", role=Role.ADVISOR)
    person = UserFactory(email="new.advisor@example.edu")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    page = browser.get(path_of(link))
    origin = "null" if page["Referrer-Policy"] == "no-referrer" else "http://testserver"
    token = page.context["csrf_token"]

    response = browser.post(path_of(link), {"csrfmiddlewaretoken": str(token)}, HTTP_ORIGIN=origin)

    assert response.status_code == 302, response.status_code
    assert roles_of(person, institution) == {Role.ADVISOR}


def test_accepting_the_invitation_grants_the_role_once(client, invite, login, institution):
    link = invite("new.registrar@example.edu")
    person = UserFactory(email="new.registrar@example.edu")
    client = login(person)

    response = client.post(path_of(link))

    assert response.status_code == 302
    assert roles_of(person, institution) == {Role.REGISTRAR}
    invitation = StaffInvitation.objects.get()
    assert invitation.accepted_by == person and invitation.accepted_at is not None
    joined = institution.audit_entries.get(action="member.joined")
    assert (joined.actor, joined.data["role"]) == (person, "registrar")

    second = client.post(path_of(link))
    assert second.status_code == 410
    assert "already been used" in second.content.decode()
    assert client.get(path_of(link)).status_code == 410
    assert institution.audit_entries.filter(action="member.joined").count() == 1


def test_an_expired_invitation_is_refused_plainly(client, invite, login, institution):
    link = invite("new.registrar@example.edu")
    StaffInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client = login(UserFactory(email="new.registrar@example.edu"))

    response = client.post(path_of(link))

    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user__email="new.registrar@example.edu").exists()


def test_an_invitation_for_another_address_is_refused(client, invite, login, institution):
    link = invite("new.registrar@example.edu")
    someone_else = UserFactory(email="someone.else@example.edu")

    response = login(someone_else).post(path_of(link))

    assert response.status_code == 403
    assert "new.registrar@example.edu" not in response.content.decode()
    assert "someone.else@example.edu" in response.content.decode()
    assert roles_of(someone_else, institution) == set()
    assert StaffInvitation.objects.get().accepted_at is None


def test_an_invitation_is_refused_until_the_address_is_verified(client, invite, login, institution, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    link = invite("new.registrar@example.edu")
    person = UserFactory(email="new.registrar@example.edu")
    EmailAddress.objects.filter(user=person).update(verified=False)

    response = login(person).post(path_of(link))

    assert response.status_code == 403
    assert "verify" in response.content.decode().lower()
    assert roles_of(person, institution) == set()


def test_an_anonymous_post_to_the_link_goes_to_the_login_page_and_back(client, invite):
    link = invite("new.registrar@example.edu")
    client.logout()

    response = client.post(path_of(link))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/institutions/invitations/")
    assert StaffInvitation.objects.get().accepted_at is None


def test_an_unknown_link_is_404_not_500(client):
    response = client.get("/institutions/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_reinviting_an_address_replaces_its_pending_invitation(client, invite, login, institution):
    first = invite("new.person@example.edu", role=Role.REGISTRAR)
    second = invite("New.Person@example.edu", role=Role.ADVISOR)

    assert StaffInvitation.objects.pending().count() == 1
    assert StaffInvitation.objects.pending().get().role == Role.ADVISOR
    client = login(UserFactory(email="new.person@example.edu"))
    assert client.post(path_of(first)).status_code == 410
    assert client.post(path_of(second)).status_code == 302
    assert roles_of(UserFactory._meta.model.objects.get(email="new.person@example.edu"), institution) == {
        Role.ADVISOR
    }


def test_an_admin_revokes_a_pending_invitation(client, invite, login, institution, admin_user):
    link = invite("new.registrar@example.edu")
    invitation = StaffInvitation.objects.get()

    response = login(admin_user).post(
        f"{members_url(institution)}invitations/revoke", {"invitation": invitation.pk}
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert institution.audit_entries.filter(action="member.invitation_revoked").exists()
    response = login(UserFactory(email="new.registrar@example.edu")).post(path_of(link))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_an_admin_cannot_revoke_another_institutions_invitation(login, institution, other_institution):
    theirs = StaffInvitation.objects.create(
        institution=other_institution,
        email="x@example.edu",
        role=Role.ADVISOR,
        token_hash="0" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    admin = MembershipFactory(institution=institution, role=Role.ADMIN).user

    response = login(admin).post(f"{members_url(institution)}invitations/revoke", {"invitation": theirs.pk})

    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_only_staff_roles_can_be_invited_and_a_bad_address_is_a_form_error(login, admin_user, institution):
    client = login(admin_user)

    student = client.post(f"{members_url(institution)}invite", {"email": "s@example.edu", "role": "student"})
    bad = client.post(f"{members_url(institution)}invite", {"email": "not an address", "role": "advisor"})

    assert student.status_code == 400 and bad.status_code == 400
    assert "Enter a valid email address" in bad.content.decode()
    assert not StaffInvitation.objects.exists()
    assert mail.outbox == []


# --- roles and removal ---------------------------------------------------------------------------------


def test_an_admin_changes_a_members_roles_and_it_is_audited(login, institution, admin_user, registrar_user):
    response = login(admin_user).post(
        f"{members_url(institution)}{registrar_user.pk}/roles", {"roles": ["advisor", "registrar"]}
    )

    assert response.status_code == 302
    assert roles_of(registrar_user, institution) == {Role.ADVISOR, Role.REGISTRAR}
    entry = institution.audit_entries.get(action="member.role_changed")
    assert entry.actor == admin_user
    assert (entry.data["old_roles"], entry.data["new_roles"]) == (["registrar"], ["advisor", "registrar"])


def test_demoting_the_last_admin_is_refused_and_changes_nothing(login, institution, admin_user):
    response = login(admin_user).post(
        f"{members_url(institution)}{admin_user.pk}/roles", {"roles": ["registrar"]}, follow=True
    )

    assert "last administrator" in response.content.decode()
    assert roles_of(admin_user, institution) == {Role.ADMIN}
    assert not institution.audit_entries.filter(action="member.role_changed").exists()


def test_removing_the_last_admin_is_refused_and_changes_nothing(login, institution, admin_user):
    response = login(admin_user).post(f"{members_url(institution)}{admin_user.pk}/remove", follow=True)

    assert "last administrator" in response.content.decode()
    assert roles_of(admin_user, institution) == {Role.ADMIN}
    assert not institution.audit_entries.filter(action="member.removed").exists()


def test_an_admin_may_step_down_when_another_admin_remains(login, institution, admin_user):
    MembershipFactory(institution=institution, role=Role.ADMIN)

    response = login(admin_user).post(
        f"{members_url(institution)}{admin_user.pk}/roles", {"roles": ["advisor"]}
    )

    assert response.status_code == 302
    assert roles_of(admin_user, institution) == {Role.ADVISOR}


def test_an_admin_removes_a_member_and_it_is_audited(login, institution, admin_user, registrar_user):
    MembershipFactory(institution=institution, role=Role.ADVISOR, user=registrar_user)

    response = login(admin_user).post(f"{members_url(institution)}{registrar_user.pk}/remove")

    assert response.status_code == 302
    assert roles_of(registrar_user, institution) == set()
    entry = institution.audit_entries.get(action="member.removed")
    assert (entry.target, entry.data["old_roles"]) == (registrar_user.email, ["advisor", "registrar"])


def test_choosing_no_role_is_a_form_error(login, institution, admin_user, registrar_user):
    response = login(admin_user).post(f"{members_url(institution)}{registrar_user.pk}/roles", {"roles": []})

    assert response.status_code == 400
    assert roles_of(registrar_user, institution) == {Role.REGISTRAR}


def test_the_invited_person_signed_in_sees_an_accept_button_and_someone_else_is_told_why_not(
    client, invite, login
):
    link = invite("new.registrar@example.edu")

    invited = login(UserFactory(email="new.registrar@example.edu")).get(path_of(link))
    other = login(UserFactory(email="other@example.edu")).get(path_of(link))

    assert invited.status_code == 200
    assert "Accept: join as Registrar" in invited.content.decode()
    assert other.status_code == 403
    assert "Accept: join" not in other.content.decode()
    assert "another address" in other.content.decode()


def test_no_institution_may_take_the_slug_of_the_invitation_links():
    with pytest.raises(ValidationError, match="reserved"):
        institution_create(slug="invitations", name="Invitations College", with_keys=False)
