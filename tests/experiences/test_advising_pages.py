"""The advisors' and admins' pages, through HTTP: who sees what, the queue, the review and its decisions."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from achievements.models import Award
from credentials.models import CredentialState, IssuedCredential
from experiences import services
from experiences.models import (
    AdvisorAssignment,
    AdvisorPreference,
    Annotation,
    CompetencyLevel,
    CompetencyRating,
    Experience,
    ExperiencePolicy,
    State,
    Visibility,
)
from institutions.models import Role
from tests.factories import LearnerFactory, MembershipFactory

ACTIONS = {
    "annotate": {"text": "A note", "visibility": "shared"},
    "verify": {"hours": "10"},
    "request_changes": {"comment": "Add dates."},
    "decline": {"reason": "Not co-curricular."},
    "supervisor_ask": {"email": "boss@example.org", "name": "Boss"},
    "unverify": {"reason": "Mistake", "confirm": "on"},
}


def _url(name, experience, **kwargs):
    return reverse(
        name, kwargs={"slug": experience.institution.slug, "experience_id": experience.uuid, **kwargs}
    )


@pytest.fixture
def submitted(experience, student_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)
    experience.refresh_from_db()
    mail.outbox.clear()
    return experience


@pytest.fixture
def other_experience(rubric):
    """An experience of a student nobody assigned to the advisor."""
    learner = LearnerFactory(institution=rubric)
    experience = services.experience_create(
        learner=learner,
        fields={
            "title": "Chess Club",
            "organisation": "Chess Society",
            "category": "club",
            "description": "Played.",
        },
    )
    services.experience_submit(experience=experience)
    return Experience.objects.get(pk=experience.pk)


# --- who may see what ---------------------------------------------------------------------------------


def test_an_assigned_advisor_sees_their_students_experience_in_the_queue_and_reviews_it(
    client, login, assigned_advisor, submitted, other_experience
):
    login(assigned_advisor)
    queue = client.get(reverse("advising:queue", args=[submitted.institution.slug]))
    assert queue.status_code == 200
    page = queue.content.decode()
    assert "Robotics Club" in page
    assert "Chess Club" not in page
    review = client.get(_url("advising:review", submitted))
    assert review.status_code == 200
    text = review.content.decode()
    for wrote in ("Engineering Society", "Treasurer", "Kept the club", "Budgeting is teamwork", "Teamwork"):
        assert wrote in text


def test_an_advisor_gets_404_for_an_unassigned_students_experience_on_every_page_and_nothing_changes(
    client, login, assigned_advisor, other_experience
):
    login(assigned_advisor)
    assert client.get(_url("advising:review", other_experience)).status_code == 404
    for name, data in ACTIONS.items():
        assert client.post(_url(f"advising:{name}", other_experience), data).status_code == 404, name
    other_experience.refresh_from_db()
    assert other_experience.state == State.SUBMITTED
    assert not other_experience.annotations.exists()
    assert not other_experience.supervisor_requests.exists()


def test_an_admin_sees_every_experience_of_the_institution(
    client, login, admin_user, submitted, other_experience
):
    login(admin_user)
    page = client.get(reverse("advising:queue", args=[submitted.institution.slug])).content.decode()
    assert "Robotics Club" in page and "Chess Club" in page
    assert client.get(_url("advising:review", other_experience)).status_code == 200


def test_a_registrar_and_a_student_get_403(client, login, registrar_user, student_user, submitted):
    for user in (registrar_user, student_user):
        login(user)
        assert client.get(reverse("advising:queue", args=[submitted.institution.slug])).status_code == 403
        assert client.get(_url("advising:review", submitted)).status_code == 403
        assert client.post(_url("advising:verify", submitted), {"hours": "1"}).status_code == 403


def test_a_visitor_is_sent_to_log_in(client, submitted):
    response = client.get(_url("advising:review", submitted))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_admin_of_another_institution_sees_nothing(client, login, other_institution, submitted):
    outsider = MembershipFactory(institution=other_institution, role=Role.ADMIN).user
    login(outsider)
    assert client.get(_url("advising:review", submitted)).status_code == 403
    through_own = reverse(
        "advising:review", kwargs={"slug": other_institution.slug, "experience_id": submitted.uuid}
    )
    assert client.get(through_own).status_code == 404
    own_queue = client.get(reverse("advising:queue", args=[other_institution.slug])).content.decode()
    assert "Robotics Club" not in own_queue
    verify = reverse(
        "advising:verify", kwargs={"slug": other_institution.slug, "experience_id": submitted.uuid}
    )
    assert client.post(verify, {"hours": "1"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_an_advisor_who_is_also_the_student_never_sees_their_own_experience(
    client, login, rubric, student_user, submitted
):
    MembershipFactory(institution=rubric, role=Role.ADVISOR, user=student_user)
    AdvisorAssignment.objects.create(institution=rubric, advisor=student_user, learner=submitted.learner)
    login(student_user)
    assert "Robotics Club" not in client.get(reverse("advising:queue", args=[rubric.slug])).content.decode()
    assert client.get(_url("advising:review", submitted)).status_code == 404
    assert client.post(_url("advising:verify", submitted), {"hours": "1"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_an_admin_who_is_the_student_neither_sees_nor_decides_their_own_experience(
    client, login, rubric, student_user, submitted
):
    MembershipFactory(institution=rubric, role=Role.ADMIN, user=student_user)
    login(student_user)
    assert submitted.title not in client.get(reverse("advising:queue", args=[rubric.slug])).content.decode()
    assert client.get(_url("advising:review", submitted)).status_code == 404
    response = client.post(_url("advising:verify", submitted), {"hours": "1"})
    assert response.status_code == 404
    note = client.post(
        _url("advising:annotate", submitted), {"text": "Mine is great.", "visibility": "internal"}
    )
    assert note.status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED and submitted.award is None
    assert not submitted.annotations.exists()


# --- the queue ----------------------------------------------------------------------------------------


def _make(learner, title, *, state=State.SUBMITTED, category="club", days_ago=0):
    return Experience.objects.create(
        institution=learner.institution, learner=learner, title=title, organisation="Org", category=category,
        description="Did it.", state=state, submitted_at=timezone.now() - timezone.timedelta(days=days_ago),
    )  # fmt: skip


def test_the_queue_lists_oldest_first_filters_by_state_category_and_student_and_counts_each_state(
    client, login, assigned_advisor, student_learner
):
    _make(student_learner, "Newer club", days_ago=1)
    _make(student_learner, "Older club", days_ago=9)
    _make(student_learner, "Food bank", category="service", days_ago=5, state=State.AWAITING_SUPERVISOR)
    _make(student_learner, "Old verified", state=State.VERIFIED, days_ago=30)
    login(assigned_advisor)
    url = reverse("advising:queue", args=[student_learner.institution.slug])
    page = client.get(url).content.decode()
    assert page.index("Older club") < page.index("Food bank") < page.index("Newer club")
    assert "Old verified" not in page  # the default tab: waiting for a decision
    assert 'aria-current="page">Waiting for a decision <span class="badge unsure">3</span>' in page
    verified = client.get(url, {"state": "verified"}).content.decode()
    assert "Old verified" in verified and "Older club" not in verified
    service = client.get(url, {"category": "service"}).content.decode()
    assert "Food bank" in service and "Older club" not in service
    by_name = client.get(url, {"q": student_learner.family_name}).content.decode()
    assert "Older club" in by_name
    by_id = client.get(url, {"q": student_learner.student_id}).content.decode()
    assert "Older club" in by_id
    assert "Older club" not in client.get(url, {"q": "Nobody-by-that-name"}).content.decode()


def test_the_queue_refuses_an_unknown_state_or_category_with_a_clear_400(
    client, login, assigned_advisor, rubric
):
    login(assigned_advisor)
    url = reverse("advising:queue", args=[rubric.slug])
    response = client.get(url, {"state": "bogus"})
    assert response.status_code == 400 and "no such state" in response.content.decode()
    assert client.get(url, {"category": "bogus"}).status_code == 400
    assert client.get(url, {"page": "not-a-number"}).status_code == 200


def test_the_queue_is_paginated_fifty_a_page(client, login, assigned_advisor, student_learner):
    for n in range(55):
        _make(student_learner, f"Experience number {n:02d}", days_ago=100 - n)
    login(assigned_advisor)
    url = reverse("advising:queue", args=[student_learner.institution.slug])
    first = client.get(url).content.decode()
    assert "Experience number 00" in first and "Experience number 50" not in first
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "Experience number 54" in second and "Experience number 00" not in second
    assert "Experience number 54" in client.get(url, {"page": 99}).content.decode()


def _queries(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries.captured_queries)


def test_the_queue_makes_a_fixed_number_of_queries_whatever_the_rows(
    client, login, assigned_advisor, student_learner, django_assert_max_num_queries
):
    login(assigned_advisor)
    url = reverse("advising:queue", args=[student_learner.institution.slug])
    filtered = {"state": "verified", "q": student_learner.given_name, "category": "club"}
    counts = []
    for more in (3, 117):  # 3 rows, then 120
        for n in range(more):
            _make(student_learner, f"Row {n}", days_ago=n, state=State.SUBMITTED if n % 2 else State.VERIFIED)
        client.get(url)
        with django_assert_max_num_queries(10):
            plain = _queries(client, url)
        with django_assert_max_num_queries(10):
            counts.append((plain, _queries(client, url, filtered)))
    assert counts[0] == counts[1]


def test_an_advisor_chooses_a_daily_digest_or_an_email_each(client, login, assigned_advisor, rubric):
    login(assigned_advisor)
    url = reverse("advising:preferences", args=[rubric.slug])
    response = client.post(url, {"notify": "daily"})
    assert response.status_code == 302
    assert AdvisorPreference.objects.get(user=assigned_advisor, institution=rubric).notify == "daily"
    page = client.get(reverse("advising:queue", args=[rubric.slug])).content.decode()
    assert re.search(r'<input type="radio" name="notify" value="daily"[^>]* checked>', page)
    client.post(url, {"notify": "each"})
    assert AdvisorPreference.objects.get(user=assigned_advisor, institution=rubric).notify == "each"
    assert client.post(url, {"notify": "hourly"}).status_code == 400
    assert AdvisorPreference.objects.get(user=assigned_advisor, institution=rubric).notify == "each"


def test_a_get_of_preferences_is_not_allowed(client, login, assigned_advisor, rubric):
    login(assigned_advisor)
    assert client.get(reverse("advising:preferences", args=[rubric.slug])).status_code == 405


# --- the review page and its decisions ----------------------------------------------------------------


def test_verifying_a_submitted_experience_issues_a_signed_credential_and_tells_the_student(
    client, login, assigned_advisor, submitted, competency, proficient, student_user,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    login(assigned_advisor)
    page = client.get(_url("advising:review", submitted)).content.decode()
    assert f'name="level_{competency.pk}"' in page  # the claimed competency, to rate
    data = {"hours": "38", f"level_{competency.pk}": proficient.pk, "comment": "Ran a tight budget."}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("advising:verify", submitted), data)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.VERIFIED
    assert submitted.confirmed_hours == Decimal("38")
    assert CompetencyRating.objects.get(experience=submitted).level == proficient
    credential = IssuedCredential.objects.get(award=submitted.award)
    assert credential.state == CredentialState.SIGNED
    assert credential.document["credentialSubject"]["source"]["name"]
    assert Annotation.objects.get(experience=submitted).visibility == Visibility.SHARED
    to_student = [m for m in mail.outbox if student_user.email in m.to]
    assert to_student and "verified" in (to_student[0].subject + to_student[0].body).lower()
    after = client.get(_url("advising:review", submitted)).content.decode()
    assert "Teamwork: Proficient" in after
    assert "Undo the verification" in after


def test_an_advisor_adds_a_competency_the_student_did_not_claim(
    client, login, assigned_advisor, submitted, rubric, proficient, django_capture_on_commit_callbacks
):
    from achievements.models import Achievement

    leadership = Achievement.objects.get(institution=rubric, human_code="NACE-LEAD")
    data = {"hours": "40", "extra_competency_0": leadership.pk, "extra_level_0": proficient.pk}
    login(assigned_advisor)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_url("advising:verify", submitted), data).status_code == 302
    assert [r.competency for r in CompetencyRating.objects.filter(experience=submitted)] == [leadership]


def test_a_level_of_another_institution_is_refused(
    client, login, assigned_advisor, submitted, competency, other_institution
):
    foreign = CompetencyLevel.objects.create(institution=other_institution, name="Great")
    login(assigned_advisor)
    response = client.post(
        _url("advising:verify", submitted), {"hours": "1", f"level_{competency.pk}": foreign.pk}
    )
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_verifying_a_draft_is_refused_with_a_clear_message_and_nothing_changes(
    client, login, assigned_advisor, experience
):
    login(assigned_advisor)
    response = client.post(_url("advising:verify", experience), {"hours": "10"})
    assert response.status_code == 409
    assert "This experience is draft: it cannot be verified now." in response.content.decode()
    experience.refresh_from_db()
    assert experience.state == State.DRAFT and experience.award is None
    assert not Award.objects.filter(learner=experience.learner).exists()
    assert not experience.events.filter(action="verified").exists()


def test_negative_hours_are_refused_with_a_400(client, login, assigned_advisor, submitted):
    login(assigned_advisor)
    response = client.post(_url("advising:verify", submitted), {"hours": "-3"})
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_requesting_changes_sends_the_student_the_comment(
    client, login, assigned_advisor, submitted, student_user, django_capture_on_commit_callbacks
):
    login(assigned_advisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("advising:request_changes", submitted), {"comment": "Add the dates, please."}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.CHANGES_REQUESTED
    to_student = [m for m in mail.outbox if student_user.email in m.to]
    assert to_student and "Add the dates, please." in to_student[0].body


def test_requesting_changes_needs_a_comment(client, login, assigned_advisor, submitted):
    login(assigned_advisor)
    response = client.post(_url("advising:request_changes", submitted), {"comment": "  "})
    assert response.status_code == 400
    assert "Tell the student what to change." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_declining_needs_a_reason_and_then_tells_the_student(
    client, login, assigned_advisor, submitted, student_user, django_capture_on_commit_callbacks
):
    login(assigned_advisor)
    refused = client.post(_url("advising:decline", submitted), {"reason": ""})
    assert refused.status_code == 400
    assert "Say why it is declined" in refused.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(_url("advising:decline", submitted), {"reason": "A class project."}).status_code
            == 302
        )
    submitted.refresh_from_db()
    assert submitted.state == State.DECLINED
    assert any("A class project." in m.body for m in mail.outbox if student_user.email in m.to)


def test_an_internal_note_is_kept_internal_and_marked_so(client, login, assigned_advisor, submitted):
    login(assigned_advisor)
    page = client.get(_url("advising:review", submitted)).content.decode()
    assert re.search(r'<input type="radio" name="visibility" value="internal"[^>]* checked>', page)
    response = client.post(
        _url("advising:annotate", submitted), {"text": "Check with the club.", "visibility": "internal"}
    )
    assert response.status_code == 302
    note = Annotation.objects.get(experience=submitted)
    assert note.visibility == Visibility.INTERNAL
    event = submitted.events.get(action="noted")
    assert event.visibility == Visibility.INTERNAL
    page = client.get(_url("advising:review", submitted)).content.decode()
    assert "Internal to advisors</span>" in page and "Check with the club." in page


def test_a_note_without_text_is_refused(client, login, assigned_advisor, submitted):
    login(assigned_advisor)
    assert (
        client.post(_url("advising:annotate", submitted), {"text": "", "visibility": "shared"}).status_code
        == 400
    )
    assert (
        client.post(_url("advising:annotate", submitted), {"text": "x", "visibility": "public"}).status_code
        == 400
    )
    assert not Annotation.objects.filter(experience=submitted).exists()


def test_an_advisor_asks_a_supervisor_and_the_experience_waits_for_them(
    client, login, assigned_advisor, submitted, django_capture_on_commit_callbacks
):
    login(assigned_advisor)
    assert (
        client.post(_url("advising:supervisor_ask", submitted), {"email": "not-an-email"}).status_code == 400
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("advising:supervisor_ask", submitted), {"email": "host@company.example", "name": "Pat Host"}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.AWAITING_SUPERVISOR
    assert any("host@company.example" in m.to for m in mail.outbox)
    assert "Pat Host" in client.get(_url("advising:review", submitted)).content.decode()


def test_the_review_shows_the_supervisors_attestation_and_the_timeline_with_previous_values(
    client, login, assigned_advisor, submitted, competency, proficient, student_user
):
    request = services.supervisor_request_create(
        experience=submitted, email="host@company.example", actor=student_user
    )
    services.supervisor_attest(
        request=request, hours=Decimal("35"), competencies=[(competency, proficient)], comment="Reliable.",
        signer_name="Pat Host", signer_title="Manager", signer_organisation="Company",
    )  # fmt: skip
    login(assigned_advisor)
    page = client.get(_url("advising:review", submitted)).content.decode()
    assert "Pat Host, Manager, Company" in page
    assert "Teamwork: Proficient" in page and "Reliable." in page
    assert "hours: 40.00 → 35" in page  # the timeline: previous → new
    # The supervisor's level pre-fills the claimed competency.
    assert f'<option value="{proficient.pk}" selected>' in page


def test_unverifying_revokes_the_credential_and_withdraws_the_award(
    client, login, assigned_advisor, submitted, competency, proficient, django_capture_on_commit_callbacks
):
    login(assigned_advisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            _url("advising:verify", submitted), {"hours": "40", f"level_{competency.pk}": proficient.pk}
        )
    submitted.refresh_from_db()
    award = submitted.award
    unconfirmed = client.post(_url("advising:unverify", submitted), {"reason": "Wrong student."})
    assert unconfirmed.status_code == 400
    assert "tick the box" in unconfirmed.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("advising:unverify", submitted), {"reason": "Wrong student.", "confirm": "on"}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    award.refresh_from_db()
    assert submitted.state == State.SUBMITTED and submitted.award is None
    assert award.is_withdrawn
    assert IssuedCredential.objects.get(award=award).revoked_at is not None


def test_unverifying_what_is_not_verified_is_refused(client, login, assigned_advisor, submitted):
    login(assigned_advisor)
    response = client.post(_url("advising:unverify", submitted), {"reason": "x", "confirm": "on"})
    assert response.status_code == 409
    assert "cannot be un-verified now" in response.content.decode()


def test_only_an_admin_reopens_a_declined_experience(client, login, assigned_advisor, admin_user, submitted):
    services.experience_decline(experience=submitted, actor=assigned_advisor, reason="No.")
    login(assigned_advisor)
    assert client.post(_url("advising:reopen", submitted)).status_code == 403
    login(admin_user)
    assert "Reopen" in client.get(_url("advising:review", submitted)).content.decode()
    assert client.post(_url("advising:reopen", submitted)).status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == State.DRAFT
    again = client.post(_url("advising:reopen", submitted))
    assert again.status_code == 409
    assert "cannot be reopened now" in again.content.decode()


def test_the_review_actions_refuse_get(client, login, assigned_advisor, submitted):
    login(assigned_advisor)
    for name in (*ACTIONS, "reopen"):
        assert client.get(_url(f"advising:{name}", submitted)).status_code in (403, 405), name


# --- the policy page (admins) -------------------------------------------------------------------------


def test_an_admin_sets_the_policy(client, login, admin_user, rubric):
    login(admin_user)
    url = reverse("advising:policy", args=[rubric.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "action": "policy", "deadline": "2026-05-31", "reminder_days": "10",
            "supervisor_required": ["internship", "employment"], "reply_to": "office@example.edu",
        },
    )  # fmt: skip
    assert response.status_code == 302
    policy = ExperiencePolicy.objects.get(institution=rubric)
    assert str(policy.deadline) == "2026-05-31" and policy.reminder_days == 10
    assert policy.supervisor_required == ["internship", "employment"]
    assert policy.reply_to == "office@example.edu"
    bad = client.post(url, {"action": "policy", "reminder_days": "-1", "reply_to": "nope"})
    assert bad.status_code == 400
    policy.refresh_from_db()
    assert policy.reminder_days == 10


def test_only_admins_open_the_policy_and_assignments(client, login, assigned_advisor, registrar_user, rubric):
    for user in (assigned_advisor, registrar_user):
        login(user)
        assert client.get(reverse("advising:policy", args=[rubric.slug])).status_code == 403
        assert client.get(reverse("advising:assignments", args=[rubric.slug])).status_code == 403


def _levels_data(levels, **changes):
    data = {
        "action": "levels", "levels-TOTAL_FORMS": str(len(levels) + 1), "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0", "levels-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, level in enumerate(levels):
        data.update(
            {
                f"levels-{i}-id": level.pk, f"levels-{i}-name": level.name,
                f"levels-{i}-description": level.description, f"levels-{i}-position": level.position,
            }
        )  # fmt: skip
    data.update(changes)
    return data


def test_an_admin_renames_reorders_and_adds_rubric_levels(client, login, admin_user, rubric):
    levels = list(CompetencyLevel.objects.filter(institution=rubric))
    login(admin_user)
    url = reverse("advising:policy", args=[rubric.slug])
    data = _levels_data(
        levels, **{"levels-0-name": "Exemplary", "levels-3-position": "9", "levels-4-name": "Not yet",
                   "levels-4-position": "10"},
    )  # fmt: skip
    assert client.post(url, data).status_code == 302
    names = list(CompetencyLevel.objects.filter(institution=rubric).values_list("name", flat=True))
    assert names == ["Exemplary", "Proficient", "Developing", "Emerging", "Not yet"]


def test_a_level_used_by_a_rating_cannot_be_deleted(
    client, login, admin_user, rubric, submitted, competency, proficient
):
    CompetencyRating.objects.create(experience=submitted, competency=competency, level=proficient)
    levels = list(CompetencyLevel.objects.filter(institution=rubric))
    index = levels.index(proficient)
    login(admin_user)
    response = client.post(
        reverse("advising:policy", args=[rubric.slug]),
        _levels_data(levels, **{f"levels-{index}-DELETE": "on"}),
    )
    assert response.status_code == 400
    assert "cannot be deleted" in response.content.decode()
    assert CompetencyLevel.objects.filter(pk=proficient.pk).exists()


def test_an_admin_seeds_the_nace_competencies_when_there_are_none(client, login, admin_user, institution):
    login(admin_user)
    url = reverse("advising:policy", args=[institution.slug])
    assert "Add the NACE competencies" in client.get(url).content.decode()
    assert client.post(url, {"action": "seed"}).status_code == 302
    assert CompetencyLevel.objects.filter(institution=institution).count() == 4
    page = client.get(url).content.decode()
    assert "Add the NACE competencies" not in page and "Teamwork" in page
    assert client.post(url, {"action": "other"}).status_code == 400


# --- the advisor's home and the navigation ------------------------------------------------------------


def test_the_advisors_home_shows_the_queue_counts_and_the_oldest_waiting(
    client, login, assigned_advisor, student_learner, other_experience
):
    _make(student_learner, "Newest waiting", days_ago=1)
    _make(student_learner, "Oldest waiting", days_ago=20)
    _make(student_learner, "Waiting on the host", days_ago=3, state=State.AWAITING_SUPERVISOR)
    _make(student_learner, "Sent back", state=State.CHANGES_REQUESTED)
    login(assigned_advisor)
    page = client.get("/").content.decode()
    assert "<strong>2</strong> submitted for review" in page
    assert "<strong>1</strong> waiting for a supervisor" in page
    assert "<strong>1</strong> sent back for changes" in page
    assert page.index("Oldest waiting") < page.index("Waiting on the host") < page.index("Newest waiting")
    assert "Chess Club" not in page  # not one of theirs
    assert f'href="{reverse("advising:queue", args=[student_learner.institution.slug])}"' in page


def test_the_advisor_and_admin_menus_lead_to_the_advising_pages(
    client, login, advisor_user, admin_user, institution
):
    queue = reverse("advising:queue", args=[institution.slug])
    login(advisor_user)
    page = client.get(queue).content.decode()
    assert f'<a href="{queue}" aria-current="page">Advising</a>' in page
    assert f'href="{reverse("institutions:profile", args=[institution.slug])}"' in page
    assert f'href="{reverse("advising:assignments", args=[institution.slug])}"' not in page
    login(admin_user)
    assert f'href="{queue}"' in client.get(reverse("home")).content.decode()
    # Who advises whom is a tab of the advising pages (the header would wrap with one more link).
    assert (
        f'href="{reverse("advising:assignments", args=[institution.slug])}"'
        in client.get(queue).content.decode()
    )


def test_the_review_shows_the_evidence_the_hours_log_and_links_only_to_web_addresses(
    client, login, assigned_advisor, submitted
):
    import datetime

    from django.core.files.base import ContentFile

    from experiences.models import ExperienceEvidence, HoursEntry

    upload = ExperienceEvidence(
        experience=submitted, name="Budget sheet", content_type="application/pdf", size=4
    )
    upload.file.save("budget.pdf", ContentFile(b"%PDF"), save=True)
    ExperienceEvidence.objects.create(experience=submitted, name="Club site", url="https://club.example.org/")
    ExperienceEvidence.objects.create(experience=submitted, name="Odd", url="javascript:alert(1)")
    HoursEntry.objects.create(
        experience=submitted, date=datetime.date(2025, 10, 3), hours=4, note="Build night"
    )
    login(assigned_advisor)
    page = client.get(_url("advising:review", submitted)).content.decode()
    file_url = reverse(
        "experiences:evidence_file", kwargs={"experience_id": submitted.uuid, "evidence_id": upload.uuid}
    )
    assert f'<a href="{file_url}">Budget sheet</a>' in page
    assert client.get(file_url).status_code == 200  # the assigned advisor may download it
    assert 'href="https://club.example.org/"' in page
    assert 'href="javascript:' not in page and "Odd" in page
    assert "2025-10-03" in page and "Build night" in page
