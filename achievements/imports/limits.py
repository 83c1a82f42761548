"""Bounds on what an SIS file may make the portal do, checked before the work is spent.

- a zip is judged by its central directory first: how many files, their names (none leaving the
  bundle, absolute or holding NUL), no zip inside it, the total unpacked size and each file's
  compression ratio;
- the directory may lie, so members are read as a stream that counts what it really unpacks;
- a file stops being read at its first row over the limit.

A file over a bound is refused (`ImportRefused`): a blocking problem; nothing is written.
"""

import codecs
import io
import zipfile
import zlib
from dataclasses import dataclass

from .rows import Problem

ZIP_MAGIC = b"PK\x03\x04"
# A small file may compress well; the ratio counts only for files unpacking to more than this.
RATIO_FLOOR = 2**20


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """The bounds (see the PORTAL_IMPORT_* settings)."""

    max_rows: int = 200_000
    max_unpacked_bytes: int = 100 * 2**20
    max_members: int = 100
    max_ratio: int = 100

    @classmethod
    def from_settings(cls) -> "ImportLimits":
        from django.conf import settings

        return cls(
            max_rows=settings.PORTAL_IMPORT_MAX_ROWS,
            max_unpacked_bytes=settings.PORTAL_IMPORT_MAX_UNCOMPRESSED_BYTES,
            max_members=settings.PORTAL_IMPORT_MAX_MEMBERS,
            max_ratio=settings.PORTAL_IMPORT_MAX_COMPRESSION_RATIO,
        )


DEFAULT_LIMITS = ImportLimits()


class ImportRefused(Exception):
    """The file is beyond a bound: its problems say which; no row of it is read further."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def refuse(file: str, message: str, line: int = 0) -> ImportRefused:
    return ImportRefused([Problem(file, line, "", message, blocking=True)])


def megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size / 2**20:.1f} MB"


def check_archive(archive: zipfile.ZipFile, file_name: str, limits: ImportLimits) -> None:
    """Judge a zip by its central directory; raises ImportRefused naming every bound it passes."""
    problems: list[Problem] = []

    def problem(where: str, message: str) -> None:
        problems.append(Problem(where, 0, "", message, blocking=True))

    infos = archive.infolist()
    if len(infos) > limits.max_members:
        problem(file_name, f"The bundle holds {len(infos)} files; at most {limits.max_members} are read.")
    total = 0
    for info in infos:
        name = info.orig_filename  # zipfile cuts `filename` at a NUL; the original keeps it
        parts = name.replace("\\", "/").split("/")
        if (
            "\x00" in name
            or name.startswith(("/", "\\"))
            or ".." in parts
            or (len(name) > 1 and name[1] == ":")
        ):
            problem(file_name, f"{name!r}: a bundle's file names stay inside it (no '..', / or NUL).")
            continue
        if info.is_dir():
            continue
        total += info.file_size
        if name.lower().endswith(".zip"):
            problem(name, f"{name} is a zip inside the zip: put its CSV files in the bundle itself.")
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            problem(
                name,
                f"{name} unpacks to {megabytes(info.file_size)} from {megabytes(info.compress_size)}, more "
                f"than {limits.max_ratio} times its compressed size: no SIS export compresses so well.",
            )
    if total > limits.max_unpacked_bytes:
        problem(
            file_name,
            f"The bundle's files come to {megabytes(total)} unpacked, more than the "
            f"{file_size(limits.max_unpacked_bytes)} read: split it into several bundles.",
        )
    if problems:
        raise ImportRefused(problems)


class _Budget:
    """What is left of the unpacked bytes a zip may give, shared by its members."""

    def __init__(self, limit: int):
        self.limit = limit
        self.left = limit


class _CountedMember(io.RawIOBase):
    """A zip member as a byte stream that stops when it unpacks more than the budget allows."""

    def __init__(self, member, name: str, budget: _Budget):
        self.member, self.name, self.budget = member, name, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.member.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise refuse(
                self.name, f"{self.name} cannot be unpacked: the zip is damaged ({error})."
            ) from None
        self.budget.left -= len(data)
        if self.budget.left < 0:
            raise refuse(
                self.name,
                f"The bundle unpacks to more than {file_size(self.budget.limit)}, although its directory "
                "says less: it is refused.",
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.member.close()
        super().close()


def _cp1252_fallback(error: UnicodeDecodeError):
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("clrportal-cp1252", _cp1252_fallback)


def text_stream(raw) -> io.TextIOWrapper:
    """A byte stream read as text, line by line: UTF-8 (a BOM is fine), bytes that are not UTF-8 as cp1252."""
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="clrportal-cp1252", newline="")


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> io.TextIOWrapper:
    """A member as text read as it is unpacked; a member that is itself a zip is refused."""
    name = info.filename.rsplit("/", 1)[-1]
    try:
        member = archive.open(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, OSError) as error:
        raise refuse(name, f"{name} cannot be unpacked ({error}).") from None
    raw = io.BufferedReader(_CountedMember(member, name, budget), buffer_size=64 * 1024)
    if raw.peek(4)[:4] == ZIP_MAGIC:
        raw.close()
        raise refuse(name, f"{name} is a zip inside the zip: a OneRoster file is a CSV.")
    return text_stream(raw)


def budget(limits: ImportLimits) -> _Budget:
    return _Budget(limits.max_unpacked_bytes)


def file_size(size: int) -> str:
    """A size as a person reads it: 50 MB, 1 KB, 100 bytes."""
    if size >= 2**20:
        return f"{size / 2**20:.0f} MB"
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


def too_many_rows(file: str, limits: ImportLimits, line: int) -> ImportRefused:
    return refuse(
        file,
        f"{file} has more than {limits.max_rows:,} rows, the most one file may hold: split it into several "
        "files.",
        line,
    )
