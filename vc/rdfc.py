"""RDF Dataset Canonicalization (W3C RDFC-1.0) over quads of ready-serialized N-Quads terms.

A quad is a tuple `(subject, predicate, object, graph)` of terms already written as canonical
N-Quads (`<iri>`, `_:label`, `"literal"^^<datatype>`, `"literal"@lang`; graph "" for the default
graph), so hashing and output only join strings. The algorithm follows RDFC-1.0 section 4 step by
step (the retired URDNA2015 `simple` loop is left out, as RDFC-1.0 allows: it never changes the
result). Two points where pyld and the spec part ways follow the spec and Digital Bazaar's
rdf-canonize instead:

- canonical N-Quads escaping (RDFC-1.0 / RDF 1.2 N-Quads): in literals `"` `\\` and the ECHARs
  `\\b \\t \\n \\f \\r`, every other control character as `\\u00XX`; in IRIs the characters
  U+0000-U+0020 and `<>"{}|^`\\` as `\\u00XX` (pyld escapes only `\\ \\t \\n \\r "` and no IRIs);
- the blank node to quads map holds each quad once per blank node, even when the node is both
  subject and object of it (pyld lists such a quad twice).

Hostile input cannot make it run for ever: the Hash N-Degree Quads work (calls and permutations) is
bounded, as RDFC-1.0 section 4.4 asks of implementations ("poison" graphs), and exceeding the bound
raises `TooComplex`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Quad = tuple[str, str, str, str]

# Canonical N-Quads (RDFC-1.0 section 4.5, RDF 1.2 N-Quads): ECHAR for these, UCHAR for other controls.
_LITERAL_ESCAPES = {n: f"\\u{n:04X}" for n in [*range(0x20), 0x7F]}
_LITERAL_ESCAPES.update(
    {ord("\b"): "\\b", ord("\t"): "\\t", ord("\n"): "\\n", ord("\f"): "\\f", ord("\r"): "\\r"}
)
_LITERAL_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\"})
_IRI_ESCAPES = {n: f"\\u{n:04X}" for n in [*range(0x21), *map(ord, '<>"{}|^`\\')]}
_UCHAR = re.compile(r"\\u([0-9A-F]{4})")

# Hash N-Degree Quads steps (calls and permutations) allowed: quadratic in the blank nodes that share a
# first-degree hash (RDFC-1.0 4.4 asks for such a bound), at least MIN_WORK and at most MAX_WORK (about
# two seconds). A CLR nesting 120 credentials needs a few thousand; a poison graph, factorially many.
WORK_FACTOR = 50
MIN_WORK = 100_000
MAX_WORK = 2_000_000


class TooComplex(Exception):
    """The dataset's blank nodes are too symmetric to canonicalize within the work bound."""


def iri(value: str) -> str:
    """An IRI as a canonical N-Quads term."""
    return f"<{value.translate(_IRI_ESCAPES)}>"


def literal(value: str, datatype: str = XSD_STRING, language: str | None = None) -> str:
    """A literal as a canonical N-Quads term."""
    lexical = f'"{value.translate(_LITERAL_ESCAPES)}"'
    if language:
        return f"{lexical}@{language}"
    if datatype == RDF_LANGSTRING:
        return lexical
    if datatype == XSD_STRING:
        return lexical
    return f"{lexical}^^{iri(datatype)}"


def _is_blank(term: str) -> bool:
    return term[:2] == "_:"


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Issuer:
    """RDFC-1.0 4.3 identifier issuer: prefix, counter and the issued map (in issue order)."""

    __slots__ = ("issued", "prefix")

    def __init__(self, prefix: str, issued: dict | None = None):
        self.prefix = prefix
        self.issued: dict[str, str] = issued if issued is not None else {}

    def issue(self, existing: str) -> str:
        issued = self.issued.get(existing)
        if issued is None:
            issued = self.issued[existing] = f"{self.prefix}{len(self.issued)}"
        return issued

    def copy(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.issued))


class _Canonicalizer:
    def __init__(self, quads: list[Quad]):
        self.quads = quads
        # RDFC-1.0 4.4.3 step 2: blank node to quads map (each quad once per blank node).
        self.quads_of: dict[str, list[Quad]] = {}
        for quad in quads:
            s, _, o, g = quad
            for term in (s, o, g):
                if _is_blank(term):
                    listed = self.quads_of.setdefault(term, [])
                    if not listed or listed[-1] is not quad:
                        listed.append(quad)
        self.first_degree: dict[str, str] = {}
        self.canonical = _Issuer("_:c14n")
        self.work_left = 0

    # RDFC-1.0 4.6 Hash First Degree Quads.
    def hash_first_degree(self, node: str) -> str:
        lines = []
        for s, p, o, g in self.quads_of[node]:
            lines.append(
                _line(
                    ("_:a" if s == node else "_:z") if _is_blank(s) else s,
                    p,
                    ("_:a" if o == node else "_:z") if _is_blank(o) else o,
                    ("_:a" if g == node else "_:z") if _is_blank(g) else g,
                )
            )
        lines.sort()
        return _sha256("".join(lines))

    # RDFC-1.0 4.7 Hash Related Blank Node.
    def hash_related(self, related: str, predicate: str, issuer: _Issuer, position: str) -> str:
        identifier = self.canonical.issued.get(related) or issuer.issued.get(related)
        if identifier is None:
            identifier = self.first_degree[related]
        if position == "g":
            return _sha256(f"g{identifier}")
        # The predicate goes in as <IRI> unescaped, as rdf-canonize and pyld do.
        if "\\" in predicate:
            predicate = _UCHAR.sub(lambda m: chr(int(m.group(1), 16)), predicate)
        return _sha256(f"{position}{predicate}{identifier}")

    def spend(self, steps: int = 1) -> None:
        self.work_left -= steps
        if self.work_left < 0:
            raise TooComplex(
                "The document's blank nodes are too symmetric to canonicalize in reasonable time."
            )

    # RDFC-1.0 4.8 Hash N-Degree Quads.
    def hash_n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        self.spend()
        related_by_hash: dict[str, list[str]] = {}
        for s, p, o, g in self.quads_of[node]:
            for position, term in (("s", s), ("o", o), ("g", g)):
                if term != node and _is_blank(term):
                    related_hash = self.hash_related(term, p, issuer, position)
                    related_by_hash.setdefault(related_hash, []).append(term)
        data = []
        for related_hash in sorted(related_by_hash):
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer = None
            for permutation in itertools.permutations(related_by_hash[related_hash]):
                self.spend()
                issuer_copy = issuer.copy()
                path = ""
                recursion = []
                skip = False
                for related in permutation:
                    canonical = self.canonical.issued.get(related)
                    if canonical is not None:
                        path += canonical
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, issuer_copy = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related)
                    path += f"<{result_hash}>"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.append(chosen_path)
            issuer = chosen_issuer
        return _sha256("".join(data)), issuer

    # RDFC-1.0 4.4.3 Canonicalization Algorithm.
    def run(self) -> str:
        by_hash: dict[str, list[str]] = {}
        for node in self.quads_of:
            node_hash = self.first_degree[node] = self.hash_first_degree(node)
            by_hash.setdefault(node_hash, []).append(node)
        shared = []
        for node_hash in sorted(by_hash):
            nodes = by_hash[node_hash]
            if len(nodes) == 1:
                self.canonical.issue(nodes[0])
            else:
                shared.append(nodes)
        count = sum(map(len, shared))
        self.work_left = min(MAX_WORK, max(MIN_WORK, WORK_FACTOR * count * count))
        for nodes in shared:
            results = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temporary = _Issuer("_:b")
                temporary.issue(node)
                results.append(self.hash_n_degree(node, temporary))
            for _, issuer in sorted(results, key=lambda result: result[0]):
                for existing in issuer.issued:
                    self.canonical.issue(existing)
        labels = self.canonical.issued
        lines = [
            _line(
                labels[s] if _is_blank(s) else s,
                p,
                labels[o] if _is_blank(o) else o,
                labels[g] if _is_blank(g) else g,
            )
            for s, p, o, g in self.quads
        ]
        lines.sort()
        return "".join(lines)


def canonicalize(quads: Iterable[Quad]) -> str:
    """Canonical N-Quads (RDFC-1.0, SHA-256) of a dataset.

    A quad given twice is hashed and output twice, as rdf-canonize does with the dataset jsonld.js
    hands it (its N-Quads parser, and the caller here, drop repeats when the input is a set).
    """
    try:
        return _Canonicalizer(list(quads)).run()
    except RecursionError:  # a chain of thousands of indistinguishable blank nodes
        raise TooComplex("The document's blank nodes are nested too deeply to canonicalize.") from None
