"""What an employer sees first on a share page: who, which institution, the verdict of every record with
the reason of any that is not valid, then a compact table that opens per record (issue 12, item 4)."""

import copy
import io
import json
import re
from html import unescape

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from achievements.services import award_create
from credentials import services as credential_services
from tests.factories import make_achievement
from vc import data_integrity, keys
from vc.did import did_key_from_public
from wallet import services

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _share(student_user, credentials, capture, **options):
    with capture(execute=True):
        _share, token = services.share_link_create(owner=student_user, credentials=credentials, **options)
    return f"/s/{token}"


def test_the_page_leads_with_who_which_institution_and_the_verdict_of_all(
    client, student_user, issued, institution, django_capture_on_commit_callbacks
):
    institution.logo.save("logo.png", ContentFile(_png()))
    path = _share(
        student_user, [issued["intro"], issued["team"]], django_capture_on_commit_callbacks, label="Acme"
    )

    html = client.get(path).content.decode()

    summary = html[html.index('class="share-summary') : html.index('class="shared-records"')]
    text = _text(summary)
    assert "Recipient Maya Chen" in text
    assert f"Issued by {institution.name}" in text
    assert f'<img class="institution-logo" src="/institutions/{institution.slug}/logo"' in summary
    assert "Verified All 2 records are intact" in text
    # Then the table: one row per record, with term, grade and credits, each opening to its details.
    rows = re.findall(r'<tr class="shared-credential".*?</tr>', html, re.S)
    assert [_text(row).split(" Verified")[0].strip() for row in rows] == [
        "CS 101 Introduction to Programming Course Fall 2024 A 4",
        "CS 230 Software Engineering Course Spring 2025 C 3",
    ]
    assert html.count('<tr class="record-more">') == 2 and html.count("<summary>Details and checks") == 2
    assert "Endorsements" not in html  # no empty sections
    assert "None." not in _text(html)


def test_a_suspended_record_says_why_in_the_summary_and_in_its_row(
    client, student_user, issued, django_capture_on_commit_callbacks
):
    path = _share(student_user, [issued["intro"], issued["team"]], django_capture_on_commit_callbacks)
    credential_services.credential_suspend(credential=issued["team"], reason="Grade under review")

    html = client.get(path).content.decode()

    summary = _text(html[html.index('class="share-summary') : html.index('class="shared-records"')])
    assert "Not valid: 1" in summary and "1 of 2 verified." in summary
    assert "Software Engineering — not valid: Its issuer suspended it." in summary
    [row] = [r for r in re.findall(r'<tr class="shared-credential".*?</tr>', html, re.S) if "CS 230" in r]
    assert "Not valid" in _text(row) and "Its issuer suspended it." in _text(row)
    assert "Grade under review" not in html  # the institution's own note stays with the institution


def test_grades_hidden_by_the_learner_have_no_column(
    client, student_user, issued, django_capture_on_commit_callbacks
):
    path = _share(student_user, [issued["intro"]], django_capture_on_commit_callbacks, show_grades=False)
    html = client.get(path).content.decode()
    assert '<th scope="col">Grade</th>' not in html
    assert "Final grade" not in html


def test_badge_images_are_shown_from_the_achievement_and_from_imported_badges(
    client, login, student_user, learner, institution, issue, issued, django_capture_on_commit_callbacks
):
    course = make_achievement(institution, "ART 1", name="Drawing")
    course.current_version.image.save("drawing.png", ContentFile(_png()))
    credential = issue(award_create(learner=learner, achievement=course, term="Fall 2024", credits_earned=4))
    path = _share(student_user, [credential], django_capture_on_commit_callbacks)
    image = credential.document["credentialSubject"]["achievement"]["image"]["id"]

    assert f'<img class="badge-image" src="{image}"' in client.get(path).content.decode()

    private_key = keys.generate_ed25519()
    did = did_key_from_public(private_key.public_key())
    for name, src in (("Kind", "https://badges.elsewhere.example/kind.png"), ("Evil", "javascript:alert(1)")):
        unsigned = {
            k: v
            for k, v in copy.deepcopy(issued["intro"].document).items()
            if k not in ("proof", "credentialStatus")
        }
        unsigned["id"] = f"https://badges.elsewhere.example/credentials/{name}"
        unsigned["name"] = name
        unsigned["credentialSubject"]["achievement"]["image"] = {"id": src, "type": "Image"}
        unsigned["issuer"] = {"id": did, "type": ["Profile"], "name": "Elsewhere College"}
        signed = data_integrity.sign(
            unsigned, private_key=private_key, verification_method=f"{did}#{did[8:]}"
        )
        login(student_user).post(
            "/wallet/imports/", {"file": ContentFile(json.dumps(signed).encode(), "b.json")}
        )
    for page in ("/wallet/", "/wallet/imports/"):
        html = client.get(page).content.decode()
        assert '<img class="badge-image" src="https://badges.elsewhere.example/kind.png"' in html, page
        assert "javascript:" not in html, page


def test_the_verify_page_leads_with_the_verdict_and_the_recipient(client, issued):
    html = client.post("/verify/", {"credential_text": json.dumps(issued["intro"].document)}).content.decode()
    result = html[html.index('<article class="verify-result"') :]
    verdict, recipient = result.index('class="verdict"'), result.index("<dt>Recipient</dt>")
    achievement, checks = result.index("<dt>Kind</dt>"), result.index("How this was checked")
    assert verdict < recipient < achievement < checks
    assert "Verified" in _text(result[:recipient])


def test_markdown_criteria_are_rendered_below_the_pages_headings(
    client, login, student_user, learner, institution, issue
):
    course = make_achievement(
        institution, "BS-REQ", name="Requirements",
        criteria_narrative="# Degree Requirements\n\n- 120 credits\n- [the rules](javascript:alert(1))\n\n<script>x</script>",
    )  # fmt: skip
    credential = issue(award_create(learner=learner, achievement=course, term="Fall 2024", credits_earned=4))
    login(student_user)
    html = client.get(f"/wallet/records/{credential.id}/").content.decode()
    criteria = html[html.index("<h3>Criteria</h3>") :]
    assert "<h4>Degree Requirements</h4>" in criteria
    assert "<li>120 credits</li>" in criteria
    assert "# Degree Requirements" not in _text(html.split('<details class="technical">')[0])
    assert "javascript:" not in html.split('<details class="technical">')[0]
    assert "<script>x</script>" not in html
