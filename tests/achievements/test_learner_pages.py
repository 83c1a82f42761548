"""A learner's record, by term, and withdrawing an award."""

from datetime import date

import pytest

from achievements.models import AwardChange
from achievements.services import award_create
from institutions.models import AuditEntry
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(login, registrar_user):
    return login(registrar_user)


def test_the_learner_page_lists_awards_by_term_in_order(registrar, institution, course, learner):
    calculus = make_achievement(institution, "MATH 151", name="Calculus I")
    grade = course.current_version.result_descriptions.get()
    award_create(
        learner=learner,
        achievement=course,
        term="Spring 2026",
        activity_start_date=date(2026, 1, 20),
        results=[{"result_description": grade, "value": "B+"}],
        credits_earned=4,
    )
    award_create(learner=learner, achievement=calculus, term="Fall 2025", activity_start_date=date(2025, 8, 25),
                 results=[{"result_description": calculus.current_version.result_descriptions.get(), "value": "A"}],
                 credits_earned=4)  # fmt: skip
    html = registrar.get(learner.get_absolute_url()).content.decode()
    assert learner.full_name in html and learner.student_id in html
    record = html[html.index('id="term-1"') :]  # after the forms, whose menus list the catalog
    assert record.index("Fall 2025") < record.index("Spring 2026")
    assert record.index("MATH 151") < record.index("CS 101")
    assert "B+" in html and "4.00 credits" in html


def test_the_learner_list_searches_by_name_and_student_id(registrar, institution, learner):
    html = registrar.get(
        f"/institutions/{institution.slug}/learners/", {"q": learner.student_id}
    ).content.decode()
    assert learner.full_name in html
    html = registrar.get(
        f"/institutions/{institution.slug}/learners/", {"q": "nobody-like-this"}
    ).content.decode()
    assert learner.full_name not in html


def test_withdrawing_an_award_needs_a_reason_and_keeps_its_history(registrar, institution, award):
    url = f"/institutions/{institution.slug}/awards/{award.pk}/withdraw"
    response = registrar.post(url, {"reason": "", "confirm": "yes"}, follow=True)
    assert "Say why the award is withdrawn" in response.content.decode()
    response = registrar.post(url, {"reason": "Grade appeal upheld"}, follow=True)  # not confirmed
    assert "Nothing was withdrawn: tick the box" in response.content.decode()
    award.refresh_from_db()
    assert not award.is_withdrawn

    response = registrar.post(url, {"reason": "Grade appeal upheld", "confirm": "yes"}, follow=True)
    html = response.content.decode()
    assert "was withdrawn" in html and "Grade appeal upheld" in html
    award.refresh_from_db()
    assert award.is_withdrawn and award.withdrawn_reason == "Grade appeal upheld"
    assert list(AwardChange.objects.filter(award=award).values_list("action", flat=True)) == [
        "withdrawn",
        "created",
    ]
    assert AuditEntry.objects.filter(action="award.withdrawn", target=str(award.uuid)).exists()
    # Withdrawn awards stay on the record and no longer count in the catalog.
    assert (
        '<strong id="award-count">0</strong>'
        in registrar.get(award.achievement.get_absolute_url()).content.decode()
    )


def test_a_registrar_records_an_award_with_evidence(registrar, institution, course, learner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/institutions/{institution.slug}/learners/{learner.pk}/awards"
    response = registrar.post(url, {
        "achievement": course.pk, "term": "Fall 2025", "result": "B+", "credits_earned": "4",
        "activity_start_date": "2025-09-01", "activity_end_date": "2025-12-15", "awarded_date": "2025-12-20",
        "evidence_narrative": "Final project: a text adventure.",
        "evidence_file": SimpleUploadedFile("project.pdf", b"%PDF-1.4 demo", content_type="application/pdf"),
    })  # fmt: skip
    assert response.status_code == 302
    award = learner.awards.get()
    assert (award.source, award.term, str(award.awarded_date)) == ("registrar", "Fall 2025", "2025-12-20")
    assert [(r.value, r.status) for r in award.results.all()] == [("B+", "Completed")]
    evidence = award.evidence.get()
    assert evidence.narrative == "Final project: a text adventure." and evidence.file.name.endswith(".pdf")
    html = registrar.get(learner.get_absolute_url()).content.decode()
    assert "Evidence:" in html and "project.pdf" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"result": "Z"}, "is not on the scale"),
        ({"credits_earned": "9"}, "CS 101 offers 4.00 credits."),
        ({"awarded_date": "soon"}, "Enter a valid date."),
        ({"activity_start_date": "2025-12-20"}, "The activity ends before it starts."),
    ],
)
def test_recording_an_award_shows_what_is_wrong(registrar, institution, course, learner, overrides, message):
    data = {"achievement": course.pk, "term": "Fall 2025", "result": "A", "awarded_date": "2025-12-20",
            "activity_start_date": "2025-09-01", "activity_end_date": "2025-12-15", **overrides}  # fmt: skip
    response = registrar.post(f"/institutions/{institution.slug}/learners/{learner.pk}/awards", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not learner.awards.exists()


def test_an_award_for_the_same_term_is_not_recorded_twice(registrar, institution, award):
    data = {"achievement": award.achievement_id, "term": award.term, "awarded_date": "2025-12-20"}
    response = registrar.post(f"/institutions/{institution.slug}/learners/{award.learner_id}/awards", data)
    assert response.status_code == 400
    assert "already has CS 101 for Fall 2025" in response.content.decode()


def test_a_registrar_edits_the_learners_profile_and_did(registrar, institution, learner):
    url = f"/institutions/{institution.slug}/learners/{learner.pk}/edit"
    data = {
        "given_name": "Maya",
        "family_name": "Chen",
        "email": "maya@example.edu",
        "sourced_id": "",
        "did": "nope",
    }
    response = registrar.post(url, data)
    assert response.status_code == 400
    assert "A DID looks like" in response.content.decode()
    response = registrar.post(
        url, {**data, "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.did.startswith("did:key:z6Mk") and learner.given_name == "Maya"
    assert AuditEntry.objects.filter(action="learner.updated", target=learner.student_id).exists()


def test_withdrawing_tells_the_apps_above_so_they_can_revoke(registrar, registrar_user, institution, award):
    from achievements.signals import award_withdrawn

    heard = []

    def receiver(sender, award, reason, actor, **kwargs):
        heard.append((award.pk, reason, actor.email))

    award_withdrawn.connect(receiver)
    try:
        registrar.post(
            f"/institutions/{institution.slug}/awards/{award.pk}/withdraw",
            {"reason": "Misconduct", "confirm": "yes"},
        )
    finally:
        award_withdrawn.disconnect(receiver)
    assert heard == [(award.pk, "Misconduct", registrar_user.email)]
