"""Which addresses written by someone else may become a link or an image on a page.

A credential's `url`, `id` or `targetUrl` is text its issuer chose (an imported badge's, a pasted one's,
or a catalog value): put into an `href` it may be `javascript:…`, `data:text/html,…` or `vbscript:…`
and run in the portal's origin. So every page and the display of credentials ask these two functions:

- `link_url`: the value itself when it is an absolute http(s) URL with a host, else "";
- `image_url`: the same, or an inline raster image (`data:image/png;base64,…`, JPEG, GIF, WebP).

Whatever is refused is shown as plain text, or not at all; never as a link.
"""

import re
from urllib.parse import urlsplit

MAX_LINK_LENGTH = 2048
# Browsers drop ASCII whitespace and control characters before reading a scheme, and read "\" as "/".
_REFUSED_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}", re.IGNORECASE)


def link_url(value) -> str:
    """`value` when it is an absolute http or https URL with a host name, else ""."""
    if not isinstance(value, str) or len(value) > MAX_LINK_LENGTH or _REFUSED_CHARACTERS.search(value):
        return ""
    if not value.lower().startswith(("https://", "http://")):
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return ""
    return value if parts.hostname else ""


def image_url(value) -> str:
    """`value` when it may be an image's `src`: an http(s) URL as `link_url`, or a raster data: URI."""
    if isinstance(value, str) and _DATA_IMAGE.fullmatch(value):
        return value
    return link_url(value)
