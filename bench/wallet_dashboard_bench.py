"""Benchmark of the learner's dashboard (/wallet/): server time and SQL queries for 10 and 300 awards.

Run as `python bench/wallet_dashboard_bench.py [--awards N] [--requests R]` from the repository root.
Each learner has courses over ten terms, each award with a grade, an issued credential, an alignment
and an association to a competency, so every part of the page is filled. The page is requested through
Django's full request path (middleware, session, template) in-process; the median and best times and
the number of queries are printed beside the targets (at most 15 queries whatever the number of
awards; under 100 ms median for 300 awards). Fails (exit 1) only if the query count grows with the
number of awards or exceeds 15. Uses a throw-away SQLite file, or the database in DATABASE_URL if set.
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

TARGET_QUERIES = 15
TARGET_MS = 100.0
TERMS = 10


def _learner_with_awards(institution, count: int, email: str):
    """A user whose learner record holds `count` awards (courses over ten terms)."""
    from achievements.models import Alignment, Association, Award, AwardResult, Learner
    from achievements.services import achievement_create
    from credentials.models import CredentialKind, CredentialState, IssuedCredential
    from institutions.models import User

    per_term = max(count // TERMS, 1)
    prefix = f"B{count}-"
    grade = {"name": "Final grade", "result_type": "LetterGrade", "allowed_values": ["A", "B", "C", "D", "F"]}
    competency = achievement_create(
        institution=institution, human_code=prefix + "SKILL", fields={
            "achievement_type": "Competency", "name": "Problem solving", "description": "Solves problems.",
            "criteria_narrative": "Shown in courses.",
        },
        alignments=[{"target_name": "Problem solving", "target_url": "https://skills.example/problem-solving",
                     "target_framework": "Example Skills Framework"}],
    )  # fmt: skip
    courses = []
    for n in range(per_term):
        fields = {
            "achievement_type": "Course", "name": f"Course {n}", "description": f"Course number {n}.",
            "criteria_narrative": "Pass the course.", "credits_available": 3,
        }  # fmt: skip
        courses.append(
            achievement_create(
                institution=institution,
                human_code=f"{prefix}C{n:03d}",
                fields=fields,
                result_descriptions=[grade],
            )
        )
    Alignment.objects.bulk_create(
        Alignment(
            version=c.current_version, target_name=f"Skill {n}", target_url=f"https://skills.example/{n}"
        )
        for n, c in enumerate(courses)
    )
    Association.objects.bulk_create(
        Association(institution=institution, source=c, target=competency, association_type="isRelatedTo")
        for c in courses
    )
    user = User.objects.create_user(email=email, password="bench-password-0123")
    learner = Learner.objects.create(
        institution=institution,
        user=user,
        student_id=prefix + "S1",
        given_name="Bench",
        family_name="Learner",
    )
    awards = Award.objects.bulk_create(
        Award(
            institution=institution, learner=learner, achievement=c, achievement_version=c.current_version,
            term=f"Term {term:02d}", credits_earned=3, activity_start_date=datetime.date(2010 + term, 9, 1),
            awarded_date=datetime.date(2010 + term, 12, 20),
        )
        for term in range(TERMS)
        for c in courses
    )[:count]  # fmt: skip
    descriptions = {c.current_version_id: c.current_version.result_descriptions.get() for c in courses}
    AwardResult.objects.bulk_create(
        AwardResult(award=a, result_description=descriptions[a.achievement_version_id], value="B")
        for a in awards
    )
    IssuedCredential.objects.bulk_create(
        IssuedCredential(
            institution=institution, kind=CredentialKind.ACHIEVEMENT, learner=learner, award=a,
            state=CredentialState.SIGNED,
        )
        for a in awards
    )  # fmt: skip
    return user, len(awards)


def _measure(user, requests: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    assert client.get("/wallet/").status_code == 200  # warm up (templates, URL resolver)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/wallet/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/wallet/")
    return times, len(queries.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--awards", type=int, default=300)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clr-dashboard-bench-") as folder:
        setup_django(folder)
        from institutions.models import Institution

        slug = f"bench-{os.getpid()}"
        institution = Institution.objects.create(slug=slug, name=f"Bench University {slug}")
        print(f"Dashboard benchmark: /wallet/ for learners with 10 and {args.awards} awards, "
              f"{args.requests} requests each (load average {os.getloadavg()[0]:.2f})")  # fmt: skip
        counts = {}
        for size in (10, args.awards):
            user, made = _learner_with_awards(institution, size, f"bench{size}@example.org")
            times, counts[size] = _measure(user, args.requests)
            median = statistics.median(times)
            target = f"(target < {TARGET_MS:.0f} ms)" if size == args.awards else ""
            print(f"  {made:>5} awards: median {median:6.1f} ms  best {min(times):6.1f} ms  "
                  f"{counts[size]} queries (target <= {TARGET_QUERIES}) {target}")  # fmt: skip
    constant = counts[10] == counts[args.awards]
    print(f"queries constant in the number of awards: {'yes' if constant else 'NO'}")
    return 0 if constant and counts[args.awards] <= TARGET_QUERIES else 1


if __name__ == "__main__":
    sys.exit(main())
