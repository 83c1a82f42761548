"""With the broker down, what a person saves is kept and said to wait; the periodic sweep sends it later.

Through HTTP, with Celery pointed at a Redis port that refuses connections (or accepts them and never
answers); the real Redis and worker processes are in tests/e2e/test_broker_outage_worker.py.
"""

import socket
import time
from collections import Counter

import pytest
from django.contrib.messages import get_messages

from achievements.services import award_create
from clrportal.celery import app as celery_app
from credentials import services, tasks
from credentials.models import CredentialKind, CredentialState, IssuanceJob, IssuedCredential, StatusList
from tests.e2e.conftest import _reset_celery_connections
from tests.factories import LearnerFactory, make_achievement
from tests.processes import free_port
from tests.sends import keep_instead_of_sending

pytestmark = pytest.mark.django_db(transaction=True)

WAITING = "Saved; signing will start when the queue is back."


class Broker:
    """Where the test process sends tasks: nowhere that answers, until `back()` (eager mode again)."""

    def __init__(self, settings):
        self.settings = settings
        self.changes = celery_app.conf.changes
        self.saved = {key: self.changes[key] for key in self.KEYS if key in self.changes}
        self.is_down = False

    KEYS = ("task_always_eager", "broker_url", "broker_transport_options")

    def down(self, url: str) -> None:
        self.is_down = True
        self.settings.CELERY_TASK_ALWAYS_EAGER = False
        celery_app.conf.update(
            task_always_eager=False,
            broker_url=url,
            broker_transport_options=self.settings.REDIS_BROKER_TRANSPORT_OPTIONS,
        )
        _reset_celery_connections()

    def back(self) -> None:
        if not self.is_down:  # a test that brought it back already (the fixture's teardown does it again)
            return
        self.is_down = False
        for key in self.KEYS:
            self.changes.pop(key, None)
        self.changes.update(self.saved)
        self.settings.CELERY_TASK_ALWAYS_EAGER = True
        _reset_celery_connections()


@pytest.fixture
def broker(settings):
    """Nothing listens on the broker's port: every send is refused, as when Redis is down."""
    state = Broker(settings)
    state.down(f"redis://127.0.0.1:{free_port()}/0")
    try:
        yield state
    finally:
        state.back()


@pytest.fixture
def hung_broker(settings):
    """A broker that accepts connections and never answers (a hung server, or a network black hole)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    state = Broker(settings)
    state.down(f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    try:
        yield state
    finally:
        state.back()
        listener.close()


def shown(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def timed_post(client, url, data=None):
    started = time.monotonic()
    response = client.post(url, data or {})
    return response, time.monotonic() - started


def test_issuing_an_award_with_the_broker_down_is_saved_and_says_signing_waits_for_the_queue(
    client, login, registrar_user, awards, broker
):
    login(registrar_user)
    award = awards[0]

    response, seconds = timed_post(client, f"/institutions/{award.institution.slug}/awards/{award.pk}/issue")

    assert response.status_code == 302
    credential = IssuedCredential.objects.get(award=award)
    assert response["Location"] == credential.get_absolute_url()
    assert credential.state == CredentialState.QUEUED
    assert WAITING in shown(response)
    assert seconds < 5
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert WAITING.encode() in page.content


def test_a_bulk_job_started_with_the_broker_down_is_saved_and_says_signing_waits_for_the_queue(
    client, login, registrar_user, awards, institution, broker
):
    login(registrar_user)

    response, seconds = timed_post(client, f"/institutions/{institution.slug}/issuance/")

    assert response.status_code == 302
    job = IssuanceJob.objects.get(institution=institution)
    assert response["Location"].endswith(f"/issuance/{job.pk}/")
    assert job.total == 4  # three AchievementCredentials and the learner's CLR
    assert set(job.credentials.values_list("state", flat=True)) == {CredentialState.QUEUED}
    assert WAITING in shown(response)
    assert seconds < 5


def test_revoking_with_the_broker_down_is_saved_and_the_list_is_signed_again_once_the_sweep_runs(
    client, login, registrar_user, awards, settings, broker
):
    broker.back()
    credential = services.credential_issue(award=awards[0])
    status_list = StatusList.objects.get(pk=credential.status_list_id)
    broker.down(f"redis://127.0.0.1:{free_port()}/0")
    login(registrar_user)

    response, seconds = timed_post(
        client,
        f"/institutions/{credential.institution.slug}/credentials/{credential.pk}/revoke",
        {"reason": "Issued to the wrong learner", "confirm": "yes"},
    )

    assert response.status_code == 302
    assert seconds < 5
    credential.refresh_from_db()
    assert credential.is_revoked
    assert WAITING in shown(response)
    status_list.refresh_from_db()
    assert status_list.needs_signing  # the bit is set; publishing it waits for the broker

    broker.back()
    settings.PORTAL_RESEND_QUEUED_AFTER = 0
    assert tasks.resend_queued_work.delay().get()["status_lists"] == 1
    status_list.refresh_from_db()
    assert not status_list.needs_signing
    assert status_list.signed_revision == status_list.revision


def test_a_hung_broker_keeps_a_request_waiting_a_couple_of_seconds_at_most(
    client, login, registrar_user, awards, institution, hung_broker
):
    login(registrar_user)

    response, seconds = timed_post(client, f"/institutions/{institution.slug}/issuance/")

    assert response.status_code == 302
    assert WAITING in shown(response)
    # One send waits for the broker's timeout; the request's other sends are not attempted after it.
    assert seconds < 5


def test_with_the_broker_up_nothing_is_said_to_wait(client, login, registrar_user, awards):
    login(registrar_user)
    award = awards[0]

    response = client.post(f"/institutions/{award.institution.slug}/awards/{award.pk}/issue")

    assert response.status_code == 302
    assert WAITING not in shown(response)
    assert IssuedCredential.objects.get(award=award).state == CredentialState.SIGNED


def test_the_sweep_signs_what_waited_for_the_broker_once_whether_in_a_job_or_not(
    client, login, registrar_user, awards, institution, settings, broker
):
    login(registrar_user)
    slug = institution.slug
    client.post(f"/institutions/{slug}/awards/{awards[0].pk}/issue")
    client.post(f"/institutions/{slug}/issuance/")
    other = LearnerFactory(institution=institution)
    course = make_achievement(institution, "CS 900", name="Capstone")
    description = course.current_version.result_descriptions.get()
    alone = award_create(
        learner=other,
        achievement=course,
        term="Fall 2024",
        results=[{"result_description": description, "value": "A"}],
    )
    client.post(f"/institutions/{slug}/awards/{alone.pk}/issue")
    assert IssuedCredential.objects.exclude(state=CredentialState.QUEUED).count() == 0

    broker.back()
    settings.PORTAL_RESEND_QUEUED_AFTER = 0
    first = tasks.resend_queued_work.delay().get()
    again = tasks.resend_queued_work.delay().get()

    assert first["credentials"] == 5  # four awards' credentials and one CLR
    assert again == {"credentials": 0, "status_lists": 0, "companion_pdfs": 0}
    assert IssuedCredential.objects.exclude(state=CredentialState.SIGNED).count() == 0
    current = Counter(
        IssuedCredential.objects.filter(kind=CredentialKind.ACHIEVEMENT, is_current=True).values_list(
            "award_id", flat=True
        )
    )
    assert current == {award.pk: 1 for award in [*awards, alone]}
    job = IssuanceJob.objects.get()
    assert (job.state, job.signed, job.failed) == (IssuanceJob.State.DONE, job.total, 0)


def test_the_sweep_leaves_fresh_work_and_a_job_that_is_still_signing_alone(
    awards, institution, settings, broker, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    job = services.bulk_issue(institution=institution, selection=services.Selection())
    broker.back()
    sent = []
    keep_instead_of_sending(monkeypatch, tasks.sign_credentials, lambda ids, options: sent.append(ids))
    keep_instead_of_sending(
        monkeypatch, tasks.sign_clr, lambda credential_id, options: sent.append([credential_id])
    )

    settings.PORTAL_RESEND_QUEUED_AFTER = 120
    assert services.queued_work_resend()["credentials"] == 0  # queued just now: on their way
    long_ago = timezone.now() - timedelta(minutes=5)
    IssuedCredential.objects.filter(job=job).update(updated_at=long_ago, created_at=long_ago)
    first = job.credentials.filter(kind=CredentialKind.ACHIEVEMENT).order_by("pk").first()
    IssuedCredential.objects.filter(pk=first.pk).update(
        state=CredentialState.SIGNED, signed_at=timezone.now()
    )
    assert services.queued_work_resend()["credentials"] == 0  # the job signed something a moment ago
    assert sent == []

    IssuedCredential.objects.filter(pk=first.pk).update(signed_at=long_ago)
    assert services.queued_work_resend()["credentials"] == job.total - 1
    assert sorted(str(pk) for ids in sent for pk in ids) == sorted(
        str(pk) for pk in job.credentials.filter(state=CredentialState.QUEUED).values_list("pk", flat=True)
    )
