"""Whose credential is it: the recipient and the results on the verify and share pages (issue 10, defect 7)."""

import json
import re
from html import unescape
from urllib.parse import urlsplit

import pytest

from wallet import services
from wallet.models import ShareLink

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _hidden(response, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', response.content.decode())
    assert found, f"no hidden {name} field"
    return unescape(found.group(1))


@pytest.fixture
def share(student_user, issued, django_capture_on_commit_callbacks):
    def _share(**options):
        with django_capture_on_commit_callbacks(execute=True):
            share, token = services.share_link_create(
                owner=student_user, credentials=[issued["intro"], issued["data"]], **options
            )
        return share, f"/s/{token}"

    return _share


def test_the_verify_page_shows_the_results_and_that_the_recipient_is_identified_by_a_hashed_email(
    client, issued
):
    page = client.post("/verify/", {"credential_text": json.dumps(issued["intro"].document)})

    text = _text(page)
    assert "Final grade A" in text
    assert "Recipient" in text
    assert "identified by a hashed e-mail address" in text
    assert "Check the recipient's e-mail" in text
    assert issued["intro"].learner.email not in text


def test_the_email_check_on_the_verify_page_says_match_or_no_match_without_javascript(
    client, student_user, issued
):
    page = client.post("/verify/", {"credential_text": json.dumps(issued["intro"].document)})
    submitted = _hidden(page, "credential_text")

    match = client.post("/verify/", {"credential_text": submitted, "recipient_email": student_user.email})
    other = client.post("/verify/", {"credential_text": submitted, "recipient_email": "someone@example.org"})

    assert "The e-mail address matches the recipient of this credential." in _text(match)
    assert "The e-mail address does not match the recipient of this credential." in _text(other)
    assert match.context["verifications"][0].result.verdict == "verified"
    own = {i["identityHash"] for i in issued["intro"].document["credentialSubject"]["identifier"]}
    shown = set(re.findall(r"sha256\$[0-9a-f]{64}", other.content.decode()))
    assert shown <= own  # the credential's own hashes only: never a hash of what was typed


def test_the_email_check_works_for_a_share_link_verified_on_the_verify_page(client, student_user, share):
    _share, path = share()
    page = client.get("/verify/", {"credential": path})
    link = _hidden(page, "credential_link")

    page = client.post("/verify/", {"credential_link": link, "recipient_email": student_user.email})

    assert page.status_code == 200
    assert _text(page).count("The e-mail address matches the recipient of this credential.") == 2


def test_the_email_check_needs_a_csrf_token(student_user, issued):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    document = json.dumps(issued["intro"].document)

    refused = strict.post("/verify/", {"credential_text": document, "recipient_email": student_user.email})

    assert refused.status_code == 403


def test_a_share_link_names_the_learner_by_default_in_the_page_and_in_the_signed_clr(client, share):
    shared, path = share()

    page = client.get(path)

    assert shared.include_name is True
    assert "Recipient Maya Chen" in _text(page)
    [clr] = shared.clrs.all()
    identifiers = clr.document["credentialSubject"]["identifier"]
    assert {
        "type": "IdentityObject",
        "identityHash": "Maya Chen",
        "identityType": "name",
        "hashed": False,
    } in (identifiers)
    verified = client.post("/verify/", {"credential_text": json.dumps(clr.document)})
    assert "Recipient Maya Chen" in _text(verified)
    assert verified.context["verifications"][0].result.verdict == "verified"


def test_a_learner_can_share_without_their_name(
    client, login, student_user, issued, django_capture_on_commit_callbacks
):
    login(student_user)
    form = client.get("/wallet/shares/new")
    assert re.search(r'<input type="checkbox" name="include_name"[^>]*checked', form.content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/wallet/shares/new", {"credentials": [str(issued["intro"].id)], "show_grades": "on"})
    [shared] = ShareLink.objects.all()
    client.logout()

    assert shared.include_name is False  # an unticked box is not sent
    page = client.get(urlsplit(services.share_link_url(share=shared)).path)
    text = _text(page)
    assert "Maya Chen" not in text
    assert "chose not to show their name" in text
    [clr] = shared.clrs.all()
    clr.refresh_from_db()
    assert all(i["identityType"] != "name" for i in clr.document["credentialSubject"]["identifier"])


def test_the_share_page_checks_the_recipients_email(client, student_user, share):
    _shared, path = share(include_name=False)
    check = _hidden(client.get(path), "check")

    match = client.post(path, {"recipient_email": student_user.email, "check": check})
    other = client.post(path, {"recipient_email": "someone@example.org", "check": check})
    forged = client.post(path, {"recipient_email": student_user.email})

    assert match.status_code == 200
    assert "The e-mail address matches the recipient of these records." in _text(match)
    assert "The e-mail address does not match the recipient of these records." in _text(other)
    assert "The e-mail address matches" not in _text(forged)
    assert "This form has expired" in _text(forged)
