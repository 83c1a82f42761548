"""`{{ text|markdown }}`: Markdown written by an issuer is rendered with no HTML, scripts, images or
links other than http(s), and with its headings below the page's own."""

import pytest
from django.template import Context, Template


def render(text, arguments="") -> str:
    template = Template("{% load portal_markdown %}{{ text|markdown" + arguments + " }}")
    return template.render(Context({"text": text}))


def test_it_renders_commonmark_lists_emphasis_and_line_breaks():
    html = render("Complete **all** of:\n\n- 120 credits\n- a thesis\n\nline one\nline two")
    assert "<strong>all</strong>" in html
    assert "<ul>\n<li>120 credits</li>\n<li>a thesis</li>\n</ul>" in html
    assert "line one<br />\nline two" in html


def test_it_demotes_headings_so_a_credential_never_supplies_the_page_h1():
    html = render("# Degree Requirements\n\n## Core courses\n\n###### Notes")
    assert "<h1" not in html and "<h2" not in html and "<h3" not in html
    assert "<h4>Degree Requirements</h4>" in html
    assert "<h5>Core courses</h5>" in html
    assert "<h6>Notes</h6>" in html
    assert "<h2>Degree Requirements</h2>" in render("# Degree Requirements", ":1")
    assert "# Degree" not in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        "<svg onload=alert(1)>",
    ],
)
def test_raw_html_is_shown_as_text(source):
    html = render(source)
    assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<svg" not in html
    assert "<a " not in html
    assert "&lt;" in html


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "/accounts/logout/",
        "//evil.example/path",
        "mailto:someone@example.org",
        "java&#x09;script:alert(1)",
        "&#106;avascript:alert(1)",
    ],
)
def test_links_other_than_http_or_https_keep_their_words_and_lose_the_link(href):
    html = render(f"See [the rules]({href}) and <{href}>.")
    assert "<a " not in html, html
    assert "href" not in html
    assert "See the rules and" in html  # the words, not the Markdown source of the link


def test_http_and_https_links_are_links_that_pass_no_referrer_rank():
    html = render("See [the rules](https://college.example.edu/rules?year=2025) or <http://example.org/a>.")
    assert (
        '<a href="https://college.example.edu/rules?year=2025" rel="nofollow noopener">the rules</a>' in html
    )
    assert '<a href="http://example.org/a" rel="nofollow noopener">http://example.org/a</a>' in html


@pytest.mark.parametrize(
    "image",
    [
        "![a tracking pixel](https://evil.example/pixel.png)",
        "![x](javascript:alert(1))",
        "![inline](data:image/png;base64,iVBORw0KGgo=)",
        "[![linked](https://evil.example/p.png)](https://example.org)",
    ],
)
def test_images_are_not_loaded_from_a_credential(image):
    html = render(image)
    assert "<img" not in html and "src=" not in html


def test_the_description_of_an_image_is_kept_as_text():
    assert "a photo of the lab" in render("![a photo of the lab](https://example.org/lab.png)")


@pytest.mark.parametrize("value", [None, "", "   ", 42, {"en": "x"}])
def test_anything_but_text_renders_nothing(value):
    assert render(value) == ""


def test_the_text_is_escaped_once():
    html = render('Grades "A" & <B> & AT&T')
    assert "&quot;A&quot; &amp; &lt;B&gt; &amp; AT&amp;T" in html
