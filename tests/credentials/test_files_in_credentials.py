"""The links a signed credential carries to files: the achievement image and evidence files are reachable."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from achievements.services import award_create
from credentials import services
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db(transaction=True)


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (20, 140, 60)).save(buffer, "PNG")
    return SimpleUploadedFile("badge.png", buffer.getvalue(), content_type="image/png")


def test_anyone_holding_a_credential_follows_its_image_and_evidence_links(institution, learner, client):
    achievement = make_achievement(institution, "ART 100", image=png(), image_caption="The badge")
    award = award_create(
        learner=learner,
        achievement=achievement,
        term="Fall 2025",
        result="A",
        evidence=[{"name": "Portfolio", "file": SimpleUploadedFile("portfolio.pdf", b"%PDF-1.7 portfolio")}],
    )

    credential = services.credential_issue(award=award)
    credential.refresh_from_db()

    subject = credential.document["credentialSubject"]
    image_url = subject["achievement"]["image"]["id"]
    evidence_url = credential.document["evidence"][0]["id"]
    evidence = award.evidence.get()
    assert evidence_url == f"{settings.PORTAL_BASE_URL}/evidence/{evidence.uuid}/portfolio.pdf"
    image = client.get(image_url.removeprefix(settings.PORTAL_BASE_URL))
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    download = client.get(evidence_url.removeprefix(settings.PORTAL_BASE_URL))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="portfolio.pdf"'
    assert b"".join(download.streaming_content) == b"%PDF-1.7 portfolio"
