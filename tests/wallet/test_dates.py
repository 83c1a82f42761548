"""Both dates of a credential, named, wherever an issue date is shown (issue 10, defect 6)."""

import json
import re
from datetime import datetime
from html import unescape

import pytest

from wallet import services

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _day(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


@pytest.fixture
def dates(issued):
    degree = issued["degree"]
    proof = degree.document["proof"]
    proof = proof[0] if isinstance(proof, list) else proof
    signed = datetime.fromisoformat(proof["created"].replace("Z", "+00:00"))
    return degree, f"Awarded 1 June 2025 · signed {_day(signed)}"


def test_the_record_page_names_the_award_date_and_the_signing_date(client, login, student_user, dates):
    degree, expected = dates
    login(student_user)

    text = _text(client.get(f"/wallet/records/{degree.id}/"))

    assert expected in text


def test_the_verify_page_names_the_award_date_and_the_signing_date(client, dates):
    degree, expected = dates

    text = _text(client.post("/verify/", {"credential_text": json.dumps(degree.document)}))

    assert expected in text


def test_the_share_page_names_the_award_date_and_the_signing_date(
    client, student_user, dates, django_capture_on_commit_callbacks
):
    degree, expected = dates
    with django_capture_on_commit_callbacks(execute=True):
        _share, token = services.share_link_create(owner=student_user, credentials=[degree])

    text = _text(client.get(f"/s/{token}"))

    assert expected in text
