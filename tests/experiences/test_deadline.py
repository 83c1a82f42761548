"""The institution's deadline: reminders once before it (students with experiences to submit, advisors with
some to decide), and after it every experience still open expires, with a line in its timeline and a mail
to the student. Never a silent decline."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from experiences import services, tasks
from experiences.models import Experience, ExperienceEvent, State, Visibility
from tests.factories import LearnerFactory

DEADLINE = date(2026, 5, 15)
BEFORE_THE_DEADLINE = timezone.make_aware(datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def policy(rubric):
    policy = services.policy_for(rubric)
    policy.deadline, policy.reminder_days = DEADLINE, 14
    policy.save()
    return policy


def recorded(learner, title, state, *, created_at=BEFORE_THE_DEADLINE):
    experience = services.experience_create(
        learner=learner,
        fields={"title": title, "organisation": "Org", "category": "club", "description": "Did things."},
    )
    Experience.objects.filter(pk=experience.pk).update(state=state, created_at=created_at)
    experience.refresh_from_db()
    return experience


@pytest.fixture
def every_state(policy, student_learner, assigned_advisor):
    return {state: recorded(student_learner, f"Experience {state}", state) for state in State.values}


def sweep(day: date, capture):
    with capture(execute=True):
        return services.deadline_sweep(today=day)


def test_nothing_happens_before_the_reminder_window(
    every_state, django_capture_on_commit_callbacks, mailoutbox
):
    assert sweep(date(2026, 4, 30), django_capture_on_commit_callbacks) == {"reminded": 0, "expired": 0}
    assert mailoutbox == []


def test_reminders_go_out_once_before_the_deadline(
    every_state, student_user, assigned_advisor, rubric, django_capture_on_commit_callbacks, mailoutbox
):
    counts = sweep(date(2026, 5, 1), django_capture_on_commit_callbacks)

    assert counts == {"reminded": 2, "expired": 0}
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {student_user.email, assigned_advisor.email}
    student_mail = by_address[student_user.email]
    assert student_mail.subject == "2 of your experiences must be submitted by 15 May 2026"
    assert "Experience draft (draft)" in student_mail.body
    assert "Experience changes_requested (changes requested)" in student_mail.body
    assert "Experience submitted" not in student_mail.body, (
        "submitted ones wait for the advisor, not the student"
    )
    advisor_mail = by_address[assigned_advisor.email]
    assert advisor_mail.subject == "Experiences to decide before 15 May 2026"
    assert f"/institutions/{rubric.slug}/advising/" in advisor_mail.body

    mailoutbox.clear()
    assert sweep(date(2026, 5, 2), django_capture_on_commit_callbacks) == {"reminded": 0, "expired": 0}
    assert sweep(DEADLINE, django_capture_on_commit_callbacks) == {"reminded": 0, "expired": 0}
    assert mailoutbox == [], "once per deadline"


def test_a_new_deadline_gets_its_own_reminders(
    policy, every_state, django_capture_on_commit_callbacks, mailoutbox
):
    sweep(date(2026, 5, 1), django_capture_on_commit_callbacks)
    policy.refresh_from_db()
    policy.deadline = date(2026, 6, 30)
    policy.save()
    mailoutbox.clear()

    assert sweep(date(2026, 6, 20), django_capture_on_commit_callbacks)["reminded"] == 2


def test_after_the_deadline_every_open_experience_expires_with_a_timeline_entry_and_a_mail(
    every_state, student_user, django_capture_on_commit_callbacks, mailoutbox
):
    counts = sweep(date(2026, 5, 16), django_capture_on_commit_callbacks)

    open_states = {State.DRAFT, State.SUBMITTED, State.AWAITING_SUPERVISOR, State.CHANGES_REQUESTED}
    assert counts["expired"] == len(open_states)
    for state, experience in every_state.items():
        experience.refresh_from_db()
        if state in open_states:
            assert experience.state == State.EXPIRED, state
            event = ExperienceEvent.objects.get(experience=experience, action="expired")
            assert event.visibility == Visibility.SHARED, "the student sees why in their timeline"
            assert event.changes == {"state": {"from": state, "to": State.EXPIRED}}
            assert "15 May 2026" in event.note
        else:
            assert experience.state == state, "decided ones are left as they are"
    expiry_mails = [m for m in mailoutbox if m.subject.endswith(": expired")]
    assert len(expiry_mails) == len(open_states)
    assert all(m.to == [student_user.email] for m in expiry_mails)
    assert all("not decided by" in m.body for m in expiry_mails)


def test_the_sweep_after_the_deadline_expires_nothing_twice(
    every_state, django_capture_on_commit_callbacks, mailoutbox
):
    sweep(date(2026, 5, 16), django_capture_on_commit_callbacks)
    mailoutbox.clear()

    assert sweep(date(2026, 5, 17), django_capture_on_commit_callbacks)["expired"] == 0
    assert mailoutbox == []


def test_an_experience_recorded_after_the_deadline_is_not_expired_by_it(
    policy, student_learner, django_capture_on_commit_callbacks
):
    later = recorded(
        student_learner,
        "Next year's club",
        State.DRAFT,
        created_at=timezone.make_aware(datetime(2026, 5, 20)),
    )

    sweep(date(2026, 5, 21), django_capture_on_commit_callbacks)

    later.refresh_from_db()
    assert later.state == State.DRAFT


def test_another_institutions_deadline_touches_nothing_here(
    policy, other_institution, django_capture_on_commit_callbacks
):
    elsewhere = recorded(LearnerFactory(institution=other_institution), "Elsewhere", State.DRAFT)

    sweep(date(2026, 5, 16), django_capture_on_commit_callbacks)

    elsewhere.refresh_from_db()
    assert elsewhere.state == State.DRAFT


def test_an_expired_experience_can_be_reopened(
    every_state, assigned_advisor, django_capture_on_commit_callbacks
):
    sweep(date(2026, 5, 16), django_capture_on_commit_callbacks)
    expired = every_state[State.DRAFT]

    services.experience_reopen(experience=expired, actor=assigned_advisor)

    expired.refresh_from_db()
    assert expired.state == State.DRAFT


def test_the_periodic_task_sweeps_with_todays_date(
    policy, student_learner, django_capture_on_commit_callbacks
):
    policy.deadline = timezone.localdate() - timedelta(days=1)
    policy.save()
    experience = recorded(
        student_learner, "Late", State.SUBMITTED, created_at=timezone.now() - timedelta(days=10)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_deadlines.delay().get() == {"reminded": 0, "expired": 1}

    experience.refresh_from_db()
    assert experience.state == State.EXPIRED
