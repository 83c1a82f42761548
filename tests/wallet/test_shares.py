"""Share links: created by the learner, opened by anyone who has the link, revoked or expired."""

import datetime
import hashlib
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from credentials.verification import credential_verify
from wallet import services
from wallet.models import ShareLink

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _share_path(response) -> str:
    url = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', response.content.decode()).group(
        1
    )
    return urlsplit(url).path


@pytest.fixture
def share_of_two(student_user, issued, django_capture_on_commit_callbacks):
    """A share of CS 101 and CS 230, grades hidden, partial CLR signed."""
    with django_capture_on_commit_callbacks(execute=True):
        share, token = services.share_link_create(
            owner=student_user, credentials=[issued["intro"], issued["team"]], label="Acme", show_grades=False
        )
    return share, f"/s/{token}"


def test_a_learner_shares_a_chosen_subset_with_an_expiry_and_grades_hidden(
    client, login, student_user, issued, django_capture_on_commit_callbacks
):
    login(student_user)
    form = client.get("/wallet/shares/new")
    assert "The signed credentials offered for download still contain them" in _text(form)
    expiry = timezone.localdate() + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/wallet/shares/new",
            {
                "credentials": [str(issued["intro"].id), str(issued["team"].id)],
                "label": "Application to Acme",
                "expires_on": expiry.isoformat(),
            },
        )
    share = ShareLink.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/wallet/shares/{share.id}/"
    assert set(share.credentials.all()) == {issued["intro"], issued["team"]}
    assert share.label == "Application to Acme"
    assert share.show_grades is False
    assert share.expires_at.date() == expiry

    detail = client.get(response["Location"])
    path = _share_path(detail)
    token = path.removeprefix("/s/")
    assert len(token) >= 43  # 32 random bytes, base64url: 256 bits
    assert share.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in share.token_encrypted  # the token itself is never stored in clear
    assert "<svg" in detail.content.decode() and "QR code of the share link" in detail.content.decode()
    assert "Viewed 0 times" in _text(detail)


def test_anyone_with_the_link_sees_exactly_that_subset_each_verified_live(client, share_of_two):
    _share, path = share_of_two
    response = client.get(path)
    assert response.status_code == 200
    names = [entry["view"].name for entry in response.context["entries"]]
    assert names == ["Introduction to Programming", "Software Engineering"]
    assert [entry["result"].verdict for entry in response.context["entries"]] == ["verified", "verified"]
    text = _text(response)
    assert "Data Structures" not in text and "BSc Computer Science" not in text and "Peer Tutor" not in text
    assert text.count("Verified") >= 2
    # Grades hidden: no results on the page.
    assert "Final grade" not in text
    assert "chose not to show grades" in text
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_share_page_shows_grades_when_the_learner_chooses_to(client, student_user, issued):
    _share, token = services.share_link_create(
        owner=student_user, credentials=[issued["data"]], show_grades=True
    )
    assert "Final grade B+" in _text(client.get(f"/s/{token}"))


def test_each_view_is_counted_and_the_learner_sees_the_count(client, login, student_user, share_of_two):
    share, path = share_of_two
    client.get(path)
    client.get(path)
    share.refresh_from_db()
    assert share.view_count == 2
    assert share.last_viewed_at is not None
    login(student_user)
    listing = client.get("/wallet/shares/")
    [(listed, _url)] = listing.context["rows"]
    assert (listed.label, listed.view_count) == ("Acme", 2)
    row = re.search(r"Acme.*?</tr>", listing.content.decode(), re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row) == ["2", "2"]  # records, views
    assert "Never" not in row
    assert "Viewed 2 times" in _text(client.get(f"/wallet/shares/{share.id}/"))


def test_the_share_offers_a_signed_partial_clr_of_the_subset_once_it_is_ready(
    client, login, student_user, issued, django_capture_on_commit_callbacks
):
    login(student_user)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        response = client.post(
            "/wallet/shares/new",
            {"credentials": [str(issued["intro"].id), str(issued["data"].id)], "show_grades": "on"},
        )
    share = ShareLink.objects.get()
    [clr] = share.clrs.all()
    path = _share_path(client.get(response["Location"]))
    client.logout()

    preparing = client.get(path)
    assert "is being prepared" in _text(preparing)
    not_yet = client.get(f"{path}/clr/{clr.id}.json")
    assert not_yet.status_code == 202 and "being prepared" in _text(not_yet)

    for callback in pending:  # the worker signs it (eager Celery, in-process)
        callback()
    clr.refresh_from_db()
    assert clr.state == "signed", clr.error
    page = client.get(path)
    assert f'href="{path}/clr/{clr.id}.json"' in page.content.decode()
    download = client.get(f"{path}/clr/{clr.id}.json")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    document = download.json()
    assert "ClrCredential" in document["type"]
    assert document["partial"] is True
    nested_ids = {item["id"] for item in document["credentialSubject"]["verifiableCredential"]}
    assert nested_ids == {issued["intro"].document["id"], issued["data"].document["id"]}
    assert credential_verify(document_or_jwt=document).verdict == "verified"


def test_revoking_a_share_stops_it_at_once_and_leaves_the_credentials_valid(
    client, login, student_user, issued, share_of_two
):
    share, path = share_of_two
    [clr] = share.clrs.all()
    login(student_user)
    response = client.post(f"/wallet/shares/{share.id}/revoke", {"confirm": "yes"})
    assert response.status_code == 302
    assert "Revoked" in _text(client.get("/wallet/shares/"))
    client.logout()

    gone = client.get(path)
    assert gone.status_code == 410
    text = _text(gone)
    assert "revoked" in text and "unaffected" in text
    assert "Introduction to Programming" not in text
    assert client.get(f"{path}/clr/{clr.id}.json").status_code == 410
    share.refresh_from_db()
    assert share.view_count == 0
    assert credential_verify(document_or_jwt=issued["intro"].document).verdict == "verified"


def test_revoking_asks_first_and_says_what_will_happen(client, login, student_user, share_of_two):
    share, path = share_of_two
    login(student_user)
    detail = client.get(f"/wallet/shares/{share.id}/").content.decode()
    assert f'href="/wallet/shares/{share.id}/revoke"' in detail  # the button leads to the question
    question = client.get(f"/wallet/shares/{share.id}/revoke")
    assert question.status_code == 200
    text = _text(question)
    assert "Anyone with the link will no longer see these records" in text
    assert "Introduction to Programming" in text and "Software Engineering" in text
    page = question.content.decode()
    assert 'name="confirm" value="yes"' in page and 'method="post"' in page
    share.refresh_from_db()
    assert share.is_active, "asking revoked the link"
    client.logout()
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("data", [{}, {"confirm": "no"}, {"confirm": "on"}, {"confirm": "YES "}])
def test_a_post_without_confirm_yes_revokes_nothing(client, login, student_user, share_of_two, data):
    share, path = share_of_two
    login(student_user)
    response = client.post(f"/wallet/shares/{share.id}/revoke", data)
    assert response.status_code == 200
    assert "Anyone with the link will no longer see these records" in _text(response)
    share.refresh_from_db()
    assert share.is_active and share.revoked_at is None
    client.logout()
    assert client.get(path).status_code == 200


def test_an_expired_share_shows_a_page_saying_so(client, share_of_two):
    share, path = share_of_two
    ShareLink.objects.filter(pk=share.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    gone = client.get(path)
    assert gone.status_code == 410
    assert "expired" in _text(gone) and "unaffected" in _text(gone)


def test_sharing_everything_shares_every_signed_record(client, login, student_user, issued):
    login(student_user)
    client.post("/wallet/shares/new", {"everything": "on", "show_grades": "on"})
    share = ShareLink.objects.get()
    assert set(share.credentials.all()) == set(issued.values())


def test_the_share_form_explains_what_is_wrong(client, login, student_user, issued, other_student):
    login(student_user)
    nothing = client.post("/wallet/shares/new", {"label": "x"})
    assert "Tick at least one record" in _text(nothing)
    past = client.post(
        "/wallet/shares/new", {"credentials": [str(issued["intro"].id)], "expires_on": "2020-01-01"}
    )
    assert "Choose a day from today on" in _text(past)
    assert not ShareLink.objects.exists()


def test_nobody_can_share_someone_elses_credential(client, login, issued, other_student):
    login(other_student)
    response = client.post("/wallet/shares/new", {"credentials": [str(issued["intro"].id)]})
    assert response.status_code == 200
    assert not ShareLink.objects.exists()
    with pytest.raises(Exception, match="Only your own"):
        services.share_link_create(owner=other_student, credentials=[issued["intro"]])


def test_a_student_cannot_see_or_revoke_another_students_share(client, login, other_student, share_of_two):
    share, _path = share_of_two
    login(other_student)
    assert client.get(f"/wallet/shares/{share.id}/").status_code == 404
    assert client.get(f"/wallet/shares/{share.id}/revoke").status_code == 404
    assert client.post(f"/wallet/shares/{share.id}/revoke").status_code == 404
    assert client.post(f"/wallet/shares/{share.id}/revoke", {"confirm": "yes"}).status_code == 404
    assert "Acme" not in _text(client.get("/wallet/shares/"))
    share.refresh_from_db()
    assert share.is_active


def test_anonymous_visitors_see_shares_only(client, share_of_two, issued):
    share, path = share_of_two
    assert client.get(path).status_code == 200
    assert client.get("/s/not-a-real-token").status_code == 404
    for url in (
        "/wallet/",
        "/wallet/shares/",
        f"/wallet/shares/{share.id}/",
        f"/wallet/records/{issued['intro'].id}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_share_across_two_institutions_offers_one_signed_clr_from_each(
    client, student_user, issued, other_institution, issue, django_capture_on_commit_callbacks
):
    from achievements.services import award_create
    from tests.factories import LearnerFactory, make_achievement

    elsewhere = LearnerFactory(institution=other_institution, user=student_user)
    history = make_achievement(other_institution, "HIST 1", name="Medieval History")
    visiting = issue(
        award_create(learner=elsewhere, achievement=history, term="Summer 2025", credits_earned=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        share, token = services.share_link_create(owner=student_user, credentials=[issued["intro"], visiting])
    clrs = list(share.clrs.all())
    assert {clr.institution for clr in clrs} == {issued["intro"].institution, other_institution}
    page = client.get(f"/s/{token}")
    assert [entry["result"].verdict for entry in page.context["entries"]] == ["verified", "verified"]
    for clr in clrs:
        document = client.get(f"/s/{token}/clr/{clr.id}.json").json()
        assert document["issuer"]["id"] == clr.institution.did
        assert len(document["credentialSubject"]["verifiableCredential"]) == 1
