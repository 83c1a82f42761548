"""The portal's documented CSV format: one row per award (see docs/sis-import.md)."""

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import InvalidOperation

from .limits import DEFAULT_LIMITS, ImportLimits, text_stream, too_many_rows
from .rows import AwardRow, Problem, is_email, parse_date, parse_decimal

COLUMNS = (
    "student_id", "sourced_id", "given_name", "family_name", "email", "achievement_code", "term",
    "result", "result_status", "credits_earned", "activity_start_date", "activity_end_date", "awarded_date",
)  # fmt: skip
REQUIRED_COLUMNS = ("student_id", "given_name", "family_name", "achievement_code")
MAX_LENGTHS = {"student_id": 64, "sourced_id": 128, "given_name": 100, "family_name": 100, "email": 254,
               "achievement_code": 60, "term": 60, "result": 60}  # fmt: skip
DATE_COLUMNS = ("activity_start_date", "activity_end_date", "awarded_date")


def text_lines(data: bytes) -> io.TextIOWrapper:
    """An uploaded file as text, decoded as it is read: UTF-8 (with or without a byte-order mark), bytes
    that are not UTF-8 as Windows-1252."""
    return text_stream(io.BytesIO(data))


def _nul_column(row) -> str | None:
    """The column (name, or number for a plain row) of the first value holding a NUL byte, else None."""
    items = row.items() if isinstance(row, dict) else enumerate(row, start=1)
    for column, value in items:
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            return str(column)
    return None


def safe_rows(reader, file_name: str, problems: list[Problem]):
    """The reader's rows; a malformed line (e.g. an unclosed quote) ends the file with a problem.

    A row holding a NUL byte is a problem of its line and is left out: no database can store one.
    """
    try:
        for row in reader:
            column = _nul_column(row)
            if column is None:
                yield row
                continue
            problems.append(
                Problem(file_name, reader.line_num, column, "The value contains a NUL character (\\0).")
            )
    except csv.Error as error:
        problems.append(
            Problem(file_name, reader.line_num, "", f"The CSV cannot be read from here on: {error}.")
        )


def read_award_csv(
    lines: Iterable[str], *, file_name: str, limits: ImportLimits = DEFAULT_LIMITS
) -> tuple[list[AwardRow], list[Problem], int]:
    """Parse the CSV into award rows; returns (rows, problems, number of data rows).

    Raises limits.ImportRefused at the first row over `limits.max_rows`.
    """
    problems: list[Problem] = []
    rows = list(award_csv_rows(lines, file_name=file_name, limits=limits, problems=problems))
    return rows, problems, len(rows)


def award_csv_rows(
    lines: Iterable[str], *, file_name: str, problems, limits: ImportLimits = DEFAULT_LIMITS
) -> Iterator[AwardRow]:
    """The CSV's award rows, parsed as they are read (one per data row); what is wrong with the file or
    a row goes to `problems` (a list, or anything with append and extend), a row's own marking it bad.

    Raises limits.ImportRefused at the first row over `limits.max_rows`.
    """
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except csv.Error as error:
        problems.append(Problem(file_name, 1, "", f"The header cannot be read: {error}.", blocking=True))
        return
    except StopIteration:
        message = "The file is empty: it needs a header row and award rows."
        problems.append(Problem(file_name, 1, "", message, blocking=True))
        return
    names = [name.strip().lower().replace(" ", "_") for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        problems.append(
            Problem(
                file_name,
                1,
                ", ".join(missing),
                "The header lacks required column(s): " + ", ".join(missing) + ".",
                blocking=True,
            )
        )
        return
    index = {name: names.index(name) for name in COLUMNS if name in names}
    width = len(names)
    count = 0
    for values in safe_rows(reader, file_name, problems):
        line = reader.line_num
        if not values or not any(v.strip() for v in values):
            continue
        count += 1
        if count > limits.max_rows:
            raise too_many_rows(file_name, limits, line)
        if len(values) < width:
            values = values + [""] * (width - len(values))
        record = {name: values[i].strip() for name, i in index.items()}
        yield _award_row(record, file_name, line, problems)


def _award_row(record: dict, file_name: str, line: int, problems) -> AwardRow:
    """One data row parsed; its problems go to `problems`, and mark it bad."""
    row_problems = []
    for name in REQUIRED_COLUMNS:
        if not record[name]:
            row_problems.append(Problem(file_name, line, name, f"{name} is required."))
    for name, limit in MAX_LENGTHS.items():
        value = record.get(name, "")
        if len(value) > limit:
            row_problems.append(Problem(file_name, line, name, f"{name} is longer than {limit} characters."))
    email = record.get("email", "")
    if email and not is_email(email):
        row_problems.append(Problem(file_name, line, "email", f"{email!r} is not an email address."))
    dates = {}
    for name in DATE_COLUMNS:
        value = record.get(name, "")
        if value:
            try:
                dates[name] = parse_date(value)
            except ValueError:
                row_problems.append(
                    Problem(file_name, line, name, f"{value!r} is not a date; write it as YYYY-MM-DD.")
                )
    credits = None
    value = record.get("credits_earned", "")
    if value:
        try:
            credits = parse_decimal(value)
            if credits < 0 or credits >= 10000:
                raise InvalidOperation(value)
        except InvalidOperation:
            row_problems.append(
                Problem(
                    file_name,
                    line,
                    "credits_earned",
                    f"{value!r} is not a number of credits (e.g. 3 or 1.5).",
                )
            )
            credits = None
    problems.extend(row_problems)
    return AwardRow(
        file=file_name,
        line=line,
        student_id=record["student_id"],
        given_name=record["given_name"],
        family_name=record["family_name"],
        achievement_code=record["achievement_code"],
        term=record.get("term", ""),
        email=email.lower(),
        sourced_id=record.get("sourced_id", ""),
        result=record.get("result", ""),
        result_status=record.get("result_status", ""),
        credits_earned=credits,
        activity_start_date=dates.get("activity_start_date"),
        activity_end_date=dates.get("activity_end_date"),
        awarded_date=dates.get("awarded_date"),
        bad=bool(row_problems),
    )
