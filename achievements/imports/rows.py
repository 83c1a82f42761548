"""What every import format is read into: award rows and problems found at a line and column."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation


@dataclass(slots=True, frozen=True)
class Problem:
    """Something wrong in the file, pinned to where a person can find it."""

    file: str
    line: int
    column: str
    message: str
    # A problem with the file itself (a missing file or column): every row depends on it, so no row can
    # be imported, not even with valid_only.
    blocking: bool = False

    def as_dict(self) -> dict:
        found = {"file": self.file, "line": self.line, "column": self.column, "message": self.message}
        return {**found, "blocking": True} if self.blocking else found

    def __str__(self) -> str:
        where = self.file + (f" line {self.line}" if self.line else "")
        where += f", column {self.column}" if self.column else ""
        return f"{where}: {self.message}"


@dataclass(slots=True)
class AwardRow:
    """One award as an SIS states it: parsed (dates, numbers), not yet checked against the catalog."""

    file: str
    line: int
    student_id: str
    given_name: str
    family_name: str
    achievement_code: str
    term: str = ""
    email: str = ""
    sourced_id: str = ""
    result: str = ""
    result_status: str = ""
    credits_earned: Decimal | None = None
    activity_start_date: date | None = None
    activity_end_date: date | None = None
    awarded_date: date | None = None
    # True when reading the row already found a problem: it is checked further but never written.
    bad: bool = False
    # Which column of the source each value came from, for problems found later (OneRoster differs).
    columns: dict = field(default_factory=dict)

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


@dataclass(slots=True)
class CourseRow:
    """A course the file brings that the catalog lacks: it becomes a Course achievement when imported."""

    sourced_id: str
    code: str
    title: str
    line: int
    credits: Decimal | None = None
    # The result description its grades need: LetterGrade for text grades, RawScore for numbers only.
    result_type: str = "LetterGrade"

    def as_dict(self) -> dict:
        credits = None if self.credits is None else str(self.credits)
        return {"code": self.code, "title": self.title, "credits": credits, "line": self.line}

    def __str__(self) -> str:
        credits = "" if self.credits is None else f" ({self.credits} credits)"
        return f"{self.code} {self.title}{credits}"


@dataclass(slots=True, frozen=True)
class TermRow:
    """An academic term as the SIS states it; `end_date` is its last day."""

    name: str
    start_date: date | None
    end_date: date | None
    sourced_id: str = ""


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_date(value: str) -> date:
    """An ISO 8601 date (YYYY-MM-DD; a trailing time part, as OneRoster writes, is ignored)."""
    text = value.strip()
    if len(text) > 10 and text[10] in "T ":
        text = text[:10]
    return date.fromisoformat(text)


def parse_decimal(value: str) -> Decimal:
    number = Decimal(value.strip())
    if not number.is_finite():
        raise InvalidOperation(value)
    return number


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))
