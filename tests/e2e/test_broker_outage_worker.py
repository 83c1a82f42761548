"""The broker stopped (and everything in it lost) while a bulk job signs and a registrar keeps working:
real Redis of the test's own, a real worker with beat embedded, requests through HTTP. Nobody presses
a button: the periodic sweep sends what waited, and every award ends with one signed credential."""

import re
import time
from collections import Counter

import pytest
from django.contrib.messages import get_messages

from achievements import demo
from achievements.services import award_create
from credentials.models import CredentialKind, CredentialState, IssuanceJob, IssuedCredential, StatusList
from tests.factories import LearnerFactory, make_achievement
from tests.processes import log_text, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAITING = "Saved; signing will start when the queue is back."
# The sweep sent some queued credentials again (nothing else did: nobody pressed a button).
SWEPT = re.compile(r"resend_queued_work\[[0-9a-f-]+\] succeeded in [\d.]+s: \{'credentials': [1-9]")


def shown(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def graded_award(learner, code: str):
    course = make_achievement(learner.institution, code, name=f"Course {code}")
    description = course.current_version.result_descriptions.get()
    return award_create(
        learner=learner,
        achievement=course,
        term="Spring 2026",
        results=[{"result_description": description, "value": "A"}],
        credits_earned=4,
    )


def post_during_the_outage(client, url: str, data=None):
    started = time.monotonic()
    response = client.post(url, data or {})
    seconds = time.monotonic() - started
    assert response.status_code == 302, response.content[:500]
    assert WAITING in shown(response), shown(response)
    assert seconds < 5, f"{url} took {seconds:.1f}s with the broker down"
    return response


def test_the_broker_stopped_during_a_bulk_job_and_a_single_issuance_loses_nothing_without_a_button(
    workers_on_own_broker, own_broker, institution, client, login, registrar_user
):
    demo.seed(institution=institution, students=16)
    workers = workers_on_own_broker
    signer = workers.start("signer", concurrency=2, prefetch=1, beat=True)
    login(registrar_user)
    slug = institution.slug

    started = client.post(f"/institutions/{slug}/issuance/")
    assert started.status_code == 302
    assert WAITING not in shown(started)
    first_job = IssuanceJob.objects.get(institution=institution)
    assert first_job.total > 200

    def under_way():
        first_job.refresh_from_db()
        return 0 < first_job.signed < first_job.total / 2

    wait_until(under_way, timeout=120, interval=0.05, what="the bulk job to be under way")

    own_broker.stop()
    signed = first_job.credentials.filter(kind=CredentialKind.ACHIEVEMENT, state=CredentialState.SIGNED)
    to_revoke = signed.first()
    newcomer = LearnerFactory(institution=institution, student_id="NEW-0001")  # never a demo id
    alone, in_second_job = graded_award(newcomer, "OUT 101"), graded_award(newcomer, "OUT 102")

    single = post_during_the_outage(client, f"/institutions/{slug}/awards/{alone.pk}/issue")
    assert single["Location"] == IssuedCredential.objects.get(award=alone).get_absolute_url()
    post_during_the_outage(client, f"/institutions/{slug}/issuance/")
    post_during_the_outage(
        client,
        f"/institutions/{slug}/credentials/{to_revoke.pk}/revoke",
        {"reason": "Issued to the wrong learner", "confirm": "yes"},
    )
    second_job = IssuanceJob.objects.exclude(pk=first_job.pk).get(institution=institution)
    assert second_job.total == 2  # the newcomer's other award and their CLR
    time.sleep(3)  # the worker and its beat keep trying to reach the broker
    assert IssuedCredential.objects.get(award=alone).state == CredentialState.QUEUED

    own_broker.start()  # empty: whatever was queued in it is gone
    # Celery's worker may exit on a lost Redis connection ("Unrecoverable error", kombu's Redis transport
    # acking on a closed connection); in production a process supervisor starts it again, as here.
    workers_alive = [signer]

    def all_done():
        if workers_alive[-1].poll() is not None:
            workers_alive.append(workers.start("signer", concurrency=2, prefetch=1, beat=True))
        waiting = IssuedCredential.objects.filter(institution=institution, state=CredentialState.QUEUED)
        running = IssuanceJob.objects.filter(institution=institution, state=IssuanceJob.State.RUNNING)
        unsigned = [s for s in StatusList.objects.filter(institution=institution) if s.needs_signing]
        return not waiting.exists() and not running.exists() and not unsigned

    try:
        wait_until(all_done, timeout=300, interval=0.5, what="everything queued to be signed")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{workers.logs()}") from None

    assert any(SWEPT.search(log_text(worker)) for worker in workers_alive), workers.logs()
    assert (
        IssuedCredential.objects.filter(institution=institution).exclude(state=CredentialState.SIGNED).count()
        == 0
    )
    for job in (first_job, second_job):
        job.refresh_from_db()
        assert (job.state, job.signed, job.failed) == (IssuanceJob.State.DONE, job.total, 0), job
    # Exactly one credential for each award a credential may claim (attempts get none), each its own index.
    per_award = Counter(
        IssuedCredential.objects.filter(institution=institution, kind=CredentialKind.ACHIEVEMENT).values_list(
            "award_id", flat=True
        )
    )
    assert per_award == {pk: 1 for pk in institution.awards.active().achieved().values_list("pk", flat=True)}
    assert IssuedCredential.objects.filter(kind=CredentialKind.ACHIEVEMENT, is_current=False).count() == 0
    indexes = list(IssuedCredential.objects.values_list("status_list_id", "status_index"))
    assert len(indexes) == len(set(indexes)), "two credentials share a status index"
    clrs = Counter(
        IssuedCredential.objects.filter(
            institution=institution, kind=CredentialKind.CLR, is_current=True
        ).values_list("learner_id", flat=True)
    )
    assert clrs == {pk: 1 for pk in institution.learners.values_list("pk", flat=True)}
    newcomer_clr = IssuedCredential.objects.get(learner=newcomer, kind=CredentialKind.CLR)
    nested = newcomer_clr.document["credentialSubject"]["verifiableCredential"]
    assert sorted(vc["id"] for vc in nested) == sorted(
        IssuedCredential.objects.get(award=award).url for award in (alone, in_second_job)
    )
    to_revoke.refresh_from_db()
    assert to_revoke.is_revoked
    status_list = StatusList.objects.get(pk=to_revoke.status_list_id)
    assert status_list.revision > 0 and status_list.signed_revision == status_list.revision
