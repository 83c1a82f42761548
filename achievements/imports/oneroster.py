"""OneRoster 1.2 CSV bundles: a zip of users, courses, classes, academicSessions, enrollments, lineItems
and results.

Each final grade (a result of a class's final line item) becomes an award: the user is the learner, the
class's course (by `courseCode`) is the achievement, the line item's (or class's) academic session is the
term. See docs/sis-import.md for the exact mapping. Beyond the rows' own checks:

- a `sourcedId` on two lines of one file is an error on each of them, and no result that depends on it
  (through its line item, class, course, academic session, enrolment or user) is imported; a row found
  wrong (a bad date, email or course code) holds back its dependants the same way, and its problem says
  how many results that held back, so each problem is reported once, where it is;
- a missing file or required column blocks the whole bundle, but every other file is still checked;
- courses the catalog lacks are returned, to become Course achievements when the bundle is imported;
- academic sessions are returned as terms; OneRoster's `endDate` is exclusive, so a term ends on the day
  before it.
"""

import csv
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import InvalidOperation

from .csv_awards import safe_rows
from .limits import DEFAULT_LIMITS, ImportLimits, budget, check_archive, open_member, too_many_rows
from .rows import AwardRow, CourseRow, Problem, TermRow, is_email, parse_date, parse_decimal

REQUIRED_FILES = {
    "users.csv": ("sourcedId", "givenName", "familyName"),
    "courses.csv": ("sourcedId", "courseCode"),
    "classes.csv": ("sourcedId", "courseSourcedId"),
    "academicSessions.csv": ("sourcedId", "title"),
    "enrollments.csv": ("classSourcedId", "userSourcedId", "role"),
    "lineItems.csv": ("sourcedId", "classSourcedId"),
    "results.csv": ("lineItemSourcedId", "studentSourcedId"),
}
DELETED = "tobedeleted"
GRADED = {"", "fully graded"}
# OneRoster 1.2 courses.csv has no credits; SIS exports put them in an extension column (CSV binding 3.1:
# "metadata." columns to the right of the defined ones).
CREDITS_COLUMNS = ("metadata.credits", "credits")
MAX_CODE = 60  # Achievement.human_code
MAX_TERM = 60  # Award.term
MAX_RESULT = 60  # AwardResult.value
# Learner's columns.
USER_LENGTHS = {"sourcedId": 128, "identifier": 64, "givenName": 100, "familyName": 100, "email": 254}
# OneRoster score columns -> the portal's names, so problems name the column the registrar sees.
RESULT_COLUMNS = {
    "result": "score",
    "awarded_date": "scoreDate",
    "achievement_code": "lineItemSourcedId",
    "term": "lineItemSourcedId",
    "student_id": "studentSourcedId",
}
# What a lookup gives when the row it needs cannot be trusted (its file is unusable, or its id faulty).
HELD = object()


@dataclass
class OneRosterBundle:
    """What a bundle holds, checked: award rows, problems, and what importing it adds to the catalog."""

    rows: list[AwardRow]
    problems: list[Problem]
    count: int
    new_courses: list[CourseRow] = field(default_factory=list)
    terms: list[TermRow] = field(default_factory=list)


class _File:
    """The rows of one file, by sourcedId, with the faults found in them."""

    def __init__(self, name: str, rows: list[tuple[int, dict]], *, usable: bool = True):
        self.name = name
        self.rows = rows
        self.usable = usable
        self.by_id: dict[str, tuple[int, dict]] = {}
        lines: dict[str, list[int]] = defaultdict(list)
        for line, record in rows:
            ident = record.get("sourcedId", "")
            if ident:
                lines[ident].append(line)
                self.by_id.setdefault(ident, (line, record))
        self.faults: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        self.held_back: Counter = Counter()
        for ident, found in lines.items():
            if len(found) > 1:
                for line in found:
                    others = [str(n) for n in found if n != line]
                    where = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " and " + others[-1]
                    self.fault(
                        ident,
                        line,
                        "sourcedId",
                        f"sourcedId {ident!r} is also on line{'s' if len(others) > 1 else ''} {where} of "
                        f"{name}: ids must be unique",
                    )

    def fault(self, ident: str, line: int, column: str, message: str) -> None:
        self.faults[ident].append((line, column, message))

    def find(self, ident: str, taints: set):
        """The (line, row) of `ident`; None when the file has no such id; HELD when it cannot be used."""
        if not self.usable:
            return HELD
        if ident in self.faults:
            taints.add((self, ident))
            return HELD
        return self.by_id.get(ident)

    def problems(self) -> list[Problem]:
        found = []
        for ident, faults in self.faults.items():
            held = self.held_back[ident]
            if held == 1:
                tail = "; the 1 result that depends on it is not imported."
            elif held:
                tail = f"; the {held} results that depend on it are not imported."
            else:
                tail = "."
            found.extend(Problem(self.name, line, column, message + tail) for line, column, message in faults)
        return found


def _read_table(
    archive: zipfile.ZipFile, members: dict, name: str, problems: list[Problem], limits: ImportLimits, left
) -> _File:
    member = members.get(name.lower())
    if member is None:
        problems.append(Problem(name, 0, "", f"The bundle has no {name}.", blocking=True))
        return _File(name, [], usable=False)
    with open_member(archive, member, left) as text:
        reader = csv.DictReader(text)
        try:
            fields = reader.fieldnames or []
        except csv.Error as error:
            problems.append(Problem(name, 1, "", f"The header cannot be read: {error}.", blocking=True))
            return _File(name, [], usable=False)
        missing = [column for column in REQUIRED_FILES[name] if column not in fields]
        if missing:
            problems.append(
                Problem(
                    name,
                    1,
                    ", ".join(missing),
                    f"{name} lacks column(s) {', '.join(missing)}.",
                    blocking=True,
                )
            )
            # Its rows are still read for their ids, but nothing is looked up in a file lacking a column.
        rows = []
        for count, record in enumerate(safe_rows(reader, name, problems), start=1):
            if count > limits.max_rows:
                raise too_many_rows(name, limits, reader.line_num)
            record = {key: (value or "").strip() for key, value in record.items() if key}
            if record.get("status", "").lower() == DELETED:
                continue
            rows.append((reader.line_num, record))
    return _File(name, rows, usable=not missing)


def _date(value, file: _File, ident, line, column):
    """The date in `value` (None when blank); a bad one is a fault of the row."""
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        file.fault(ident, line, column, f"{value!r} is not a date (YYYY-MM-DD)")
        return None


def _sessions(sessions: _File) -> list[TermRow]:
    """Check the academic sessions and give them as terms (the day before an exclusive end date)."""
    terms: dict[str, TermRow] = {}
    for ident, (line, r) in list(sessions.by_id.items()):
        if ident in sessions.faults or not sessions.usable:
            continue
        start = _date(r.get("startDate", ""), sessions, ident, line, "startDate")
        end = _date(r.get("endDate", ""), sessions, ident, line, "endDate")
        # OneRoster 1.2: an academic session's endDate is exclusive; the portal keeps the last day.
        last = end - timedelta(days=1) if end else None
        if start and last and last < start:
            sessions.fault(
                ident,
                line,
                "endDate",
                "The session ends before it starts (endDate is exclusive: the last day is the day before it)",
            )
        if len(r["title"]) > MAX_TERM:
            sessions.fault(ident, line, "title", f"title is longer than {MAX_TERM} characters")
        if ident in sessions.faults or not r["title"]:
            continue
        term = TermRow(r["title"], start, last, ident)
        earlier = terms.get(term.name)
        if earlier is not None:  # one title for several sessions (a term and its grading period)
            starts = [d for d in (earlier.start_date, start) if d]
            ends = [d for d in (earlier.end_date, last) if d]
            term = TermRow(term.name, min(starts, default=None), max(ends, default=None), earlier.sourced_id)
        terms[term.name] = term
    return list(terms.values())


def _courses(courses: _File, catalog) -> dict[str, CourseRow]:
    """Check the courses against the catalog; returns those it lacks, by sourcedId (one per code)."""
    new: dict[str, CourseRow] = {}
    by_code: dict[str, CourseRow] = {}
    if not courses.usable:
        return new
    for ident, (line, r) in courses.by_id.items():
        if ident in courses.faults:
            continue
        code = r["courseCode"]
        credits = None
        for column in CREDITS_COLUMNS:
            value = r.get(column, "")
            if value:
                try:
                    credits = parse_decimal(value)
                    if credits < 0 or credits >= 10000 or credits != round(credits, 2):
                        raise InvalidOperation(value)
                except InvalidOperation:
                    message = f"{value!r} is not a number of credits (e.g. 3 or 1.5)"
                    courses.fault(ident, line, column, message)
                break
        if not code:
            courses.fault(ident, line, "courseCode", "courseCode is required: it names the achievement")
            continue
        if len(code) > MAX_CODE:
            courses.fault(
                ident,
                line,
                "courseCode",
                f"courseCode is longer than {MAX_CODE} characters, the most a catalog code may have",
            )
            continue
        achievement = catalog.achievement(code)
        if achievement is not None and achievement.current_version_id is None:
            courses.fault(ident, line, "courseCode", f"{achievement.human_code} has no version to award yet")
        if achievement is not None or ident in courses.faults:
            continue
        course = by_code.get(code.casefold())
        if course is None:
            course = CourseRow(ident, code, r.get("title", "") or code, line, credits)
            by_code[code.casefold()] = course
        new[ident] = course
    return new


def read_oneroster_zip(
    stream, *, file_name: str, catalog, limits: ImportLimits = DEFAULT_LIMITS
) -> OneRosterBundle:
    """Parse and check a OneRoster 1.2 CSV zip against the institution's `catalog` (an engine.Catalog).

    Raises limits.ImportRefused when the zip is beyond a bound (see limits.py).
    """
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        message = "This is not a zip file: a OneRoster bundle is a zip of CSV files."
        return OneRosterBundle([], [Problem(file_name, 0, "", message, blocking=True)], 0)
    with archive:
        check_archive(archive, file_name, limits)
        left = budget(limits)
        # Files may sit in a folder inside the zip; match on the file name alone.
        members = {
            info.filename.rsplit("/", 1)[-1].lower(): info for info in archive.infolist() if not info.is_dir()
        }
        files = {name: _read_table(archive, members, name, problems, limits, left) for name in REQUIRED_FILES}
    users, courses, classes = files["users.csv"], files["courses.csv"], files["classes.csv"]
    sessions, enrollments = files["academicSessions.csv"], files["enrollments.csv"]
    line_items, results = files["lineItems.csv"], files["results.csv"]

    terms = _sessions(sessions)
    new_courses = _courses(courses, catalog)
    if classes.usable and courses.usable:
        for ident, (line, r) in classes.by_id.items():
            if r["courseSourcedId"] not in courses.by_id:
                classes.fault(
                    ident, line, "courseSourcedId", f"No course {r['courseSourcedId']!r} in courses.csv"
                )
    if users.usable:
        for ident, (line, u) in users.by_id.items():
            email = u.get("email", "")
            if email and not is_email(email):
                users.fault(ident, line, "email", f"{email!r} is not an email address")
            for column, limit in USER_LENGTHS.items():
                if len(u.get(column, "")) > limit:
                    users.fault(ident, line, column, f"{column} is longer than {limit} characters")
    # (class, user) -> the sourcedIds of the student enrolments that give it.
    enrolled: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _line, r in enrollments.rows if enrollments.usable else ():
        if r["role"].lower() == "student":
            enrolled[(r["classSourcedId"], r["userSourcedId"])].append(r.get("sourcedId", ""))
    by_class: dict[str, list[dict]] = defaultdict(list)
    for _line, r in line_items.rows:
        by_class[r.get("classSourcedId", "")].append(r)
    final_items = set()
    for items in by_class.values():
        finals = [r for r in items if "final" in r.get("title", "").lower()]
        chosen = finals or (items if len(items) == 1 else [])
        final_items.update(r.get("sourcedId", "") for r in chosen[:1])
    item_ids = {r.get("sourcedId", "") for _line, r in line_items.rows}

    rows: list[AwardRow] = []
    count = 0
    kinds: dict[str, set] = defaultdict(set)
    for line, r in results.rows if results.usable else ():
        item_id = r["lineItemSourcedId"]
        if item_id in item_ids and item_id not in final_items:
            continue  # an assignment's score, not the final grade of the class
        if r.get("scoreStatus", "").lower() not in GRADED:
            continue
        count += 1
        row_problems: list[Problem] = []
        taints: set = set()
        held = r.get("sourcedId", "") in results.faults

        def problem(column, message, line=line, row_problems=row_problems):
            row_problems.append(Problem("results.csv", line, column, message))

        code = term = ""
        start = end = None
        course_id = ""
        item = line_items.find(item_id, taints)
        if item is HELD:
            held = True
        elif item is None:
            problem("lineItemSourcedId", f"No line item {item_id!r} in lineItems.csv.")
        else:
            class_id = item[1]["classSourcedId"]
            klass = classes.find(class_id, taints)
            if klass is HELD:
                held = True
            elif klass is None:
                problem("lineItemSourcedId", f"Line item {item_id!r} names no class in classes.csv.")
            else:
                course_id = klass[1]["courseSourcedId"]
                course = courses.find(course_id, taints)
                if course is HELD or course is None:
                    held = True
                else:
                    code = course[1]["courseCode"]
                term_ids = [t.strip() for t in klass[1].get("termSourcedIds", "").split(",") if t.strip()]
                session_id = (
                    item[1].get("academicSessionSourcedId")
                    or item[1].get("gradingPeriodSourcedId")
                    or (term_ids[0] if term_ids else "")
                )
                session = sessions.find(session_id, taints) if session_id else None
                if session is HELD:
                    held = True
                elif session is None:
                    problem(
                        "lineItemSourcedId",
                        f"Class {class_id!r} has no academic session in academicSessions.csv.",
                    )
                else:
                    term = session[1]["title"]
                    start = parse_date(session[1]["startDate"]) if session[1].get("startDate") else None
                    if session[1].get("endDate"):
                        end = parse_date(session[1]["endDate"]) - timedelta(days=1)
                if not enrollments.usable:
                    held = True
                else:
                    given_by = enrolled.get((class_id, r["studentSourcedId"]), [])
                    trusted = [e for e in given_by if e not in enrollments.faults]
                    if given_by and not trusted:
                        enrollments.find(given_by[0], taints)
                        held = True
                    elif not given_by:
                        problem(
                            "studentSourcedId",
                            f"{r['studentSourcedId']!r} is not enrolled as a student in class {class_id!r}.",
                        )
        user = users.find(r["studentSourcedId"], taints)
        given = family = email = student_id = ""
        if user is HELD:
            held = True
        elif user is None:
            problem("studentSourcedId", f"No user {r['studentSourcedId']!r} in users.csv.")
        else:
            u = user[1]
            given, family = u["givenName"], u["familyName"]
            email = u.get("email", "").lower()
            student_id = u.get("identifier") or u["sourcedId"]
        value = r.get("textScore") or r.get("score", "")
        if len(value) > MAX_RESULT:
            problem(
                "textScore" if r.get("textScore") else "score",
                f"The grade is longer than {MAX_RESULT} characters.",
            )
        awarded = None
        if r.get("scoreDate"):
            try:
                awarded = parse_date(r["scoreDate"])
            except ValueError:
                problem("scoreDate", f"{r['scoreDate']!r} is not a date (YYYY-MM-DD).")
        if taints:
            held = True
            for file, ident in taints:
                file.held_back[ident] += 1
        if course_id in new_courses and value:
            kinds[course_id].add("text" if r.get("textScore") else "score")
        problems.extend(row_problems)
        rows.append(
            AwardRow(
                file="results.csv",
                line=line,
                student_id=student_id if not held else "",
                sourced_id=r["studentSourcedId"],
                given_name=given,
                family_name=family,
                email=email,
                # A course that cannot be in the catalog is reported in courses.csv, not at each result.
                achievement_code=code,
                term=term,
                result=value,
                activity_start_date=start,
                activity_end_date=end,
                awarded_date=awarded,
                bad=bool(row_problems) or held,
                columns={**RESULT_COLUMNS, "result": "textScore" if r.get("textScore") else "score"},
            )
        )
    graded: dict[int, set] = defaultdict(set)
    for ident, course in new_courses.items():
        graded[id(course)] |= kinds[ident]
    unique_courses = list({id(course): course for course in new_courses.values()}.values())
    for course in unique_courses:
        if graded[id(course)] == {"score"}:
            course.result_type = "RawScore"
    for file in files.values():
        problems.extend(file.problems())
    return OneRosterBundle(rows, problems, count, unique_courses, terms)
