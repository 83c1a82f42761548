"""clrportal.links and `{% load portal_links %}`: only http(s) addresses become links (issue 11, finding 5)."""

import pytest
from django.template import Context, Template

from clrportal.links import image_url, link_url

LINKS = [
    "https://badges.example.org/criteria/first-aid",
    "http://example.edu/",
    "HTTPS://Example.ORG/Path?q=1#part",
    "https://example.org:8443/x",
]
NOT_LINKS = [
    "", None, 42, {"id": "https://example.org"}, ["https://example.org"],
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "\tjava\nscript:alert(1)", "java\x00script:alert(1)",
    "&#106;avascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
    "data:image/png;base64,iVBORw0KGgo=", "//evil.example/x", "/relative", "https:evil.example",
    "http:/evil.example", "https:\\\\evil.example", "https://", "https:///path", "https://exa mple.org",
    " https://example.org", "https://example.org\n", "https://example.org:port/", "ftp://example.org/",
    "mailto:someone@example.org", "https://" + "a" * 3000 + ".example",
]  # fmt: skip
DATA_IMAGES = [
    "data:image/png;base64,iVBORw0KGgo=",
    "DATA:IMAGE/JPEG;BASE64,/9j/4AAQ",
    "data:image/webp;base64,UklGRg==",
]
NOT_IMAGES = [
    "data:image/svg+xml,<svg onload=alert(1)>", "data:image/svg+xml;base64,PHN2Zz4=", "data:text/html;base64,PHA+",
    "data:image/png,raw", "data:image/png;base64,iVBOR w0KGgo=", "data:image/png;base64,AAAA\"onerror=alert(1)",
]  # fmt: skip


@pytest.mark.parametrize("value", LINKS)
def test_an_absolute_http_or_https_address_with_a_host_is_a_link(value):
    assert link_url(value) == value
    assert image_url(value) == value


@pytest.mark.parametrize("value", NOT_LINKS)
def test_anything_else_is_no_link_at_all(value):
    assert link_url(value) == ""


@pytest.mark.parametrize("value", DATA_IMAGES)
def test_an_inline_raster_image_may_be_an_image_but_never_a_link(value):
    assert image_url(value) == value
    assert link_url(value) == ""


@pytest.mark.parametrize(
    "value", NOT_IMAGES + [v for v in NOT_LINKS if not str(v).startswith("data:image/png")]
)
def test_svg_html_and_malformed_data_uris_are_no_image(value):
    assert image_url(value) == ""


def test_the_template_filters_give_the_address_or_nothing():
    template = Template(
        "{% load portal_links %}[{{ good|safe_url }}][{{ bad|safe_url }}][{{ png|safe_image_url }}][{{ bad|safe_image_url }}]"
    )
    rendered = template.render(
        Context(
            {"good": "https://example.org/a?b=1&c=2", "bad": "javascript:alert(1)", "png": DATA_IMAGES[0]}
        )
    )

    assert rendered == f"[https://example.org/a?b=1&amp;c=2][][{DATA_IMAGES[0]}][]"
