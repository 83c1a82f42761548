"""Check award rows against the catalog, then write them in batches with a fixed number of queries each.

Checking happens before anything is written, so a preview lists every problem. Writing happens in one
transaction per file: either every row that should be written is written, or nothing is. Both go a
batch at a time, and what they remember of the file between batches is on disk (bounded.py), so memory
stays the same for a file of a thousand rows or a million.
The import key is (institution, student id, achievement, term): a row whose award exists updates it
when something changed and leaves it alone otherwise, so importing a file twice changes nothing.
A file may also bring catalog entries (OneRoster courses the catalog lacks) and terms: they are planned
while checking, so the rows that need them check as if they existed, and written in the same transaction.
"""

import contextlib
import sqlite3
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from institutions.models import Institution
from vc.documents import RESULT_STATUSES

from .. import signals
from ..models import (
    Achievement,
    AchievementVersion,
    Award,
    AwardChange,
    AwardResult,
    Learner,
    ResultDescription,
    Term,
)
from ..services import achievement_create
from .bounded import ChangeLog, CheckedRows, ProblemLog, SeenSoFar, chunks
from .fast_insert import insert_rows
from .rows import AwardRow, CourseRow, Problem, TermRow

BATCH_SIZE = 2000
AWARD_COLUMNS = (
    "uuid", "institution_id", "learner_id", "achievement_id", "achievement_version_id", "term",
    "credits_earned", "activity_start_date", "activity_end_date", "awarded_date", "narrative", "source",
    "source_reference", "withdrawn_reason", "created_at", "updated_at",
)  # fmt: skip
RESULT_COLUMNS = ("award_id", "result_description_id", "value", "status", "achieved_level_id")
FAILING_STATUSES = ("Failed", "Withdrew")


@dataclass
class ImportReport:
    """What an import found and (would have) done."""

    file_name: str
    file_format: str
    rows: int = 0
    valid_rows: int = 0
    # The first problems by file and line (bounded.KEPT_PROBLEMS); all of them are counted.
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    bad_lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn_kept: int = 0
    learners_created: int = 0
    learners_updated: int = 0
    # Catalog entries the file brings (created when it is imported) and the terms it wrote.
    new_achievements: list[CourseRow] = field(default_factory=list)
    terms_created: int = 0
    terms_updated: int = 0
    dry_run: bool = False
    valid_only: bool = False
    written: bool = False
    # The file is beyond a bound (limits.py): nothing of it was checked further.
    refused: bool = False
    # Each row that creates or changes an award: counted, the first kept (and all in a file if asked).
    changes: ChangeLog = field(default_factory=ChangeLog)

    @property
    def blocking(self) -> list[Problem]:
        """Problems with the file itself: while there is one, no row can be imported."""
        return [p for p in self.problems if p.blocking]

    @property
    def skipped(self) -> int:
        return self.rows - self.valid_rows


class Catalog:
    """The institution's achievements and result descriptions, loaded once per import (three queries)."""

    def __init__(self, institution: Institution):
        achievements = list(Achievement.objects.filter(institution=institution))
        self.by_code = {a.human_code.casefold(): a for a in achievements}
        versions = AchievementVersion.objects.filter(achievement__institution=institution).only(
            "pk", "achievement_id", "credits_available", "number"
        )
        self.versions = {v.pk: v for v in versions}
        self.primary: dict[int, ResultDescription] = {}
        self.level_names: dict[int, dict[str, int]] = {}
        self.planned: list[CourseRow] = []
        descriptions = (
            ResultDescription.objects.filter(version__achievement__institution=institution)
            .prefetch_related("levels")
            .order_by("version_id", "position", "pk")
        )
        scales: Counter = Counter()
        for description in descriptions:
            if description.result_type == "LetterGrade" and description.allowed_values:
                scales[(tuple(description.allowed_values), description.required_value)] += 1
            self.level_names[description.pk] = {level.name: level.pk for level in description.levels.all()}
            current = self.primary.get(description.version_id)
            # The row's `result` goes to the first grade-like description; a Status one only when alone.
            if current is None or (current.result_type == "Status" and description.result_type != "Status"):
                self.primary[description.version_id] = description
        # The letter scale most of the catalog grades on: a course new to the catalog gets it, so an F in
        # it is a failed attempt there too (the registrar can change it in the catalog).
        self.house_scale = scales.most_common(1)[0][0] if scales else None

    def _new_course_result(self, course: CourseRow) -> dict:
        result = {"name": "Final grade", "result_type": course.result_type}
        if course.result_type == "LetterGrade" and self.house_scale:
            allowed, required = self.house_scale
            result.update(allowed_values=list(allowed), required_value=required)
        return result

    def achievement(self, code: str) -> Achievement | None:
        return self.by_code.get(code.casefold())

    def plan(self, courses: list[CourseRow]) -> None:
        """Add courses to be created, in memory (negative ids), so rows naming them check as usual."""
        self.planned = list(courses)
        for number, course in enumerate(self.planned, start=1):
            pk = -number
            self.by_code[course.code.casefold()] = Achievement(
                pk=pk, human_code=course.code, current_version_id=pk
            )
            self.versions[pk] = AchievementVersion(
                pk=pk, achievement_id=pk, number=1, credits_available=course.credits
            )
            self.primary[pk] = ResultDescription(pk=pk, version_id=pk, **self._new_course_result(course))
            self.level_names[pk] = {}

    def create_planned(self, *, institution: Institution, actor=None) -> None:
        """Create the planned courses as Course achievements, in place of their placeholders."""
        for course in self.planned:
            achievement = Achievement.objects.filter(
                institution=institution, human_code__iexact=course.code
            ).first()  # added since the file was checked: use it
            if achievement is None:
                achievement = achievement_create(
                    institution=institution,
                    human_code=course.code,
                    fields=_course_fields(course),
                    result_descriptions=[self._new_course_result(course)],
                    actor=actor,
                )
            version = AchievementVersion.objects.get(pk=achievement.current_version_id)
            self.by_code[course.code.casefold()] = achievement
            self.versions[version.pk] = version
            for description in version.result_descriptions.all():
                self.primary.setdefault(version.pk, description)
                self.level_names[description.pk] = {}  # a course's grades, not a rubric
        self.planned = []


def _course_fields(course: CourseRow) -> dict:
    return {
        "achievement_type": "Course",
        "name": course.title[:200],
        "description": f"{course.title}, as the student information system lists it.",
        "criteria_narrative": (
            "Complete the course; the grade is the one the student information system records. "
            f"Imported from the SIS (OneRoster courses.csv, course {course.sourced_id}): edit this entry "
            "to describe its criteria and grade scale."
        ),
        "credits_available": course.credits,
        "other_identifiers": [{"identifier_type": "sisSourcedId", "identifier": course.sourced_id}],
    }


def write_terms(*, institution: Institution, terms: list[TermRow], report: ImportReport) -> None:
    """Create or update the institution's terms by name (a date left blank keeps the one stored)."""
    existing = {
        term.name: term
        for term in Term.objects.filter(institution=institution, name__in=[t.name for t in terms])
    }
    created, changed = [], []
    now = timezone.now()
    for term in terms:
        row = existing.get(term.name)
        if row is None:
            created.append(
                Term(
                    institution=institution,
                    name=term.name,
                    start_date=term.start_date,
                    end_date=term.end_date,
                    sourced_id=term.sourced_id,
                )
            )
            continue
        wanted = (
            term.start_date or row.start_date,
            term.end_date or row.end_date,
            term.sourced_id or row.sourced_id,
        )
        if wanted != (row.start_date, row.end_date, row.sourced_id):
            row.start_date, row.end_date, row.sourced_id = wanted
            row.updated_at = now
            changed.append(row)
    Term.objects.bulk_create(created)
    Term.objects.bulk_update(changed, ["start_date", "end_date", "sourced_id", "updated_at"])
    report.terms_created += len(created)
    report.terms_updated += len(changed)


def check_rows(
    rows: Iterable[AwardRow],
    catalog: Catalog,
    *,
    problems: ProblemLog,
    checked: CheckedRows,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Check the rows, a batch at a time, against the catalog and the rows before them: their problems go
    to `problems`, the rows fit to write to `checked`. Returns how many rows there were."""
    count = 0
    with SeenSoFar() as seen:
        for batch in chunks(rows, batch_size):
            count += len(batch)
            checked.add(_check_batch(batch, catalog, seen, problems))
    return count


def _check_batch(batch: list[AwardRow], catalog: Catalog, seen: SeenSoFar, problems: ProblemLog):
    achievements = [
        catalog.achievement(row.achievement_code) if row.achievement_code else None for row in batch
    ]
    first_lines = seen.first_award_lines(
        [
            (row.student_id, achievement.pk, row.term, row.line)
            for row, achievement in zip(batch, achievements, strict=True)
            if achievement is not None and row.student_id
        ]
    )
    first_people = seen.first_people(
        [
            (row.student_id, row.given_name, row.family_name, row.email, row.line)
            for row in batch
            if row.student_id and not row.bad
        ]
    )
    good = []
    for row, achievement in zip(batch, achievements, strict=True):
        found = _row_problems(row, achievement, catalog)
        if achievement is not None and row.student_id:
            found.extend(_duplicate_problems(row, first_lines[(row.student_id, achievement.pk, row.term)]))
        if row.student_id and not row.bad:
            found.extend(_learner_problems(row, first_people[row.student_id]))
        problems.extend(found)
        if not found and not row.bad and achievement is not None:
            good.append(row)
    return good


def _row_problems(row: AwardRow, achievement: Achievement | None, catalog: Catalog) -> list[Problem]:
    """What the catalog and the row itself reveal."""
    found: list[Problem] = []

    def problem(name, message):
        found.append(Problem(row.file, row.line, row.column(name), message))

    if row.achievement_code and achievement is None:
        problem("achievement_code", f"No achievement with the code {row.achievement_code!r} in the catalog.")
    version = catalog.versions.get(achievement.current_version_id) if achievement else None
    if achievement and version is None:
        problem("achievement_code", f"{achievement.human_code} has no version to award yet.")
    if version is not None:
        description = catalog.primary.get(version.pk)
        if (row.result or row.result_status) and description is None:
            problem(
                "result", f"{achievement.human_code} has no result description (grade scale) for results."
            )
        elif row.result:
            message = description.value_problem(row.result, list(catalog.level_names[description.pk]))
            if message:
                problem("result", message)
        if (
            row.credits_earned is not None
            and version.credits_available is not None
            and row.credits_earned > version.credits_available
        ):
            problem(
                "credits_earned",
                f"{row.credits_earned} credits is more than the {version.credits_available} "
                f"{achievement.human_code} offers.",
            )
    if row.result_status and row.result_status not in RESULT_STATUSES:
        problem(
            "result_status",
            f"{row.result_status!r} is not a status; use one of {', '.join(RESULT_STATUSES)}.",
        )
    if row.activity_start_date and row.activity_end_date and row.activity_start_date > row.activity_end_date:
        problem("activity_end_date", "The activity ends before it starts.")
    if not row.awarded_date and not row.activity_end_date and not row.bad:
        problem("awarded_date", "Give an awarded_date (or an activity_end_date to use as one).")
    return found


def _duplicate_problems(row: AwardRow, first: int) -> list[Problem]:
    if first == row.line:
        return []
    message = f"Duplicate of line {first}: the same student, achievement and term appear twice."
    return [Problem(row.file, row.line, row.column("achievement_code"), message)]


def _learner_problems(row: AwardRow, earlier: tuple) -> list[Problem]:
    """A student's name and email are the same on every row naming them."""
    person = (row.given_name, row.family_name, row.email)
    if earlier[:3] == person:
        return []
    names = ("given_name", "family_name", "email")
    differing = next(name for name, a, b in zip(names, earlier[:3], person, strict=True) if a != b)
    message = f"Student {row.student_id} has a different {differing} on line {earlier[3]}."
    return [Problem(row.file, row.line, row.column(differing), message)]


@contextlib.contextmanager
def sqlite_parameter_limit() -> Iterator[None]:
    """Let Django batch as many parameters per query as the linked SQLite accepts.

    Django assumes SQLite's old default of 999 variables; libraries since 3.32 accept 32,766, so a batch
    of awards fits in one INSERT instead of dozens.
    """
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    features = connection.features
    previous = features.max_query_params
    try:
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        limit = previous
    features.max_query_params = max(previous, limit)
    try:
        yield
    finally:
        features.max_query_params = previous


class _Writer:
    def __init__(self, *, institution, catalog, source, reference, actor, report):
        self.institution = institution
        self.catalog = catalog
        self.source = source
        self.reference = reference
        self.actor = actor if getattr(actor, "pk", None) else None
        self.report = report
        self.learners: dict[str, Learner] = {}

    def _learners(self, batch):
        # The batch's learners only: those of earlier batches are in the database by now (in this
        # transaction), so memory does not grow with the file.
        wanted = {row.student_id for row, _ in batch}
        self.learners = {
            learner.student_id: learner
            for learner in Learner.objects.filter(institution=self.institution, student_id__in=wanted)
        }
        created, changed = [], {}
        for row, _achievement in batch:
            learner = self.learners.get(row.student_id)
            if learner is None:
                learner = Learner(
                    institution=self.institution,
                    student_id=row.student_id,
                    sourced_id=row.sourced_id,
                    given_name=row.given_name,
                    family_name=row.family_name,
                    email=row.email,
                )
                self.learners[row.student_id] = learner
                created.append(learner)
            elif learner.pk is not None and (
                learner.given_name != row.given_name
                or learner.family_name != row.family_name
                or (row.email and learner.email != row.email)
                or (row.sourced_id and learner.sourced_id != row.sourced_id)
            ):
                learner.given_name, learner.family_name = row.given_name, row.family_name
                learner.email = row.email or learner.email
                learner.sourced_id = row.sourced_id or learner.sourced_id
                changed[learner.student_id] = learner
        if created:
            Learner.objects.bulk_create(created)
        if changed:
            now = timezone.now()
            for learner in changed.values():
                learner.updated_at = now
            Learner.objects.bulk_update(
                list(changed.values()), ["given_name", "family_name", "email", "sourced_id", "updated_at"]
            )
        self.report.learners_created += len(created)
        self.report.learners_updated += len(changed)

    def _desired(self, row: AwardRow, version_id: int):
        version = self.catalog.versions[version_id]
        description = self.catalog.primary.get(version_id)
        passing = row.result_status not in FAILING_STATUSES
        if description is not None and row.result and passing:
            passing = description.is_passing(row.result)
        results = []
        if description is not None and (row.result or row.result_status):
            # The criteria decide: a grade below the passing level is a failed attempt, whatever the status.
            status = (row.result_status if passing else "") or ("Completed" if passing else "Failed")
            if not passing and row.result_status in FAILING_STATUSES:
                status = row.result_status
            level = self.catalog.level_names[description.pk].get(row.result) if row.result else None
            results.append((description.pk, row.result, status, level))
        credits = row.credits_earned
        if not passing:
            credits = Decimal(0)  # an attempt earns no credits
        elif credits is None:
            credits = version.credits_available
        fields = {
            "credits_earned": credits,
            "activity_start_date": row.activity_start_date,
            "activity_end_date": row.activity_end_date,
            "awarded_date": row.awarded_date or row.activity_end_date,
        }
        return fields, results

    def write_batch(self, batch):
        self._learners(batch)
        learner_ids = {self.learners[row.student_id].pk for row, _ in batch}
        existing = {
            (award.learner_id, award.achievement_id, award.term): award
            for award in Award.objects.filter(
                institution=self.institution,
                learner_id__in=learner_ids,
                achievement_id__in={a.pk for _, a in batch},
                term__in={row.term for row, _ in batch},
            )
        }
        old_results = defaultdict(list)
        if existing:
            for award_id, *result in AwardResult.objects.filter(
                award_id__in=[award.pk for award in existing.values()]
            ).values_list("award_id", "result_description_id", "value", "status", "achieved_level_id"):
                old_results[award_id].append(tuple(result))
        new_awards, new_award_results, changed, changed_results, history = [], [], [], [], []
        now = timezone.now()
        for row, achievement in batch:
            learner = self.learners[row.student_id]
            award = existing.get((learner.pk, achievement.pk, row.term))
            if award is None:
                fields, results = self._desired(row, achievement.current_version_id)
                new_awards.append(
                    (
                        uuid.uuid4(), self.institution.pk, learner.pk, achievement.pk,
                        achievement.current_version_id, row.term, fields["credits_earned"],
                        fields["activity_start_date"], fields["activity_end_date"], fields["awarded_date"],
                        "", self.source, f"{self.reference} line {row.line}"[:200], "", now, now,
                    )
                )  # fmt: skip
                new_award_results.append(results)
                self.report.changes.add("create", row)
                continue
            if award.withdrawn_at is not None:
                self.report.withdrawn_kept += 1
                continue
            fields, results = self._desired(row, award.achievement_version_id)
            before = {name: getattr(award, name) for name in fields}
            if before == fields and sorted(old_results[award.pk]) == sorted(results):
                self.report.unchanged += 1
                continue
            for name, value in fields.items():
                setattr(award, name, value)
            award.updated_at = now
            award.source_reference = f"{self.reference} line {row.line}"[:200]
            changed.append(award)
            changed_results.append(results)
            self.report.changes.add("update", row)
            history.append(
                AwardChange(
                    award=award,
                    action="updated",
                    actor=self.actor,
                    source=award.source_reference,
                    changes={
                        **{name: str(value) for name, value in before.items() if value != fields[name]},
                        "results": [list(map(str, r)) for r in sorted(old_results[award.pk])],
                    },
                )
            )
        # A new award's history starts with its own created_at and source_reference (file and line);
        # the import run and its audit entry say who imported the file.
        new_ids = insert_rows(Award, AWARD_COLUMNS, new_awards)
        if changed:
            Award.objects.bulk_update(
                changed,
                [
                    "credits_earned",
                    "activity_start_date",
                    "activity_end_date",
                    "awarded_date",
                    "updated_at",
                    "source_reference",
                ],
            )
            AwardResult.objects.filter(award_id__in=[award.pk for award in changed]).delete()
        award_ids = new_ids + [award.pk for award in changed]
        insert_rows(
            AwardResult,
            RESULT_COLUMNS,
            [
                (award_id, *result)
                for award_id, results in zip(award_ids, new_award_results + changed_results, strict=True)
                for result in results
            ],
            returning=False,
        )
        if history:
            AwardChange.objects.bulk_create(history)
        self.report.created += len(new_awards)
        self.report.updated += len(changed)
        if changed:
            signals.awards_updated.send(
                sender=Award,
                award_ids=[award.pk for award in changed],
                source=self.reference,
                actor=self.actor,
            )


class _DryRun(Exception):
    pass


def write_rows(
    *,
    institution: Institution,
    good: Iterable[AwardRow],
    catalog: Catalog,
    report: ImportReport,
    source: str,
    actor=None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    after_write: Callable[[], None] | None = None,
    terms: list[TermRow] = (),
) -> None:
    """Write the checked rows in batches inside one transaction (rolled back at the end of a dry run).

    The catalog's planned achievements and the file's terms are written first, in the same transaction;
    each row's achievement is looked up by its code as its batch is written (a planned one is created by
    then).
    """
    writer = _Writer(
        institution=institution,
        catalog=catalog,
        source=source,
        reference=report.file_name,
        actor=actor,
        report=report,
    )
    try:
        with sqlite_parameter_limit(), transaction.atomic():
            # One import at a time per institution (PostgreSQL; SQLite serialises writers anyway).
            Institution.objects.select_for_update().filter(pk=institution.pk).first()
            if catalog.planned:
                catalog.create_planned(institution=institution, actor=writer.actor)
            if terms:
                write_terms(institution=institution, terms=list(terms), report=report)
            for rows in chunks(good, batch_size):
                writer.write_batch([(row, catalog.achievement(row.achievement_code)) for row in rows])
                if progress:
                    progress(len(rows))
            if after_write:
                after_write()
            if dry_run:
                raise _DryRun
    except _DryRun:
        return
    report.written = True
