"""`{% load portal_markdown %}`: `{{ text|markdown }}` renders Markdown written by someone else, safely.

Criteria narratives and descriptions are Markdown (OB 3.0 B.1.3: `Markdown` fields), written by an
issuer we may not know. They are rendered as CommonMark with:

- no raw HTML: `<script>` or `<img onerror=…>` in the text is shown as text;
- links only to absolute http(s) addresses (clrportal.links): any other link (`javascript:`, a
  relative path, `mailto:`) keeps its words and loses the link;
- no images: an image becomes its description, so a credential cannot make a page load an address;
- headings demoted below the page's own (by 3 by default: `# Degree Requirements` is an h4), so a
  credential never supplies a page's h1; `{{ text|markdown:1 }}` demotes by 1.
"""

from django import template
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from clrportal.links import link_url

register = template.Library()

DEFAULT_DEMOTION = 3


def _safe_inline(children: list[Token]) -> list[Token]:
    kept: list[Token] = []
    refused: list[bool] = []  # per open link: whether it lost its link
    for child in children:
        if child.type == "link_open":
            href = link_url(child.attrGet("href"))
            refused.append(not href)
            if href:
                child.attrSet("href", href)
                child.attrSet("rel", "nofollow noopener")
                kept.append(child)
        elif child.type == "link_close":
            if refused and not refused.pop():
                kept.append(child)
        elif child.type == "image":
            kept.append(Token("text", "", 0, content=child.content))
        else:
            kept.append(child)
    return kept


def _portal_rules(state: StateCore) -> None:
    demotion = state.env.get("demotion", DEFAULT_DEMOTION)
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1:]) + demotion, 6)}"
        elif token.type == "inline" and token.children:
            token.children = _safe_inline(token.children)


_renderer = MarkdownIt("commonmark", {"html": False, "breaks": True})
# Every link and image is judged by _safe_inline (clrportal.links): markdown-it's own check would leave a
# refused link as its raw source, "[words](javascript:…)", where the words alone read better.
_renderer.validateLink = lambda url: True
_renderer.core.ruler.push("portal_rules", _portal_rules)


def render_markdown(text, *, demotion: int = DEFAULT_DEMOTION) -> SafeString:
    """HTML of the Markdown `text` under the rules above ("" for anything but text)."""
    if not isinstance(text, str) or not text.strip():
        return SafeString("")
    demotion = max(0, min(int(demotion), 5))
    # markdown-it escapes every text and attribute it writes, and "html": False escapes raw HTML.
    return mark_safe(_renderer.render(text, {"demotion": demotion}))  # noqa: S308


@register.filter
def markdown(value, demotion=DEFAULT_DEMOTION) -> SafeString:
    try:
        demotion = int(demotion)
    except (TypeError, ValueError):
        demotion = DEFAULT_DEMOTION
    return render_markdown(value, demotion=demotion)
