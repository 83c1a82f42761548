"""Importing a credential this portal issued: recognised, never a second copy (issue 10, defect 6)."""

import json
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credentials.selectors import credential_jwt
from credentials.signing import document_jwt
from wallet.models import ExternalCredential

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _upload(client, name: str, content: bytes):
    return client.post(
        "/wallet/imports/", {"file": SimpleUploadedFile(name, content, content_type="application/json")}
    )


def test_importing_your_own_portal_credential_says_it_is_already_in_your_record_and_keeps_no_copy(
    client, login, student_user, issued
):
    credential = issued["intro"]
    login(student_user)

    response = _upload(client, "mine.json", json.dumps(credential.document).encode())
    as_jwt = _upload(client, "mine.jwt", credential_jwt(credential=credential, sign=document_jwt).encode())

    assert response.status_code == 302
    assert response["Location"] == f"/wallet/records/{credential.id}/"
    page = client.get(response["Location"])
    assert "Introduction to Programming is already in your record" in _text(page)
    assert as_jwt["Location"] == f"/wallet/records/{credential.id}/"
    assert not ExternalCredential.objects.exists()
    assert client.get("/wallet/").context["record"].imported == []


def test_a_portal_credential_of_someone_else_is_not_imported_into_your_record(
    client, login, issued, other_student
):
    login(other_student)

    response = _upload(client, "theirs.json", json.dumps(issued["intro"].document).encode())

    assert response.status_code == 200
    assert "issued by this portal to someone else" in _text(response)
    assert not ExternalCredential.objects.exists()


def test_a_copy_with_this_portals_id_but_another_issuer_is_imported_as_from_elsewhere(
    client, login, student_user, issued
):
    document = dict(issued["intro"].document, issuer={"id": "did:example:elsewhere", "type": ["Profile"]})
    login(student_user)

    response = _upload(client, "lookalike.json", json.dumps(document).encode())

    assert response.status_code == 302
    [external] = ExternalCredential.objects.all()
    assert external.verdict == "not_valid"  # altered after signing
