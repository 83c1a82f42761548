"""E-mail about experiences: sent by Celery tasks once the change commits, in the institution's name with
its reply-to address; advisors hear of submissions (each one, or a daily digest), students of decisions
(never of an internal note), supervisors get their link and exactly one reminder."""

import re
from datetime import timedelta
from decimal import Decimal
from email.utils import parseaddr

import pytest
from django.utils import timezone

from experiences import services, tasks
from experiences.models import AdvisorPreference, State, SupervisorRequest, Visibility
from institutions.models import Membership, Role
from tests.factories import MembershipFactory

LINK = re.compile(r"https?://\S+/supervisors/[A-Za-z0-9_\-]+")
PORTAL_ADDRESS = "portal@clr.example"


@pytest.fixture(autouse=True)
def _portal_address(settings):
    settings.DEFAULT_FROM_EMAIL = f"CLR Portal <{PORTAL_ADDRESS}>"
    settings.PORTAL_BASE_URL = "https://portal.example"


@pytest.fixture
def reply_to(rubric):
    policy = services.policy_for(rubric)
    policy.reply_to = "student-life@college.example"
    policy.save()
    return policy.reply_to


@pytest.fixture
def second_advisor(student_learner, institution):
    advisor = MembershipFactory(institution=institution, role=Role.ADVISOR).user
    services.advisor_assign(institution=institution, advisor=advisor, learner=student_learner)
    return advisor


@pytest.fixture
def submitted(experience, student_user, assigned_advisor, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)
    mailoutbox.clear()
    experience.refresh_from_db()
    return experience


def sent_by_the_institution(message, institution, reply_to=None):
    assert parseaddr(message.from_email) == (institution.name, PORTAL_ADDRESS)
    header = message.message()
    assert parseaddr(header["From"]) == (institution.name, PORTAL_ADDRESS)
    if reply_to:
        assert header["Reply-To"] == reply_to
    else:
        assert header["Reply-To"] is None
    assert "\n" not in message.subject


def link_in(message) -> str:
    (found,) = LINK.findall(message.body)
    return "/" + found.split("/", 3)[3]


# --- submissions -------------------------------------------------------------------------------------


def test_nothing_is_sent_before_the_submission_commits(
    experience, student_user, assigned_advisor, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.experience_submit(experience=experience, actor=student_user)

    assert mailoutbox == []
    assert callbacks, "the mail is queued for after the commit"


def test_each_assigned_advisor_hears_of_a_submission_from_the_institution(
    experience, student_user, assigned_advisor, second_advisor, reply_to, institution,
    django_capture_on_commit_callbacks, mailoutbox,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)

    assert sorted(m.to[0] for m in mailoutbox) == sorted([assigned_advisor.email, second_advisor.email])
    for message in mailoutbox:
        sent_by_the_institution(message, institution, reply_to)
        assert 'submitted "Robotics Club" for review' in message.subject
        assert f"/institutions/{institution.slug}/advising/experiences/{experience.uuid}/" in message.body


def test_without_a_reply_to_the_mail_has_no_reply_to_header(
    experience, student_user, assigned_advisor, institution, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)

    (message,) = mailoutbox
    sent_by_the_institution(message, institution, reply_to=None)


def test_an_advisor_who_chose_the_daily_digest_gets_no_mail_per_submission(
    experience, student_user, assigned_advisor, second_advisor, institution,
    django_capture_on_commit_callbacks, mailoutbox,
):  # fmt: skip
    AdvisorPreference.objects.create(
        user=assigned_advisor, institution=institution, notify=AdvisorPreference.Notify.DAILY
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)

    assert [m.to for m in mailoutbox] == [[second_advisor.email]]


def test_an_advisor_who_no_longer_holds_the_role_hears_nothing(
    experience, student_user, assigned_advisor, institution, django_capture_on_commit_callbacks, mailoutbox
):
    Membership.objects.filter(user=assigned_advisor, institution=institution, role=Role.ADVISOR).delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)

    assert mailoutbox == []


def test_a_title_typed_with_a_line_break_still_makes_a_one_line_subject(
    experience, student_user, assigned_advisor, django_capture_on_commit_callbacks, mailoutbox
):
    type(experience).objects.filter(pk=experience.pk).update(title="Robotics\nClub")
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)

    (message,) = mailoutbox
    assert 'submitted "Robotics Club" for review' in message.subject


# --- the daily digest --------------------------------------------------------------------------------


def test_the_daily_digest_lists_the_submissions_since_the_last_one_and_is_sent_once_a_day(
    submitted, assigned_advisor, institution, reply_to, mailoutbox
):
    AdvisorPreference.objects.create(
        user=assigned_advisor, institution=institution, notify=AdvisorPreference.Notify.DAILY
    )

    assert tasks.send_advisor_digests.delay().get() == 1
    assert tasks.send_advisor_digests.delay().get() == 0, "not twice within a day"

    (digest,) = mailoutbox
    assert digest.to == [assigned_advisor.email]
    sent_by_the_institution(digest, institution, reply_to)
    assert digest.subject == "1 experience submitted for your review"
    assert f"{submitted.learner.full_name}: Robotics Club (Club or society)" in digest.body
    assert f"/institutions/{institution.slug}/advising/" in digest.body


def test_the_next_days_digest_does_not_repeat_what_the_last_one_listed(
    submitted, assigned_advisor, institution, mailoutbox
):
    AdvisorPreference.objects.create(
        user=assigned_advisor,
        institution=institution,
        notify=AdvisorPreference.Notify.DAILY,
        digest_sent_at=timezone.now() - timedelta(days=1),
    )
    from experiences import notifications

    assert notifications.digests_send() == 1
    assert notifications.digests_send(now=timezone.now() + timedelta(days=1)) == 0
    assert len(mailoutbox) == 1


def test_an_advisor_who_wants_each_mail_gets_no_digest(submitted, mailoutbox):
    assert tasks.send_advisor_digests.delay().get() == 0
    assert mailoutbox == []


# --- decisions ---------------------------------------------------------------------------------------


def test_the_student_hears_of_the_verification_with_the_shared_note_and_never_an_internal_one(
    submitted, assigned_advisor, competency, proficient, student_user, institution, reply_to,
    django_capture_on_commit_callbacks, mailoutbox,
):  # fmt: skip
    services.annotation_add(
        experience=submitted,
        author=assigned_advisor,
        text="INTERNAL: check the sponsor",
        visibility="internal",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_verify(
            experience=submitted,
            actor=assigned_advisor,
            hours=Decimal("38"),
            ratings=[(competency, proficient)],
            comment="Ran a tight budget.",
        )

    (message,) = [m for m in mailoutbox if m.to == [student_user.email]]
    sent_by_the_institution(message, institution, reply_to)
    assert message.subject == 'Your experience "Robotics Club": verified'
    assert "Ran a tight budget." in message.body
    assert f"https://portal.example/experiences/{submitted.uuid}/" in message.body
    assert all("INTERNAL" not in m.body and "INTERNAL" not in m.subject for m in mailoutbox)


@pytest.mark.parametrize(
    ("decide", "subject", "said"),
    [
        ("experience_request_changes", "changes requested", "What your advisor asks you to change"),
        ("experience_decline", "declined", "The reason given"),
    ],
)
def test_the_student_hears_of_changes_requested_and_of_a_decline_with_what_the_advisor_wrote(
    submitted,
    assigned_advisor,
    student_user,
    django_capture_on_commit_callbacks,
    mailoutbox,
    decide,
    subject,
    said,
):
    services.annotation_add(
        experience=submitted,
        author=assigned_advisor,
        text="INTERNAL: doubtful",
        visibility=Visibility.INTERNAL,
    )
    argument = "comment" if decide == "experience_request_changes" else "reason"
    with django_capture_on_commit_callbacks(execute=True):
        getattr(services, decide)(
            experience=submitted, actor=assigned_advisor, **{argument: "Add the dates."}
        )

    (message,) = mailoutbox
    assert message.to == [student_user.email]
    assert message.subject == f'Your experience "Robotics Club": {subject}'
    assert said in message.body and "Add the dates." in message.body
    assert "INTERNAL" not in message.body


def test_undoing_a_verification_tells_the_student_why(
    submitted, assigned_advisor, competency, proficient, student_user, django_capture_on_commit_callbacks,
    mailoutbox,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_verify(
            experience=submitted, actor=assigned_advisor, hours=None, ratings=[(competency, proficient)]
        )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_unverify(experience=submitted, actor=assigned_advisor, reason="Wrong student.")

    (message,) = [m for m in mailoutbox if m.subject.startswith("Your experience")]
    assert message.to == [student_user.email]
    assert message.subject == 'Your experience "Robotics Club": verification undone'
    assert "credential it became is revoked" in message.body
    assert "Wrong student." in message.body


# --- supervisors -------------------------------------------------------------------------------------


def test_the_supervisor_gets_a_link_that_works_once(
    client, experience, student_user, institution, reply_to, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.supervisor_request_create(
            experience=experience, email="mentor@host.example", name="Morgan", actor=student_user
        )

    (message,) = mailoutbox
    assert message.to == ["mentor@host.example"]
    sent_by_the_institution(message, institution, reply_to)
    assert "confirm" in message.subject and "Engineering Society" in message.subject
    path = link_in(message)
    request = SupervisorRequest.objects.get()
    assert path.rsplit("/", 1)[1] not in str(list(SupervisorRequest.objects.values())), "only a hash is kept"
    assert client.get(path).status_code == 200
    form = client.get(path).context["form"]
    data = {name: form[name].value() or "" for name in form.fields} | {"signer_name": "Morgan"}
    assert client.post(path, data).status_code == 200
    assert client.get(path).status_code == 410
    request.refresh_from_db()
    assert request.attested_at is not None


def test_running_the_send_task_again_sends_no_second_mail_nor_a_new_link(
    client, experience, student_user, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.supervisor_request_create(experience=experience, email="m@host.example")

    assert tasks.send_supervisor_request.delay(request.pk).get() == 0
    assert len(mailoutbox) == 1
    assert client.get(link_in(mailoutbox[0])).status_code == 200


def test_the_one_reminder_carries_a_new_link_and_the_first_link_stops_working(
    client, experience, student_user, institution, reply_to, settings, django_capture_on_commit_callbacks,
    mailoutbox,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.supervisor_request_create(
            experience=experience, email="mentor@host.example", actor=student_user
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.experience_submit(experience=experience, actor=student_user)
    first = link_in(mailoutbox[0])

    assert tasks.sweep_supervisor_requests.delay().get() == {"unsent": 0, "reminded": 0}, "not due yet"
    SupervisorRequest.objects.update(
        sent_at=timezone.now() - timedelta(days=settings.PORTAL_SUPERVISOR_REMINDER_DAYS, minutes=1)
    )
    assert tasks.sweep_supervisor_requests.delay().get() == {"unsent": 0, "reminded": 1}
    assert tasks.sweep_supervisor_requests.delay().get() == {"unsent": 0, "reminded": 0}, "only one"
    assert tasks.remind_supervisor.delay(SupervisorRequest.objects.get().pk).get() == 0, "only one"

    reminders = [m for m in mailoutbox if m.subject.startswith("Reminder:")]
    assert len(reminders) == 1
    (reminder,) = reminders
    sent_by_the_institution(reminder, institution, reply_to)
    assert "This new link replaces the one we sent before" in reminder.body
    second = link_in(reminder)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_the_sweep_sends_a_request_whose_mail_never_went_out(
    client, experience, student_user, settings, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: the task never ran
        services.supervisor_request_create(experience=experience, email="mentor@host.example")
    assert mailoutbox == []
    assert tasks.sweep_supervisor_requests.delay().get() == {"unsent": 0, "reminded": 0}, "give it time"
    SupervisorRequest.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.PORTAL_RESEND_QUEUED_AFTER + 1)
    )

    assert tasks.sweep_supervisor_requests.delay().get() == {"unsent": 1, "reminded": 0}

    (message,) = mailoutbox
    assert message.to == ["mentor@host.example"]
    assert client.get(link_in(message)).status_code == 200
    assert SupervisorRequest.objects.get().sent_at is not None


def test_no_reminder_for_a_request_that_was_answered_or_an_experience_that_was_decided(
    experience, student_user, settings, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        services.supervisor_request_create(experience=experience, email="mentor@host.example")
    type(experience).objects.filter(pk=experience.pk).update(state=State.DECLINED)
    SupervisorRequest.objects.update(sent_at=timezone.now() - timedelta(days=30))

    assert tasks.sweep_supervisor_requests.delay().get() == {"unsent": 0, "reminded": 0}
    assert len(mailoutbox) == 1
