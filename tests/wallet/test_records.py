"""The record page of one credential, through HTTP."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_record_page_shows_what_the_credential_says_and_how_it_verified(
    client, login, student_user, issued
):
    login(student_user)
    response = client.get(f"/wallet/records/{issued['intro'].id}/")
    assert response.status_code == 200
    text = _text(response)
    for expected in (
        "Introduction to Programming",  # achievement
        "The course CS 101.",  # description
        "Pass the course with a D or better.",  # criteria
        "Final grade A",  # result
        "Credits earned 4 of 4",
        "Term Fall 2024",
        "Issuer",
        "Expires Does not expire",
        "Verified",  # the verdict and each check
    ):
        assert expected in text, expected
    assert "Endorsements" not in text  # no empty sections
    assert response.context["result"].verdict == "verified", response.context["result"].to_dict()
    page = response.content.decode()
    for check in ("well_formed", "schema", "proof", "issuer_key", "validity_period", "status"):
        assert f'data-check="{check}"' in page
    assert f'href="/credentials/{issued["intro"].id}.json"' in page
    assert f'href="/credentials/{issued["intro"].id}.jwt"' in page


def test_the_record_page_lists_alignments_and_evidence(client, login, student_user, awards, issue):
    credential = issue(awards["team"])
    tutor = issue(awards["tutor"])
    login(student_user)
    assert "Aligned to Teamwork" in _text(client.get(f"/wallet/records/{credential.id}/"))
    text = _text(client.get(f"/wallet/records/{tutor.id}/"))
    assert "Evidence Verified by Dr. Ada Advisor" in text
    assert "Tutored 12 first-year students." in text


def test_linkedin_and_copy_link_use_a_share_link_that_the_learner_makes_first(
    client, login, student_user, issued
):
    credential = issued["intro"]
    login(student_user)
    before = client.get(f"/wallet/records/{credential.id}/")
    assert before.context["share_url"] is None
    assert "linkedin.com" not in before.content.decode()  # nothing is public until shared

    made = client.post(f"/wallet/records/{credential.id}/share", {"show_grades": "on"})
    assert made.status_code == 302
    after = client.get(f"/wallet/records/{credential.id}/")
    share_url = after.context["share_url"]
    assert share_url.startswith("http://127.0.0.1:8000/s/")
    assert f'value="{share_url}"' in after.content.decode()  # the copy-link field, usable without JavaScript

    linkedin = urlsplit(
        unescape(
            re.search(
                r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', after.content.decode()
            ).group(1)
        )
    )
    params = {key: values[0] for key, values in parse_qs(linkedin.query).items()}
    signed = credential.document
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Introduction to Programming",
        "organizationName": credential.institution.name,
        "issueYear": signed["awardedDate"][:4],
        "issueMonth": str(int(signed["awardedDate"][5:7])),
        "certUrl": share_url,
        "certId": str(credential.id),
    }
    # The link it names works for anyone.
    client.logout()
    assert client.get(urlsplit(share_url).path).status_code == 200


def test_a_student_cannot_open_another_students_record(client, login, issued, other_student):
    url = f"/wallet/records/{issued['intro'].id}/"
    login(other_student)
    assert client.get(url).status_code == 404
    assert client.post(url + "share", {}).status_code == 404
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_registrar_has_no_wallet_record_page_for_a_students_credential(
    client, login, registrar_user, issued
):
    login(registrar_user)
    assert client.get(f"/wallet/records/{issued['intro'].id}/").status_code == 404


def test_the_issuer_logo_and_the_whole_record_as_a_clr_are_shown(
    client, login, student_user, institution, issued, django_capture_on_commit_callbacks
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from credentials.services import clr_issue

    canvas = io.BytesIO()
    Image.new("RGB", (60, 20), "teal").save(canvas, format="PNG")
    institution.logo = SimpleUploadedFile("logo.png", canvas.getvalue(), content_type="image/png")
    institution.save()
    with django_capture_on_commit_callbacks(execute=True):
        clr = clr_issue(learner=issued["intro"].learner)
    clr.refresh_from_db()
    assert clr.state == "signed", clr.error
    login(student_user)
    dashboard = client.get("/wallet/")
    assert dashboard.context["record"].clrs == [clr]
    assert f'href="/wallet/records/{clr.id}/"' in dashboard.content.decode()

    page = client.get(f"/wallet/records/{clr.id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(rf'<img class="issuer-logo" src="[^"]*/institutions/{institution.slug}/logo"', html)
    text = _text(page)
    assert "Records in this credential" in text
    assert "CS 101 Introduction to Programming — Fall 2024: A" in text
    assert page.context["result"].verdict == "verified", page.context["result"].to_dict()
