"""Benchmark of the advisor's queue (/institutions/<slug>/advising/): server time and SQL queries.

Run as `python bench/advisor_queue_bench.py [--students N] [--requests R]` from the repository root.
Students have 10 experiences each in mixed states and categories; three advisors share them, one of them
assigned to every student (the worst case, the one measured). The queue is requested through Django's
full request path (middleware, session, template) in-process, as that advisor: its first page (what waits
for a decision) and a filtered page (one state, one category, a student's name), first with a fifth of
the students (1,000 experiences by default), then with all of them (5,000). The medians are printed
beside the target (under 100 ms with 5,000 experiences) with the number of queries, which must not grow
with the number of rows. Fails (exit 1) only if it does. Uses a throw-away SQLite file, or the database
in DATABASE_URL if set.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.django_setup import setup_django  # noqa: E402

TARGET_MS = 100.0
PER_STUDENT = 10
ADVISORS = 3


def _advisors(institution):
    from institutions.models import Membership, Role, User

    advisors = []
    for n in range(ADVISORS):
        user = User.objects.create_user(email=f"advisor{n}@bench.example.org", password="bench-password-0123")
        Membership.objects.create(user=user, institution=institution, role=Role.ADVISOR)
        advisors.append(user)
    return advisors


def _students(institution, advisors, *, start: int, count: int) -> None:
    """`count` learners with ten experiences each; the first advisor advises all, the others a share."""
    from django.utils import timezone

    from achievements.models import Learner
    from experiences.models import AdvisorAssignment, Category, Experience, State

    learners = Learner.objects.bulk_create(
        Learner(
            institution=institution, student_id=f"B{start + n:06d}", given_name=f"Given{start + n}",
            family_name=f"Family{(start + n) % 97}",
        )
        for n in range(count)
    )  # fmt: skip
    assignments = [
        AdvisorAssignment(institution=institution, advisor=advisors[0], learner=x) for x in learners
    ]
    assignments += [
        AdvisorAssignment(institution=institution, advisor=advisors[1 + n % (ADVISORS - 1)], learner=x)
        for n, x in enumerate(learners)
    ]
    AdvisorAssignment.objects.bulk_create(assignments)
    states, categories = list(State.values), list(Category.values)
    now = timezone.now()
    experiences = []
    for n, learner in enumerate(learners):
        for k in range(PER_STUDENT):
            state = states[(n + k) % len(states)]
            submitted = None if state == State.DRAFT else now - datetime.timedelta(minutes=n * 10 + k)
            experiences.append(
                Experience(
                    institution=institution, learner=learner, title=f"Experience {k} of {learner.student_id}",
                    organisation="Bench Society", role="Member", term="Fall 2025", hours=10 + k,
                    category=categories[(n * 3 + k) % len(categories)], description="What was done.",
                    state=state, submitted_at=submitted,
                )
            )  # fmt: skip
    Experience.objects.bulk_create(experiences, batch_size=1000)


def _measure(client, url: str, requests: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200  # warm up (templates, URL resolver)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    return times, len(queries.captured_queries), page.count("/advising/experiences/")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clr-queue-bench-") as folder:
        setup_django(folder)
        from django.test import Client
        from django.urls import reverse

        from experiences.models import Experience
        from institutions.models import Institution

        slug = f"bench-{os.getpid()}"
        institution = Institution.objects.create(slug=slug, name=f"Bench University {slug}")
        advisors = _advisors(institution)
        client = Client(HTTP_HOST="localhost")
        client.force_login(advisors[0])
        queue = reverse("advising:queue", args=[slug])
        pages = {
            "first page": queue,
            "filtered": f"{queue}?state=verified&category=internship&q=Family1",
        }
        print(f"Advisor queue benchmark: {PER_STUDENT} experiences a student, {ADVISORS} advisors, "
              f"the measured one advising every student; {args.requests} requests each "
              f"(load average {os.getloadavg()[0]:.2f})")  # fmt: skip
        first = max(args.students // 5, 1)
        counts: dict[str, list[int]] = {name: [] for name in pages}
        made = 0
        for students in (first, args.students):
            started = time.perf_counter()
            _students(institution, advisors, start=made, count=students - made)
            made = students
            total = Experience.objects.filter(institution=institution).count()
            made_in = time.perf_counter() - started
            print(f"  {students} students, {total:,} experiences (made in {made_in:.1f} s)")
            for name, url in pages.items():
                times, queries, rows = _measure(client, url, args.requests)
                counts[name].append(queries)
                target = f"(target < {TARGET_MS:.0f} ms)" if students == args.students else ""
                print(f"    {name:<10} ({rows:>2} rows): median {statistics.median(times):6.1f} ms  "
                      f"best {min(times):6.1f} ms  {queries} queries {target}")  # fmt: skip
    constant = all(len(set(values)) == 1 for values in counts.values())
    print(f"queries constant in the number of experiences: {'yes' if constant else 'NO'}")
    return 0 if constant else 1


if __name__ == "__main__":
    sys.exit(main())
