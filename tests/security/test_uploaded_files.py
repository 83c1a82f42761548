"""Uploaded files are never a page of the portal's origin (issue 11, finding 5).

Every URL that serves a stored upload (evidence files, SIS import files, achievement images and logos)
answers with `X-Content-Type-Options: nosniff` and the portal's Content-Security-Policy, and either as
a download (`Content-Disposition: attachment`) or with a raster image type, which a browser never
renders as a document. So an uploaded `.html` or `.svg` cannot run script as the portal.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from .rules import RULES, A, url_kwargs
from .test_headers import EXPECTED_POLICY, FIRST_ALLOWED, PATTERNS, content_security_policy

# The URL names of views that answer with a stored upload; the private-files work of issue 11 adds some.
FILE_URLS = ("evidence_file", "achievements:import_file", "public_media", "institutions:logo")
RASTER_IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
SCRIPT = b"<script>alert(document.domain)</script>"


def _require(name: str) -> None:
    if name not in PATTERNS:
        pytest.skip(f"{name} is not in the URLconf yet: the view serving those files is still to come")


def assert_never_rendered_as_a_page(response) -> None:
    assert response.status_code == 200, response.status_code
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert content_security_policy(response.headers.get("Content-Security-Policy", "")) == EXPECTED_POLICY
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    disposition = response.headers.get("Content-Disposition", "")
    assert disposition.startswith("attachment") or content_type in RASTER_IMAGES, (content_type, disposition)


@pytest.mark.parametrize("name", FILE_URLS)
def test_every_url_serving_an_upload_answers_with_a_download_or_a_raster_image_nosniff_and_the_policy(
    client, db, world, name
):
    _require(name)
    role = next(role for role in FIRST_ALLOWED if RULES[name].get[role] == A)
    world.sign_in(client, role)

    response = client.get(reverse(name, kwargs=url_kwargs(PATTERNS[name], world)))

    assert_never_rendered_as_a_page(response)


def test_an_html_evidence_file_is_downloaded_and_never_shown_as_a_page(client, db, world):
    _require("evidence_file")
    from achievements.models import Evidence

    evidence = Evidence.objects.create(
        award=world.a.awards[0], name="Portfolio", file=ContentFile(SCRIPT, name="portfolio.html")
    )

    response = client.get(evidence.file_url)

    assert_never_rendered_as_a_page(response)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == SCRIPT


def test_a_logo_that_is_not_a_raster_image_is_downloaded_and_never_shown_as_a_page(client, db, world):
    # The settings form accepts only images Pillow reads; this is a logo stored some other way.
    institution = type(world.a.institution).objects.get(pk=world.a.institution.pk)  # the world's stays as is
    institution.logo.save(
        "logo.svg", ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>")
    )

    response = client.get(reverse("institutions:logo", kwargs={"slug": institution.slug}))

    assert_never_rendered_as_a_page(response)
    assert response.headers["Content-Disposition"].startswith("attachment")
