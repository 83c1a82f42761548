"""OneRoster 1.2 CSV bundles: a zip of users, courses, classes, academicSessions, enrollments, lineItems
and results.

Each final grade (a result of a class's final line item) becomes an award: the user is the learner, the
class's course (by `courseCode`) is the achievement, the line item's (or class's) academic session is the
term. See docs/sis-import.md for the exact mapping.
"""

import csv
import zipfile
from dataclasses import dataclass

from .csv_awards import safe_rows, text_lines
from .rows import AwardRow, Problem, is_email, parse_date

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
# A guard against zip bombs: no OneRoster file of one institution comes near this unpacked.
MAX_MEMBER_BYTES = 512 * 2**20
GRADED = {"", "fully graded"}
# OneRoster score columns -> the portal's names, so problems name the column the registrar sees.
RESULT_COLUMNS = {
    "result": "score",
    "awarded_date": "scoreDate",
    "achievement_code": "lineItemSourcedId",
    "term": "lineItemSourcedId",
    "student_id": "studentSourcedId",
}


@dataclass
class _Table:
    name: str
    rows: list[tuple[int, dict]]


def _read_table(archive: zipfile.ZipFile, members: dict, name: str, problems: list[Problem]) -> _Table | None:
    member = members.get(name.lower())
    if member is None:
        problems.append(Problem(name, 0, "", f"The bundle has no {name}."))
        return None
    if member.file_size > MAX_MEMBER_BYTES:
        problems.append(
            Problem(name, 0, "", f"{name} is larger than {MAX_MEMBER_BYTES // 2**20} MB unpacked.")
        )
        return None
    reader = csv.DictReader(text_lines(archive.read(member)))
    fields = reader.fieldnames or []
    missing = [column for column in REQUIRED_FILES[name] if column not in fields]
    if missing:
        problems.append(Problem(name, 1, ", ".join(missing), f"{name} lacks column(s) {', '.join(missing)}."))
        return None
    rows = []
    for record in safe_rows(reader, name, problems):
        record = {key: (value or "").strip() for key, value in record.items() if key}
        if record.get("status", "").lower() == DELETED:
            continue
        rows.append((reader.line_num, record))
    return _Table(name, rows)


def _date_or_problem(value, problems, file, line, column):
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        problems.append(Problem(file, line, column, f"{value!r} is not a date (YYYY-MM-DD)."))
        return None


def read_oneroster_zip(stream, *, file_name: str) -> tuple[list[AwardRow], list[Problem], int]:
    """Parse a OneRoster 1.2 CSV zip into award rows; returns (rows, problems, number of result rows)."""
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        return (
            [],
            [Problem(file_name, 0, "", "This is not a zip file: a OneRoster bundle is a zip of CSV files.")],
            0,
        )
    with archive:
        # Files may sit in a folder inside the zip; match on the file name alone.
        members = {
            info.filename.rsplit("/", 1)[-1].lower(): info for info in archive.infolist() if not info.is_dir()
        }
        tables = {name: _read_table(archive, members, name, problems) for name in REQUIRED_FILES}
    if any(table is None for table in tables.values()):
        return [], problems, 0

    sessions = {}
    for line, r in tables["academicSessions.csv"].rows:
        sessions[r["sourcedId"]] = (
            r["title"],
            _date_or_problem(r.get("startDate", ""), problems, "academicSessions.csv", line, "startDate"),
            _date_or_problem(r.get("endDate", ""), problems, "academicSessions.csv", line, "endDate"),
        )
    courses = {}
    for line, r in tables["courses.csv"].rows:
        if not r["courseCode"]:
            problems.append(
                Problem(
                    "courses.csv", line, "courseCode", "courseCode is required: it names the achievement."
                )
            )
        courses[r["sourcedId"]] = (r["courseCode"], line)
    classes = {}
    for line, r in tables["classes.csv"].rows:
        if r["courseSourcedId"] not in courses:
            problems.append(
                Problem(
                    "classes.csv",
                    line,
                    "courseSourcedId",
                    f"No course {r['courseSourcedId']!r} in courses.csv.",
                )
            )
        term_ids = [t.strip() for t in r.get("termSourcedIds", "").split(",") if t.strip()]
        classes[r["sourcedId"]] = (r["courseSourcedId"], term_ids[0] if term_ids else "", line)
    users = {}
    for line, r in tables["users.csv"].rows:
        users[r["sourcedId"]] = (line, r)
    enrolled = {
        (r["classSourcedId"], r["userSourcedId"])
        for _line, r in tables["enrollments.csv"].rows
        if r["role"].lower() == "student"
    }
    line_items_by_class: dict[str, list] = {}
    line_items = {}
    for line, r in tables["lineItems.csv"].rows:
        line_items[r["sourcedId"]] = (r, line)
        line_items_by_class.setdefault(r["classSourcedId"], []).append(r)
    final_items = set()
    for items in line_items_by_class.values():
        finals = [r for r in items if "final" in r.get("title", "").lower()]
        chosen = finals or (items if len(items) == 1 else [])
        final_items.update(r["sourcedId"] for r in chosen[:1])

    rows: list[AwardRow] = []
    count = 0
    for line, r in tables["results.csv"].rows:
        item_id = r["lineItemSourcedId"]
        if item_id in line_items and item_id not in final_items:
            continue  # an assignment's score, not the final grade of the class
        if r.get("scoreStatus", "").lower() not in GRADED:
            continue
        count += 1
        row_problems = []
        item = line_items.get(item_id)
        code = term = ""
        start = end = None
        if item is None:
            row_problems.append(
                Problem(
                    "results.csv", line, "lineItemSourcedId", f"No line item {item_id!r} in lineItems.csv."
                )
            )
        else:
            class_id = item[0]["classSourcedId"]
            klass = classes.get(class_id)
            if klass is None:
                row_problems.append(
                    Problem(
                        "results.csv",
                        line,
                        "lineItemSourcedId",
                        f"Line item {item_id!r} names no class in classes.csv.",
                    )
                )
            else:
                course = courses.get(klass[0])
                code = course[0] if course else ""
                session_id = (
                    item[0].get("academicSessionSourcedId")
                    or item[0].get("gradingPeriodSourcedId")
                    or klass[1]
                )
                session = sessions.get(session_id)
                if session is None:
                    row_problems.append(
                        Problem(
                            "results.csv",
                            line,
                            "lineItemSourcedId",
                            f"Class {class_id!r} has no academic session in academicSessions.csv.",
                        )
                    )
                else:
                    term, start, end = session
                if (class_id, r["studentSourcedId"]) not in enrolled:
                    row_problems.append(
                        Problem(
                            "results.csv",
                            line,
                            "studentSourcedId",
                            f"{r['studentSourcedId']!r} is not enrolled as a student in class {class_id!r}.",
                        )
                    )
        user = users.get(r["studentSourcedId"])
        given = family = email = student_id = ""
        if user is None:
            row_problems.append(
                Problem(
                    "results.csv",
                    line,
                    "studentSourcedId",
                    f"No user {r['studentSourcedId']!r} in users.csv.",
                )
            )
        else:
            user_line, u = user
            given, family = u["givenName"], u["familyName"]
            email = u.get("email", "").lower()
            student_id = u.get("identifier") or u["sourcedId"]
            if email and not is_email(email):
                row_problems.append(
                    Problem("users.csv", user_line, "email", f"{email!r} is not an email address.")
                )
                email = ""
        value = r.get("textScore") or r.get("score", "")
        awarded = _date_or_problem(r.get("scoreDate", ""), row_problems, "results.csv", line, "scoreDate")
        problems.extend(row_problems)
        rows.append(
            AwardRow(
                file="results.csv",
                line=line,
                student_id=student_id,
                sourced_id=r["studentSourcedId"],
                given_name=given,
                family_name=family,
                email=email,
                achievement_code=code,
                term=term,
                result=value,
                activity_start_date=start,
                activity_end_date=end,
                awarded_date=awarded,
                bad=bool(row_problems),
                columns={**RESULT_COLUMNS, "result": "textScore" if r.get("textScore") else "score"},
            )
        )
    return rows, problems, count
