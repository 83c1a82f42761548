"""Advisor assignments in bulk: a CSV of `advisor_email,student_id`, one assignment a line.

- The header line is required (columns in any order; other columns are ignored).
- Each line is checked on its own: an unknown advisor, someone who is not an advisor here, an unknown
  student id, or an advisor who is that student is an error naming the line; the other lines are applied.
- Idempotent: a line whose assignment exists (or appeared earlier in the file) is "already there".
- Bounded: a file over `MAX_BYTES` or `MAX_ROWS` lines, not UTF-8, or holding NUL bytes is refused whole
  (`AssignmentsFileRefused`), before anything is changed.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Lower

from achievements.models import Learner
from institutions.models import Institution, Membership, Role, User
from institutions.services import audit_record

from .models import AdvisorAssignment

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 50_000
COLUMNS = ("advisor_email", "student_id")
# How many values one IN (...) lookup carries (SQLite's bound on variables is far above it).
CHUNK = 500
# Errors kept in the report; beyond them only the count grows.
MAX_ERRORS_LISTED = 200


class AssignmentsFileRefused(Exception):
    """The file as a whole cannot be read; the message says why, for the person who uploaded it."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class AssignmentsReport:
    created: int = 0
    already: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.already + self.error_count

    def error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_LISTED:
            self.errors.append(RowError(line, message))


def _text_of(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise AssignmentsFileRefused(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files."
        )
    if b"\x00" in data:
        raise AssignmentsFileRefused("The file holds NUL bytes: it is not a CSV text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AssignmentsFileRefused(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read): save it as CSV UTF-8."
        ) from None


def _rows(text: str) -> list[tuple[int, str, str]]:
    """(line number, advisor e-mail, student id) of each data line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((row for row in reader if any(value.strip() for value in row)), None)
        if header is None:
            raise AssignmentsFileRefused(
                "The file is empty: the first line must be advisor_email,student_id."
            )
        names = [name.strip().lower() for name in header]
        if any(column not in names for column in COLUMNS):
            raise AssignmentsFileRefused(
                "The first line must name the columns advisor_email and student_id "
                f"(it reads: {','.join(header)[:200]})."
            )
        email_at, student_at = names.index("advisor_email"), names.index("student_id")
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise AssignmentsFileRefused(
                    f"The file has more than {MAX_ROWS:,} lines: split it into smaller files."
                )
            line = reader.line_num
            email = values[email_at].strip() if email_at < len(values) else ""
            student_id = values[student_at].strip() if student_at < len(values) else ""
            rows.append((line, email, student_id))
    except csv.Error as error:
        raise AssignmentsFileRefused(f"Line {reader.line_num} is not valid CSV: {error}.") from None
    return rows


def _chunks(values: list) -> list[list]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def assignments_import(*, institution: Institution, data: bytes, actor=None) -> AssignmentsReport:
    """Apply a CSV of assignments; returns what was created, already there, and each line's error."""
    rows = _rows(_text_of(data))
    emails = sorted({email.lower() for _line, email, _student in rows if email})
    student_ids = sorted({student for _line, _email, student in rows if student})
    users: dict[str, User] = {}
    for chunk in _chunks(emails):
        for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk):
            users[user.email_lower] = user
    advisors = set(
        Membership.objects.filter(institution=institution, role=Role.ADVISOR).values_list(
            "user_id", flat=True
        )
    )
    learners: dict[str, Learner] = {}
    for chunk in _chunks(student_ids):
        for learner in Learner.objects.filter(institution=institution, student_id__in=chunk):
            learners[learner.student_id] = learner
    existing = set(
        AdvisorAssignment.objects.filter(institution=institution).values_list("advisor_id", "learner_id")
    )
    report = AssignmentsReport()
    new_pairs: list[tuple[User, Learner]] = []
    for line, email, student_id in rows:
        if not email or not student_id:
            report.error(line, "Both advisor_email and student_id are needed.")
            continue
        advisor = users.get(email.lower())
        learner = learners.get(student_id)
        # One message whether or not the address has an account: the file must not tell who has one.
        if advisor is None or advisor.pk not in advisors:
            report.error(line, f"{email} is not an advisor at {institution.name}.")
        elif learner is None:
            report.error(line, f"No learner of {institution.name} has the student id {student_id}.")
        elif learner.user_id == advisor.pk:
            report.error(line, f"{email} is the student {student_id}: an advisor cannot advise themselves.")
        elif (advisor.pk, learner.pk) in existing:
            report.already += 1
        else:
            existing.add((advisor.pk, learner.pk))
            new_pairs.append((advisor, learner))
    with transaction.atomic():
        created = AdvisorAssignment.objects.bulk_create(
            [
                AdvisorAssignment(
                    institution=institution, advisor=advisor, learner=learner, assigned_by=actor
                )
                for advisor, learner in new_pairs
            ],
            ignore_conflicts=True,  # a concurrent upload of the same lines: they are there either way
            batch_size=CHUNK,
        )
        report.created = len(created)
        if created:
            audit_record(
                actor=actor, action="advisor.assigned", institution=institution,
                target=",".join(learner.student_id for _advisor, learner in new_pairs[:20]),
                count=len(created),
            )  # fmt: skip
    return report
