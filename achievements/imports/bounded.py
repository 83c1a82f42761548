"""What an import keeps while it runs, in memory that does not grow with the file.

A file may hold a million rows; what the import must remember of them lives on disk instead:

- `ProblemLog`: every problem counted, the first ones (by file and line) kept to report;
- `SeenSoFar`: the awards and learners earlier rows named, for the duplicate checks (a temporary SQLite
  database: its page cache is bounded, the rest spills to a file);
- `CheckedRows`: the rows fit to write, pickled to a temporary file batch by batch between the check
  and the write;
- `ChangeLog`: what each row creates or changes: the first rows kept, all of them in a CSV file.
"""

import csv
import dataclasses
import io
import itertools
import operator
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from .rows import AwardRow, Problem

# Problems kept to report (the run stores fewer); the rest are counted.
KEPT_PROBLEMS = 10_000
PREVIEW_ROWS = 50
CHANGE_COLUMNS = ["line", "change", "student_id", "learner", "achievement", "term", "result", "credits"]
SEEN_CACHE_KIB = 8192


def chunks(items: Iterable, size: int) -> Iterator[list]:
    """Lists of `size` items (the last one shorter), read from `items` as they come."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _LineSet:
    """Line numbers as bits: a million lines take 125 KB."""

    def __init__(self):
        self.bits = bytearray()
        self.count = 0

    def add(self, line: int) -> None:
        byte, bit = divmod(line, 8)
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte + 1 - len(self.bits) + len(self.bits) // 2))
        if not self.bits[byte] & (1 << bit):
            self.bits[byte] |= 1 << bit
            self.count += 1


class ProblemLog:
    """Every problem counted (and the lines they are on); the first `keep` by file and line kept.

    Problems may arrive out of line order (a batch's read problems before its check problems): they are
    sorted when read, stably, so problems of one line keep the order they were found in. Problems with
    the file itself (blocking) are always kept.
    """

    def __init__(self, file_name: str, keep: int | None = None):
        self.file_name = file_name
        self.keep = KEPT_PROBLEMS if keep is None else keep
        self.count = 0
        self._kept: list[Problem] = []
        self._lines: dict[str, _LineSet] = {}

    def _order(self, problem: Problem) -> tuple:
        return (problem.file != self.file_name, problem.file, problem.line)

    def append(self, problem: Problem) -> None:
        self.count += 1
        if problem.line:
            self._lines.setdefault(problem.file, _LineSet()).add(problem.line)
        self._kept.append(problem)
        if len(self._kept) > 2 * self.keep:
            self._kept = self._first()

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def _first(self) -> list[Problem]:
        ordered = sorted(self._kept, key=self._order)
        return ordered[: self.keep] + [p for p in ordered[self.keep :] if p.blocking]

    @property
    def kept(self) -> list[Problem]:
        self._kept = self._first()
        return list(self._kept)

    @property
    def bad_lines(self) -> int:
        return sum(lines.count for lines in self._lines.values())

    @property
    def blocking(self) -> bool:
        return any(problem.blocking for problem in self._kept)

    def __bool__(self) -> bool:
        return self.count > 0


class SeenSoFar:
    """What earlier rows of the file said, for the checks that compare a row with them.

    Each first(...) call records its rows, in order, where nothing was recorded for their key yet, and
    gives what is recorded for each key (a row's own values when it is the first to name it).
    """

    def __init__(self):
        self.db = sqlite3.connect("")  # a private temporary database, deleted when closed
        self.db.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -{SEEN_CACHE_KIB};
            CREATE TABLE award (student_id TEXT, achievement INTEGER, term TEXT, line INTEGER,
                                PRIMARY KEY (student_id, achievement, term)) WITHOUT ROWID;
            CREATE TABLE person (student_id TEXT PRIMARY KEY, given_name TEXT, family_name TEXT,
                                 email TEXT, line INTEGER) WITHOUT ROWID;
            """
        )
        self.max_params = self.db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SeenSoFar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def first_award_lines(self, keys: list[tuple[str, int, str, int]]) -> dict[tuple, int]:
        """(student id, achievement id, term) -> the line that named it first, for `keys` with lines."""
        before = self.db.total_changes
        self.db.executemany("INSERT OR IGNORE INTO award VALUES (?, ?, ?, ?)", keys)
        if self.db.total_changes - before == len(keys):  # no key was named before: the usual case
            return {key[:3]: key[3] for key in keys}
        found = {}
        for part in chunks(dict.fromkeys(key[:3] for key in keys), self.max_params // 3):
            tuples = ", ".join(["(?, ?, ?)"] * len(part))
            query = (
                "SELECT student_id, achievement, term, line FROM award "  # noqa: S608 (placeholders)
                f"WHERE (student_id, achievement, term) IN (VALUES {tuples})"
            )
            for student_id, achievement, term, line in self.db.execute(query, list(itertools.chain(*part))):
                found[(student_id, achievement, term)] = line
        return found

    def first_people(self, people: list[tuple[str, str, str, str, int]]) -> dict[str, tuple]:
        """student id -> (given name, family name, email, line) as the first row naming it gave them."""
        self.db.executemany("INSERT OR IGNORE INTO person VALUES (?, ?, ?, ?, ?)", people)
        found = {}
        for part in chunks(dict.fromkeys(person[0] for person in people), self.max_params):
            marks = ", ".join(["?"] * len(part))
            query = f"SELECT * FROM person WHERE student_id IN ({marks})"  # noqa: S608 (placeholders)
            for student_id, *person in self.db.execute(query, part):
                found[student_id] = tuple(person)
        return found


_ROW_FIELDS = tuple(field.name for field in dataclasses.fields(AwardRow))
_DATES_AT = tuple(
    _ROW_FIELDS.index(name) for name in ("activity_start_date", "activity_end_date", "awarded_date")
)
_CREDITS_AT = _ROW_FIELDS.index("credits_earned")
_row_values = operator.attrgetter(*_ROW_FIELDS)


def _packed(row: AwardRow) -> list:
    """A row's values, its dates as ordinals and its credits as text: dates and Decimals pickle through
    their reduce methods, several times slower than ints and strs."""
    values = list(_row_values(row))
    for index in _DATES_AT:
        if values[index] is not None:
            values[index] = values[index].toordinal()
    if values[_CREDITS_AT] is not None:
        values[_CREDITS_AT] = str(values[_CREDITS_AT])
    return values


def _unpacked(values: list) -> AwardRow:
    for index in _DATES_AT:
        if values[index] is not None:
            values[index] = date.fromordinal(values[index])
    if values[_CREDITS_AT] is not None:
        values[_CREDITS_AT] = Decimal(values[_CREDITS_AT])
    return AwardRow(*values)


class CheckedRows:
    """The rows fit to write, in file order, kept in a temporary file between the check and the write."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.count = 0

    def add(self, rows: list[AwardRow]) -> None:
        if rows:
            pickle.dump([_packed(row) for row in rows], self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.count += len(rows)

    def clear(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.count = 0

    def __iter__(self) -> Iterator[AwardRow]:
        self.file.seek(0)
        while True:
            try:
                rows = pickle.load(self.file)  # noqa: S301 (the file is the import's own, just written)
            except EOFError:
                return
            yield from map(_unpacked, rows)

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> "CheckedRows":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def change_record(action: str, row: AwardRow) -> dict:
    return {
        "line": row.line, "change": action, "student_id": row.student_id,
        "learner": f"{row.given_name} {row.family_name}".strip(), "achievement": row.achievement_code,
        "term": row.term, "result": row.result,
        "credits": "" if row.credits_earned is None else str(row.credits_earned),
    }  # fmt: skip


class ChangeLog:
    """Each row that creates or changes an award ("create" or "update"): counted, the first
    `PREVIEW_ROWS` kept, and, when `to_file`, every one written to a CSV file (in memory while small)."""

    def __init__(self, *, to_file: bool = False):
        self.count = 0
        self.preview: list[dict] = []
        spooled = tempfile.SpooledTemporaryFile if to_file else None
        self.file = spooled(max_size=1 << 20, mode="w+b") if spooled else None  # closed by close()
        self._text = None
        if self.file is not None:
            self._text = io.TextIOWrapper(self.file, encoding="utf-8", newline="")
            self._csv = csv.writer(self._text)
            self._csv.writerow(CHANGE_COLUMNS)

    def add(self, action: str, row: AwardRow) -> None:
        self.count += 1
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append(change_record(action, row))
        if self._text is not None:
            self._csv.writerow(change_record(action, row).values())

    def __len__(self) -> int:
        return self.count

    def csv_file(self):
        """The CSV file of every change, from its start; None when not kept or empty."""
        if self._text is None or not self.count:
            return None
        self._text.flush()
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        if self._text is not None:
            self._text.detach()
            self._text = None
        if self.file is not None:
            self.file.close()

    def __enter__(self) -> "ChangeLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
