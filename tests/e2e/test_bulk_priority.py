"""A bulk job's work waits behind everyone else's, through a real worker and Redis.

An end-of-term batch queues hours of work for one worker (ten thousand students: half an hour on two
cores). What people do meanwhile must not wait for it: a revocation has to reach the status list that
verifiers read, a credential issued by hand has to be signed, while the batch is still signing.
"""

import os
import time
from datetime import date

import pytest

from achievements import demo
from achievements.models import Award
from credentials import services
from credentials.models import CredentialState, IssuedCredential
from tests.e2e.conftest import wait_for_job
from tests.e2e.test_issuance_worker import wait_signed
from tests.factories import make_achievement
from tests.processes import wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="message priorities are the Redis broker's; the embedded file broker is first in, first out",
    ),
]


@pytest.fixture
def records(institution):
    """The demo catalog and 24 students with their transcripts: about a thousand awards."""
    demo.seed(institution=institution, students=24)
    return institution


def _still_signing(job) -> int:
    return IssuedCredential.objects.filter(job=job, state=CredentialState.QUEUED).count()


def test_a_revocation_and_a_credential_issued_during_a_bulk_job_go_before_the_jobs_work(workers, records):
    institution = records
    workers.start("one", concurrency=1, prefetch=1)
    learner = institution.learners.order_by("student_id").first()
    achieved = Award.objects.filter(learner=learner).active().achieved().order_by("pk").first()
    earlier = wait_signed(services.credential_issue(award=achieved), workers)
    status_list = earlier.status_list
    revision_before = status_list.revision

    job = services.bulk_issue(institution=institution, selection=services.Selection())
    assert job.total > 500  # a backlog of many tasks for one worker
    services.credential_revoke(credential=earlier, reason="Issued to the wrong learner")
    course = make_achievement(institution, "LATE 101")
    late = Award.objects.create(
        institution=institution, learner=learner, achievement=course,
        achievement_version=course.current_version, term="Fall 2026", awarded_date=date(2026, 12, 16),
    )  # fmt: skip
    by_hand = services.credential_issue(award=late)

    seen = {}

    def both_done():
        status_list.refresh_from_db()
        by_hand.refresh_from_db()
        published = (
            status_list.revision > revision_before and status_list.signed_revision == status_list.revision
        )
        if published and by_hand.state == CredentialState.SIGNED:
            seen["still_signing"] = _still_signing(job)
            return True
        return False

    started = time.monotonic()
    wait_until(both_done, timeout=120, interval=0.2, what="the revocation and the credential issued by hand")
    waited = time.monotonic() - started
    assert seen["still_signing"] > job.total // 2, (
        f"the revocation and the hand-issued credential waited {waited:.1f} s, behind the job's work: "
        f"{seen['still_signing']} of the job's {job.total} credentials were left to sign\n{workers.logs()}"
    )

    job = wait_for_job(job, workers, timeout=300)  # and the job's own work is all done in the end
    assert job.signed == job.total and job.pdfs_rendered == job.pdfs_expected, job
