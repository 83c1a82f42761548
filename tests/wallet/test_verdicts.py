"""One verdict, decided from the checks, on every page and in the API (issue 10, defect 4)."""

import json
import re
from html import unescape

import pytest

from credentials import services as credential_services
from credentials.status_lists import status_list_publish

pytestmark = pytest.mark.django_db

API = "/api/v1/verify"


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _check_text(html: str, name: str) -> str:
    """The words of the check `name` (its <li>) on a page."""
    match = re.search(rf'<li class="check (\w+)" data-check="{name}">(.*?)<br><small', html, re.S)
    assert match, f"no {name} check on the page"
    return match.group(1) + ": " + unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2))))


def _card(dashboard, clr):
    """The dashboard card of `clr`."""
    pattern = rf'<li class="card[^"]*"><h3><a href="/wallet/records/{clr.id}/">.*?</li>'
    return re.search(pattern, dashboard.content.decode(), re.S)


@pytest.fixture
def clr_with_a_suspended_course(learner, issued, django_capture_on_commit_callbacks):
    """The learner's whole record as a CLR, then one course inside it suspended."""
    with django_capture_on_commit_callbacks(execute=True):
        clr = credential_services.clr_issue(learner=learner)
    clr.refresh_from_db()
    assert clr.state == "signed", clr.error
    status_list_publish(status_list_id=clr.status_list_id)
    credential_services.credential_suspend(credential=issued["data"], reason="Grade under review")
    return clr


def test_a_clr_holding_a_suspended_credential_is_not_valid_and_the_nested_check_names_it(
    client, login, student_user, clr_with_a_suspended_course
):
    clr = clr_with_a_suspended_course
    inside = len(clr.document["credentialSubject"]["verifiableCredential"])
    login(student_user)

    record = client.get(f"/wallet/records/{clr.id}/")

    html = record.content.decode()
    assert record.context["result"].verdict == "not_valid"
    nested = _check_text(html, "nested_credentials")
    assert nested.startswith("failed: ")
    assert f"1 of {inside} credentials inside is suspended: Data Structures" in nested
    assert f"All {inside} credentials inside verify" not in html
    assert "Not valid" in _text(record)


def test_the_api_and_the_verify_page_report_the_suspended_credential_on_the_nested_check(
    client, login, student_user, clr_with_a_suspended_course
):
    clr = clr_with_a_suspended_course
    inside = len(clr.document["credentialSubject"]["verifiableCredential"])

    api = client.post(API, json.dumps(clr.document), content_type="application/json").json()
    page = client.post("/verify/", {"credential_text": json.dumps(clr.document)})

    checks = {check["name"]: check for check in api["checks"]}
    assert api["verdict"] == "not_valid"
    assert checks["nested_credentials"]["status"] == "failed"
    assert (
        f"1 of {inside} credentials inside is suspended: Data Structures"
        in (checks["nested_credentials"]["message"])
    )
    [suspended] = [n for n in api["nested"] if n["verdict"] == "not_valid"]
    assert suspended["credential"]["name"] == "Data Structures"
    assert {c["name"]: c["status"] for c in suspended["checks"]}["status"] == "failed"
    assert page.context["verifications"][0].result.verdict == "not_valid"
    assert _check_text(page.content.decode(), "nested_credentials").startswith("failed: ")


def test_the_dashboard_card_of_the_clr_shows_the_same_verdict_as_its_record_page(
    client, login, student_user, clr_with_a_suspended_course
):
    clr = clr_with_a_suspended_course
    login(student_user)

    dashboard = client.get("/wallet/")

    card = _card(dashboard, clr)
    assert card, "no card for the CLR"
    words = unescape(re.sub(r"<[^>]+>", " ", card.group(0)))
    assert "Not valid" in words
    assert "Verified" not in words


def test_once_the_suspension_is_lifted_every_page_says_verified_again(
    client, login, student_user, issued, clr_with_a_suspended_course
):
    clr = clr_with_a_suspended_course
    credential_services.credential_unsuspend(credential=issued["data"])
    login(student_user)

    record = client.get(f"/wallet/records/{clr.id}/")
    dashboard = client.get("/wallet/")

    assert record.context["result"].verdict == "verified"
    assert _check_text(record.content.decode(), "nested_credentials").startswith("passed: ")
    card = _card(dashboard, clr)
    assert "Verified" in card.group(0)


def test_the_dashboard_says_not_valid_for_credentials_signed_with_a_compromised_key(
    client, login, student_user, issued
):
    from institutions.services import signing_key_mark_compromised

    signing_key_mark_compromised(key=issued["intro"].signing_key, reason="Laptop stolen")
    login(student_user)
    record = client.get("/wallet/").context["record"]
    states = {item.code: item.state.label for group in record.terms for item in group.items}
    assert states["CS 101"] == "Not valid"
    page = client.get(f"/wallet/records/{issued['intro'].id}/")
    assert page.status_code == 200 and b"Not valid" in page.content
