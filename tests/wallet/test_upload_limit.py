"""One upload limit (PORTAL_UPLOAD_MAX_BYTES) for wallet imports, the verify page and the API (issue 10)."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wallet.models import ExternalCredential

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _file(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("big.json", b"{" + b" " * (size - 2) + b"}", content_type="application/json")


def test_the_import_page_and_the_verify_page_refuse_a_file_over_the_one_limit_with_the_same_message(
    client, login, student_user, settings
):
    settings.PORTAL_UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    message = "The file is 3,145,750 bytes, over the limit of 3,145,728 bytes (3 MB); it was not examined."
    login(student_user)

    imported = client.post("/wallet/imports/", {"file": _file(3 * 1024 * 1024 + 22)})
    verified = client.post("/verify/", {"credential_file": _file(3 * 1024 * 1024 + 22)})
    api = client.post("/api/v1/verify", {"file": _file(3 * 1024 * 1024 + 22)})

    assert message in _text(imported)
    assert message in _text(verified)
    assert api.status_code == 413
    assert api.json()["message"] == message
    assert not ExternalCredential.objects.exists()
    assert "At most 3 MB" in _text(client.get("/wallet/imports/"))
    assert "up to 3 MB" in _text(client.get("/verify/"))


def test_a_wallet_import_may_be_as_large_as_a_file_on_the_verify_page(client, login, student_user, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    login(student_user)

    imported = client.post("/wallet/imports/", {"file": _file(3 * 1024 * 1024)})

    text = _text(imported)
    assert "over the limit" not in text
    assert "not a verifiable credential" in text  # read, then refused for what it is, not for its size
