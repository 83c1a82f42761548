"""The one JSON reader for untrusted input: plain JSON data that every store and canonicalizer can hold.

`loads` refuses, with DocumentError and a reason for a person: nesting deeper than `max_depth`
(checked before parsing, so a 10,000-deep file never reaches the recursive parser), numbers that are
not finite (`NaN`, `Infinity`, `1e999999`; RFC 8259 6 has no such numbers), integers over Python's
digit limit, and NUL characters in keys or strings (PostgreSQL cannot store them in text or jsonb).
"""

import itertools
import json
import math
import re

from .errors import DocumentError

MAX_DEPTH = 64
NUL_REASON = "The JSON contains a NUL character (\\u0000), which no credential field can hold."
# The start of the reason for text that is not JSON at all (the parser's own words follow).
NOT_JSON_REASON = "This is not valid JSON"


# A JSON string, escapes included (an unterminated one runs to the end of the text); anything but a bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\(?:.|\Z)[^"\\]*)*(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (no recursion). The strings and everything
    else are cut out by regular expressions first: a Python loop over every character took longer than
    parsing."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(itertools.accumulate(map(_NESTING.__getitem__, brackets)), default=0) > limit


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise DocumentError(f"The JSON number {text[:40]} is not a finite number.")
    return value


def _no_constant(name: str):
    raise DocumentError(f"The JSON value {name} is not a finite number (JSON has no NaN or Infinity).")


def _holds_nul(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH):
    """Parse untrusted JSON text into plain, storable data, or raise DocumentError saying why not."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DocumentError("The JSON is not UTF-8 text.") from exc
    if _depth_exceeds(text, max_depth):
        raise DocumentError(f"The JSON is nested more than {max_depth} levels deep; it was not examined.")
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError as exc:
        raise DocumentError(
            f"The JSON is nested more than {max_depth} levels deep; it was not examined."
        ) from exc
    except ValueError as exc:  # json.JSONDecodeError, and ints over sys.get_int_max_str_digits()
        raise DocumentError(f"{NOT_JSON_REASON} ({exc}).") from exc
    # Strict parsing refuses control characters in strings: a NUL can only come from a \u0000 escape.
    if "\\u0000" in text and _holds_nul(value):
        raise DocumentError(NUL_REASON)
    return value
