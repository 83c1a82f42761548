"""RDFC-1.0 canonicalization and JSON-LD expansion with pyld, over the strict offline loader.

The dataset goes from JSON-LD straight to pyld's in-memory RDF dataset and then to the canonical
N-Quads string; it never round-trips through N-Quads text (pyld parses N-Quads in quadratic time).
"""

from __future__ import annotations

from pyld import jsonld

from vc.errors import ContextError, DocumentError
from vc.loader import document_loader


def _unwrap(exc: BaseException) -> ContextError | None:
    """Find a ContextError that pyld wrapped in its own JsonLdError chain."""
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ContextError):
            return current
        current = current.__cause__ or current.__context__
    return None


def _raise_from_pyld(exc: Exception, action: str):
    """Translate a pyld error into ContextError (unknown context) or DocumentError."""
    context_error = _unwrap(exc)
    if context_error is not None:
        raise ContextError(context_error.reason, **context_error.extra) from exc
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    raise DocumentError(f"The document is not valid JSON-LD and could not be {action}: {detail}") from exc


def _processor(dropped: list | None):
    """A pyld processor; with a list, records every property JSON-LD expansion drops."""
    if dropped is None:
        return jsonld.JsonLdProcessor()
    return jsonld.JsonLdProcessor(on_property_dropped=dropped.append)


def _options(**extra) -> dict:
    options = {"documentLoader": document_loader, "base": ""}
    options.update(extra)
    return options


def canonize(document: dict, *, safe: bool = False) -> str:
    """Canonical N-Quads (RDFC-1.0) of a JSON-LD document; safe=True refuses undefined terms."""
    if not isinstance(document, dict):
        raise DocumentError("A JSON-LD document must be a JSON object.")
    dropped: list | None = [] if safe else None
    try:
        # RDF-CANON: RDFC-1.0 is URDNA2015 under its published name; same algorithm and output.
        result = _processor(dropped).normalize(
            document, _options(algorithm="URDNA2015", format="application/n-quads")
        )
    except jsonld.JsonLdError as exc:
        _raise_from_pyld(exc, "canonicalized")
    if dropped:
        names = ", ".join(sorted({str(d) for d in dropped}))
        raise DocumentError(
            f"The document uses terms its JSON-LD contexts do not define ({names}); "
            "they would not be covered by a proof.",
            dropped=sorted({str(d) for d in dropped}),
        )
    return result


def expand(document: dict) -> list:
    """JSON-LD expansion of a document with the strict offline loader."""
    if not isinstance(document, dict):
        raise DocumentError("A JSON-LD document must be a JSON object.")
    try:
        return _processor(None).expand(document, _options())
    except jsonld.JsonLdError as exc:
        _raise_from_pyld(exc, "expanded")
