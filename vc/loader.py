"""Strict, offline JSON-LD document loader over the contexts bundled in ``vc/contexts/``.

Nothing is ever fetched: a URL outside ``index.json`` is refused with :class:`ContextError`.
Each returned remote document carries ``"tag": "static"`` so pyld keeps the processed context in
its shared resolved-context cache across calls (pyld ``ContextResolver._cache_resolved_context``
only stores a context in the shared cache when the loader tags it).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from vc.errors import ContextError

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

BUNDLED_CONTEXTS: dict[str, str] = json.loads((CONTEXTS_DIR / "index.json").read_text(encoding="utf-8"))

# How many times the loader has handed out each URL; tests use it to prove pyld's cache is hit.
LOAD_COUNTS: dict[str, int] = {}


def _normalize(url: str) -> str:
    """Drop a fragment so ``https://...#foo`` maps to the bundled document."""
    return url.split("#", 1)[0]


@cache
def _parsed(url: str) -> dict:
    """Read and parse one bundled context file, once per process."""
    filename = BUNDLED_CONTEXTS[url]
    path = CONTEXTS_DIR / filename
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # pragma: no cover - bundle damaged
        raise ContextError(
            f"The bundled JSON-LD context for {url} could not be read: {exc}",
            url=url,
        ) from exc


def context_document(url: str) -> dict:
    """Return a fresh copy of the bundled JSON-LD context for ``url`` or raise ContextError naming it."""
    if not isinstance(url, str):
        raise ContextError(f"JSON-LD context reference is not a URL: {url!r}", url=url)
    key = _normalize(url)
    if key not in BUNDLED_CONTEXTS:
        raise ContextError(
            f"The JSON-LD context {url} is not one this portal knows; it is refused and was not fetched.",
            url=url,
        )
    return copy.deepcopy(_parsed(key))


def document_loader(url: str, options: dict | None = None) -> dict:
    """pyld document loader: bundled contexts only, marked static so processed contexts are cached."""
    document = context_document(url)
    LOAD_COUNTS[url] = LOAD_COUNTS.get(url, 0) + 1
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": document,
        "contentType": "application/ld+json",
        # pyld caches a resolved context across operations only under a tag; "static" is what it reads.
        "tag": "static",
    }
