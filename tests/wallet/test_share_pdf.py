"""A share page offers its signed record as a PDF companion when the learner lets viewers download one."""

import datetime
import io
import json
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from wallet.models import ShareLink

pytestmark = pytest.mark.django_db

PDF_LABEL = "Let viewers download a PDF copy"


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _share_path(detail) -> str:
    url = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', detail.content.decode()).group(1)
    return urlsplit(url).path


def _pdf_links(page) -> list[str]:
    return re.findall(r'href="(/s/[^"]+\.pdf)"', page.content.decode())


def _create_share(client, issued, **choices) -> tuple[ShareLink, str]:
    """Post the share form as a browser does: a ticked box sends "on", an unticked one nothing."""
    data = {"credentials": [str(issued["intro"].id), str(issued["team"].id)], "label": "Acme"}
    data.update({name: "on" for name, ticked in choices.items() if ticked})
    response = client.post("/wallet/shares/new", data)
    assert response.status_code == 302, response.content.decode()
    share = ShareLink.objects.get()
    return share, _share_path(client.get(response["Location"]))


@pytest.fixture
def learner_client(client, login, student_user):
    login(student_user)
    return client


def test_the_share_form_offers_the_pdf_ticked_by_default(learner_client, issued):
    form = learner_client.get("/wallet/shares/new")
    html = form.content.decode()
    box = re.search(r'<input[^>]*name="allow_pdf"[^>]*>', html).group(0)
    assert 'type="checkbox"' in box and "checked" in box
    assert PDF_LABEL in _text(form)


def test_viewers_download_a_pdf_whose_attachment_is_the_shares_signed_partial_clr(
    learner_client, issued, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        share, path = _create_share(
            learner_client, issued, show_grades=True, include_name=True, allow_pdf=True
        )
    assert share.allow_pdf is True
    detail = learner_client.get(share.get_absolute_url())
    assert "Viewers can download a PDF copy" in _text(detail)
    clr = share.clrs.get()
    learner_client.logout()

    page = learner_client.get(path)
    assert page.status_code == 200
    assert "Download as a PDF" in _text(page)
    [link] = _pdf_links(page)
    assert link == reverse(
        "wallet:share_pdf", kwargs={"token": path.removeprefix("/s/"), "credential_id": clr.id}
    )

    response = learner_client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="clr-{clr.id}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(body))
    [attached] = reader.attachments["clr.json"]
    attached_clr = json.loads(attached)
    assert attached_clr["id"] == clr.document["id"]
    assert attached_clr["partial"] is True
    downloaded_json = json.loads(learner_client.get(f"{path}/clr/{clr.id}.json").content)
    assert attached_clr == downloaded_json
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Maya Chen" in text
    assert "CS 101" in text and "CS 230" in text
    assert "CS 102" not in text  # not shared


def test_the_first_download_renders_the_pdf_when_no_worker_has_and_keeps_it(
    learner_client, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        share, path = _create_share(learner_client, issued, include_name=True, allow_pdf=True)
    clr = share.clrs.get()
    clr.pdf.delete(save=False)
    clr.pdf_rendered_at = None
    clr.save(update_fields=["pdf", "pdf_rendered_at"])
    learner_client.logout()

    first = learner_client.get(f"{path}/clr/{clr.id}.pdf")

    assert first.status_code == 200
    body = b"".join(first.streaming_content)
    assert body.startswith(b"%PDF-")
    clr.refresh_from_db()
    assert clr.pdf and clr.pdf_rendered_at is not None
    stored = clr.pdf.name
    assert b"".join(learner_client.get(f"{path}/clr/{clr.id}.pdf").streaming_content) == body
    clr.refresh_from_db()
    assert clr.pdf.name == stored


def test_a_share_without_the_pdf_shows_no_pdf_link_and_its_pdf_address_is_not_found(
    learner_client, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        share, path = _create_share(learner_client, issued, include_name=True)
    assert share.allow_pdf is False
    assert "Viewers can download the signed record, but no PDF copy" in _text(
        learner_client.get(share.get_absolute_url())
    )
    clr = share.clrs.get()
    learner_client.logout()

    page = learner_client.get(path)
    assert page.status_code == 200
    assert _pdf_links(page) == []
    assert "Download as a PDF" not in _text(page)
    assert "Download the signed record" in _text(page)  # the JSON stays on offer
    assert learner_client.get(f"{path}/clr/{clr.id}.pdf").status_code == 404


def test_a_share_that_leaves_out_the_name_gives_a_pdf_that_names_nobody(
    learner_client, issued, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        share, path = _create_share(learner_client, issued, allow_pdf=True)
    assert share.include_name is False
    clr = share.clrs.get()
    learner_client.logout()

    response = learner_client.get(f"{path}/clr/{clr.id}.pdf")

    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Maya" not in text and "Chen" not in text
    assert learner.student_id not in text
    assert "hashed identifiers" in text
    assert "CS 101" in text
    assert "Chen" not in learner_client.get(f"{path}/clr/{clr.id}.json").content.decode()


def test_only_the_shares_own_clr_is_served_as_a_pdf(
    learner_client, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _share, path = _create_share(learner_client, issued, allow_pdf=True)
    learner_client.logout()
    # A credential of the same learner, signed but not the share's CLR: nothing to see here.
    assert learner_client.get(f"{path}/clr/{issued['degree'].id}.pdf").status_code == 404
    assert learner_client.get(f"/s/not-a-token/clr/{issued['degree'].id}.pdf").status_code == 404


def test_a_revoked_or_expired_share_answers_gone_for_its_pdf(
    learner_client, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        share, path = _create_share(learner_client, issued, allow_pdf=True)
    clr = share.clrs.get()
    revoked = learner_client.post(f"/wallet/shares/{share.id}/revoke", {"confirm": "yes"})
    assert revoked.status_code == 302
    learner_client.logout()

    response = learner_client.get(f"{path}/clr/{clr.id}.pdf")
    assert response.status_code == 410
    assert "revoked" in _text(response)
    assert response["Cache-Control"] == "private, no-store"

    ShareLink.objects.filter(pk=share.pk).update(
        revoked_at=None, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    expired = learner_client.get(f"{path}/clr/{clr.id}.pdf")
    assert expired.status_code == 410
    assert "expired" in _text(expired)


def test_while_the_partial_clr_is_being_signed_the_pdf_address_says_it_is_being_prepared(
    learner_client, issued
):
    # No on-commit callbacks run: the share's CLR stays queued, as it is until a worker signs it.
    share, path = _create_share(learner_client, issued, allow_pdf=True)
    clr = share.clrs.get()
    assert clr.state == "queued"
    learner_client.logout()

    response = learner_client.get(f"{path}/clr/{clr.id}.pdf")

    assert response.status_code == 202
    assert response["Retry-After"] == "5"
    assert "being prepared" in _text(response)
    clr.refresh_from_db()
    assert not clr.pdf


def test_the_one_click_record_link_asks_about_the_pdf_too(learner_client, issued):
    record = learner_client.get(f"/wallet/records/{issued['intro'].id}/")
    assert PDF_LABEL in _text(record)
    learner_client.post(
        f"/wallet/records/{issued['intro'].id}/share", {"show_grades": "on", "include_name": "on"}
    )
    assert ShareLink.objects.get().allow_pdf is False
