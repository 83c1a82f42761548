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

Hostile input cannot make it run for ever. RDFC-1.0 (section 4.4 and its "dataset poisoning" security
consideration) lets an implementation bound the work Hash N-Degree Quads (4.8) spends on datasets whose
blank nodes nothing tells apart; here:

- a dataset with more quads or blank nodes than its `Budget` allows is refused before any hashing
  (vc.canonical refuses a document whose JSON has more objects without an IRI than that before it is
  even expanded: expansion is most of the work);
- so is one whose alike blank nodes (those sharing a first-degree hash) form connected groups that Hash
  N-Degree Quads would need more steps to separate than are left: it runs from every alike node and
  walks the whole group each time, so a ring of 800 needs over ten million steps and is refused at once;
- while running, every elementary step (a hash, a permutation, a copied issuer entry) is charged to
  the `Budget`, so no shape can spend more than it allows, however the work is spread;
- a `Budget` is shared: `work_budget()` makes everything canonicalized inside it (a credential, the
  credentials nested in it, their status lists) draw on one count of steps and one processor-time
  deadline.

Exceeding a count or the steps raises `TooComplex` (an Exception: the input is refused); passing the
deadline raises `DeadlineExceeded` (a BaseException, like asyncio's CancelledError, so that no
`except Exception` on the way swallows it: the one who set the deadline answers).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import itertools
import re
import time
from collections.abc import Callable, Iterable, Iterator

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

# Bounds of a Budget when the caller sets none (signing, canonize() on its own; vc.verify.Limits sets
# tighter ones). A step is about one SHA-256 of a short string (a microsecond): a portal-like CLR nesting
# 120 credentials has 13,500 quads and 2,200 blank nodes and takes 35,000 steps (mostly one per quad and
# per blank node in it); rings, grids and cliques of alike blank nodes need cubically or factorially many.
MAX_QUADS = 100_000
MAX_BLANK_NODES = 20_000
MAX_WORK = 500_000
# A copied issuer entry costs about 1/32 of a step; the deadline is read every this many steps.
_COPY_ENTRIES_PER_STEP = 32
_CLOCK_EVERY = 2_000


class TooComplex(Exception):
    """The dataset is too large or its blank nodes too symmetric to canonicalize within the budget."""

    def __init__(self, detail: str):
        super().__init__(f"The credential is too complex to check ({detail}).")
        self.detail = detail


class DeadlineExceeded(BaseException):
    """The budget's processor-time deadline passed (a BaseException: the deadline's owner answers)."""

    def __init__(self, seconds: float):
        super().__init__(
            f"The credential is too complex to check (the verification ran past its limit of {seconds:g} s "
            "of processor time); it was not verified."
        )
        self.reason = self.args[0]


class Budget:
    """RDFC-1.0 work allowed: quads and blank nodes per dataset, steps in all, a processor-time deadline."""

    __slots__ = (
        "_tick",
        "clock",
        "deadline",
        "max_blank_nodes",
        "max_quads",
        "seconds",
        "steps",
        "steps_left",
        "used_up",
    )

    def __init__(
        self,
        *,
        steps: int = MAX_WORK,
        seconds: float | None = None,
        max_quads: int = MAX_QUADS,
        max_blank_nodes: int = MAX_BLANK_NODES,
        clock: Callable[[], float] = time.thread_time,
    ):
        self.steps = self.steps_left = steps
        self.max_quads = max_quads
        self.max_blank_nodes = max_blank_nodes
        self.seconds = seconds
        # Processor time of this thread: a request is not refused because other work keeps the machine busy.
        self.clock = clock
        self.deadline = None if seconds is None else clock() + seconds
        self._tick = _CLOCK_EVERY
        self.used_up = False

    @property
    def spent(self) -> int:
        """Steps charged so far."""
        return self.steps - self.steps_left

    def spend(self, steps: int, why: str = "its blank nodes are too symmetric") -> None:
        """Charge steps; TooComplex past the budget, DeadlineExceeded past the deadline."""
        self.steps_left -= steps
        if self.steps_left < 0:
            self._refuse(why)
        self._tick -= steps
        if self._tick <= 0:
            self._tick = _CLOCK_EVERY
            self.check_deadline()

    def _refuse(self, why: str):
        self.check_left()
        self.used_up = True
        raise TooComplex(f"{why}: canonicalizing it takes more than the {self.steps:,} steps allowed")

    def refuse_everything(self) -> None:
        """A bound was passed: the rest of the verification under this budget is refused at once too."""
        self.used_up = True

    def check_left(self) -> None:
        """TooComplex when an earlier canonicalization under this budget ran out of steps."""
        if self.used_up:  # everything later under the same budget is refused too, before any work
            raise TooComplex(f"the verification used up its {self.steps:,} canonicalization steps before it")

    def tick(self) -> None:
        """One step of work outside RDFC-1.0 (expanding a JSON-LD element): reads the deadline at times."""
        self._tick -= 20  # an expansion step takes about as long as twenty RDFC steps
        if self._tick <= 0:
            self._tick = _CLOCK_EVERY
            self.check_deadline()

    def check_deadline(self) -> None:
        """DeadlineExceeded when the processor-time deadline has passed."""
        if self.deadline is not None and self.clock() > self.deadline:
            raise DeadlineExceeded(self.seconds)


_active: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("vc_rdfc_budget", default=None)


def active_budget() -> Budget | None:
    """The budget of the enclosing work_budget() block, if any."""
    return _active.get()


@contextlib.contextmanager
def work_budget(**bounds) -> Iterator[Budget]:
    """Share one Budget(**bounds) between all canonicalizations in the block; inside another, join it."""
    current = _active.get()
    if current is not None:
        yield current
        return
    budget = Budget(**bounds)
    token = _active.set(budget)
    try:
        yield budget
    finally:
        _active.reset(token)


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


def _sum_of_floors(n: int, d: int) -> int:
    """sum(i // d for i in range(1, n + 1))."""
    q, r = divmod(n, d)
    return d * q * (q - 1) // 2 + q * (r + 1)


class _Canonicalizer:
    def __init__(self, quads: list[Quad], budget: Budget):
        self.quads = quads
        self.budget = budget
        if len(quads) > budget.max_quads:
            raise TooComplex(f"it has {len(quads):,} RDF statements, over the limit of {budget.max_quads:,}")
        # RDFC-1.0 4.4.3 step 2: blank node to quads map (each quad once per blank node).
        self.quads_of: dict[str, list[Quad]] = {}
        for quad in quads:
            s, _, o, g = quad
            for term in (s, o, g):
                if _is_blank(term):
                    listed = self.quads_of.setdefault(term, [])
                    if not listed or listed[-1] is not quad:
                        listed.append(quad)
        if len(self.quads_of) > budget.max_blank_nodes:
            budget.refuse_everything()
            raise TooComplex(
                f"it has {len(self.quads_of):,} blank nodes, over the limit of {budget.max_blank_nodes:,}"
            )
        # Hashing each blank node's quads, labelling and sorting the output: linear work.
        budget.spend(len(quads) + sum(map(len, self.quads_of.values())), "it is too large")
        self.first_degree: dict[str, str] = {}
        self.canonical = _Issuer("_:c14n")

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

    def least_n_degree_steps(self, shared: list[list[str]]) -> int:
        """A lower bound of the steps Hash N-Degree Quads will charge for these groups of alike nodes.

        RDFC-1.0 4.4.3 step 5 runs it from every node of a group before any gets its canonical label,
        and each run walks every alike blank node reachable from it (unique ones are labelled already),
        one call and one issuer copy (at least as large as the nodes walked so far) per node.
        """
        quads_of = self.quads_of
        alike = {node for nodes in shared for node in nodes}
        component: dict[str, int] = {}  # alike node -> its connected component of alike nodes
        sizes: list[int] = []
        for start in alike:
            if start in component:
                continue
            key = component[start] = len(sizes)
            stack, size = [start], 0
            while stack:
                size += 1
                for s, _, o, g in quads_of[stack.pop()]:
                    if s in alike and s not in component:
                        component[s] = key
                        stack.append(s)
                    if o in alike and o not in component:
                        component[o] = key
                        stack.append(o)
                    if g in alike and g not in component:
                        component[g] = key
                        stack.append(g)
            sizes.append(size)
        roots: dict[int, int] = {}  # per component, the nodes of the first group that reaches it
        for nodes in shared:
            reached: dict[int, int] = {}
            for node in nodes:
                key = component[node]
                if key not in roots:
                    reached[key] = reached.get(key, 0) + 1
            roots.update(reached)
        return sum(
            count * (4 * sizes[key] + _sum_of_floors(sizes[key], _COPY_ENTRIES_PER_STEP))
            if sizes[key] > 1
            else count
            for key, count in roots.items()
        )

    # RDFC-1.0 4.8 Hash N-Degree Quads.
    def hash_n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        spend = self.budget.spend
        spend(1 + len(self.quads_of[node]))  # the call and a Hash Related Blank Node per quad
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
                spend(1 + len(permutation) + len(issuer.issued) // _COPY_ENTRIES_PER_STEP)
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
        if shared:
            # RDFC-1.0 4.4: refuse a poison graph before spending the work, when its shape shows it.
            needed = self.least_n_degree_steps(shared)
            if needed > self.budget.steps_left:
                self.budget.used_up = True
                raise TooComplex(
                    f"its blank nodes are too symmetric: canonicalizing them takes at least {needed:,} "
                    f"steps, more than the {self.budget.steps_left:,} left"
                )
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


def canonicalize(quads: Iterable[Quad], *, budget: Budget | None = None) -> str:
    """Canonical N-Quads (RDFC-1.0, SHA-256) of a dataset, within `budget` (default: the active one or new).

    A quad given twice is hashed and output twice, as rdf-canonize does with the dataset jsonld.js
    hands it (its N-Quads parser, and the caller here, drop repeats when the input is a set).
    """
    budget = budget or _active.get() or Budget()
    budget.check_left()
    budget.check_deadline()
    try:
        return _Canonicalizer(list(quads), budget).run()
    except RecursionError:  # a chain of thousands of indistinguishable blank nodes
        raise TooComplex("its blank nodes are chained too deeply to canonicalize") from None
