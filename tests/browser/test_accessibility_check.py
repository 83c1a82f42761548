"""assert_accessible can fail: axe-core really runs in the page and its serious findings are reported."""

import pytest

from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser

INACCESSIBLE = """<!doctype html><html><head><title>Bad form</title></head><body><main>
<h1>Sign up</h1>
<form><input type="text" name="email"><button type="submit"></button></form>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main></body></html>"""


def test_assert_accessible_fails_on_a_page_with_an_unlabelled_field_and_an_empty_button(page):
    page.set_content(INACCESSIBLE)

    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "known-bad-page")

    message = str(failure.value)
    assert "button-name" in message
    assert "label" in message
    assert "image-alt" in message
