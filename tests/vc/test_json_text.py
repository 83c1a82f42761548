"""vc.json_text.loads: untrusted JSON is refused, with a reason, when no store or canonicalizer could hold it."""

import pytest

from vc import json_text
from vc.errors import DocumentError


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"name": "a\\u0000b"}', "NUL character"),
        ('{"a\\u0000": 1}', "NUL character"),
        ('{"a": ' + "[" * 10_000 + "]" * 10_000 + "}", "nested more than 64 levels deep"),
        ('{"a": 1e999999}', "is not a finite number"),
        ('{"a": NaN}', "is not a finite number"),
        ('{"a": -Infinity}', "is not a finite number"),
        ('{"a": ' + "9" * 10**6 + "}", "not valid JSON"),
        (b'{"a": "\xff"}', "not UTF-8"),
    ],
)
def test_it_refuses_json_no_store_can_hold_and_says_why(text, reason):
    with pytest.raises(DocumentError) as raised:
        json_text.loads(text)
    assert reason in raised.value.reason


def test_brackets_inside_strings_do_not_count_as_nesting():
    value = json_text.loads('{"a": "' + "[{" * 100 + '\\"", "b": [[1.5]]}')
    assert value["b"] == [[1.5]]


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul():
    assert json_text.loads('{"path": "C:\\\\u0000"}') == {"path": "C:\\u0000"}
