"""Expanded JSON-LD to RDF quads in one walk of the tree (JSON-LD 1.1 'Deserialize JSON-LD to RDF').

pyld first flattens the expanded document into a node map, merging every node that shares an @id
and checking each new value against all values already held for that property, then turns the node
map into triples. On a ClrCredential that merge is most of the work after expansion, and it grows
faster than the document: the issuer and the learner are the same node in every nested credential.
A dataset is a *set* of quads, so the same quads come out of walking the tree directly: node
objects anywhere become subjects in the graph they appear in, `@graph` opens the named graph of its
node, `@list` becomes an RDF collection, values become literals by pyld's own conversion, and
repeated quads count once (except a repeated empty list: see `_Walk.repeated`). Quads come out as
tuples of canonical N-Quads terms (see vc.rdfc). What the walk does not cover (`@set` objects,
`@reverse`, `@included`, `@index` on nodes or values, blank-node datatypes, relative IRIs inside
lists) raises `Unsupported`; the caller then uses pyld's node map and `from_pyld`.
"""

from __future__ import annotations

import re

from pyld.identifier_issuer import IdentifierIssuer

from vc.rdfc import XSD_STRING, Quad, TooComplex, active_budget, iri, literal

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
RDF_NIL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"

# pyld's test for an absolute IRI (a blank node label passes it too).
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
# Keywords a node object may carry that this walk knows what to do with.
_NODE_KEYWORDS = frozenset({"@id", "@type", "@graph"})
_VALUE_KEYWORDS = frozenset({"@value", "@type", "@language", "@direction"})

# IRI -> N-Quads term, for the IRIs every credential repeats (vocabulary terms, types, issuers).
_TERMS_SIZE = 50_000
_terms: dict[str, str] = {}


class Unsupported(Exception):
    """The expanded document uses a construct this walk leaves to pyld's node map."""


_absolutes: dict[str, bool] = {}


def is_absolute_iri(value: str) -> bool:
    """pyld's test for an absolute IRI (a blank node label passes too), remembering its answers."""
    known = _absolutes.get(value)
    if known is None:
        if len(_absolutes) >= _TERMS_SIZE:
            _absolutes.clear()
        known = _absolutes[value] = _ABSOLUTE_IRI.match(value) is not None
    return known


def _absolute(value: str) -> bool:
    # Blank node labels here are the walk's own (_:b0, _:b1...).
    return value[:2] == "_:" or is_absolute_iri(value)


def _iri_term(value: str) -> str:
    term = _terms.get(value)
    if term is None:
        if len(_terms) >= _TERMS_SIZE:
            _terms.clear()
        term = _terms[value] = iri(value)
    return term


def _term(value: str) -> str:
    """A node id (IRI or blank node label) as a term."""
    return value if value[:2] == "_:" else _iri_term(value)


class _Walk:
    def __init__(self, object_to_rdf, options: dict):
        self.issuer = IdentifierIssuer("_:b")
        # pyld's own literal conversion (numbers, booleans, datatypes, languages, @json).
        self.object_to_rdf = object_to_rdf
        self.options = options
        self.quads: dict[Quad, None] = {}  # an ordered set
        # Node maps keep every list value (allowDuplicate), so an empty list (rdf:nil) given twice for
        # one subject and property is two quads in pyld and jsonld.js alike; kept as they do.
        self.repeated: list[Quad] = []
        # Relative IRIs met (they give no quads): signing and verifying refuse them, as jsonld.js's safe mode.
        self.relative: list[str] = []
        self.budget = budget = active_budget()
        self.max_blank_nodes = budget.max_blank_nodes if budget is not None else float("inf")
        self.blank_nodes = 0

    def label(self, node_id: str) -> str:
        return self.issuer.get_id(node_id) if node_id[:2] == "_:" else node_id

    def literal(self, item: dict) -> str:
        value = item["@value"]
        if len(item) == 1 and type(value) is str:  # the common case: a plain string
            return literal(value)
        if not _VALUE_KEYWORDS.issuperset(item):
            raise Unsupported(f"value with {sorted(set(item) - _VALUE_KEYWORDS)}")
        datatype = item.get("@type")
        if isinstance(datatype, str) and datatype[:2] == "_:":
            raise Unsupported("blank node datatype")
        if datatype is not None and datatype != "@json" and not _absolute(datatype):
            self.relative.append(datatype)
        if (
            type(value) is str
            and "@language" not in item
            and "@direction" not in item
            and datatype not in ("@json", XSD_DOUBLE)
        ):
            return literal(value, datatype or XSD_STRING)
        return term_from_pyld(self.object_to_rdf(item, self.issuer, [], self.options))

    def node(self, node: dict, graph: str | None) -> str:
        """Emit the quads of a node object in `graph` (None: a graph that is not output); return its id."""
        subject = node.get("@id")
        if subject is None:
            subject = self.issuer.get_id()
            self.blank_nodes += 1
            if self.blank_nodes > self.max_blank_nodes:
                # Counted as the walk goes: a document with too many is refused before its quads are made.
                self.budget.refuse_everything()
                raise TooComplex(f"it has over {self.max_blank_nodes:,} blank nodes, the limit")
        else:
            subject = self.label(subject)
        absolute = _absolute(subject)
        if not absolute:
            self.relative.append(subject)
        s = _term(subject) if graph is not None and absolute else None
        for prop, values in node.items():
            if prop == "@type":
                for type_ in values:
                    type_ = self.label(type_)
                    if not _absolute(type_):
                        self.relative.append(type_)
                    elif s is not None:
                        self.quads[(s, _RDF_TYPE, _term(type_), graph)] = None
                continue
            if prop == "@graph":
                # Node map: the graph named by this node; a relative graph name is not output.
                self.items(values, _term(subject) if absolute else None)
                continue
            if prop[:1] == "@":
                if prop not in _NODE_KEYWORDS:
                    raise Unsupported(f"node with {prop}")
                continue  # @id: no quads
            # Blank-node predicates (generalized RDF) and relative ones give no quads; their objects still do.
            if prop[:2] == "_:":
                p = None
            elif _absolute(prop):
                p = _iri_term(prop) if s is not None else None
            else:
                self.relative.append(prop)
                p = None
            for item in values:
                o = self.object(item, graph, p is not None)
                if p is not None and o is not None:
                    if o == _RDF_NIL and item.get("@list") == []:
                        self.repeated.append((s, p, o, graph))
                    else:
                        self.quads[(s, p, o, graph)] = None
        return subject

    def object(self, item: dict, graph: str | None, emit: bool) -> str | None:
        """The term of a property value (None: a relative IRI); node objects' own quads are emitted."""
        if "@value" in item:
            return self.literal(item)
        if "@list" in item:
            return self.list(item["@list"], graph, emit)
        if "@set" in item:
            raise Unsupported("@set object")
        ref = self.node(item, graph)
        return _term(ref) if _absolute(ref) else None  # a relative one was noted by node()

    def list(self, items: list, graph: str | None, emit: bool) -> str:
        """An RDF collection: its head (rdf:nil when empty); its rdf:first/rest quads when emitted."""
        members = []
        for item in items:
            member = self.object(item, graph, emit)
            if member is None:  # pyld would put a relative IRI in the list unchecked
                raise Unsupported("relative IRI in a list")
            members.append(member)
        if not members:
            return _RDF_NIL
        heads = [self.issuer.get_id() for _ in members]
        if emit:
            for position, (head, member) in enumerate(zip(heads, members, strict=True)):
                rest = heads[position + 1] if position + 1 < len(heads) else _RDF_NIL
                self.quads[(head, _RDF_FIRST, member, graph)] = None
                self.quads[(head, _RDF_REST, rest, graph)] = None
        return heads[0]

    def items(self, items: list, graph: str | None) -> None:
        for item in items:
            if not isinstance(item, dict):
                raise Unsupported("not a node object")
            if "@value" in item:  # a free-floating value: dropped, as by the node map
                continue
            if "@list" in item or "@set" in item:
                raise Unsupported("free-floating list")
            self.node(item, graph)


_RDF_TYPE = iri(RDF_TYPE)
_RDF_FIRST = iri(RDF_FIRST)
_RDF_REST = iri(RDF_REST)
_RDF_NIL = iri(RDF_NIL)


def quads(expanded: list, *, object_to_rdf, options: dict, relative: list | None = None) -> list[Quad]:
    """The quads of an expanded JSON-LD document, as pyld's and jsonld.js's node maps give them.

    Relative IRIs give no quads; with a list as `relative`, those met are added to it. Raises
    Unsupported for constructs left to pyld's node map.
    """
    walk = _Walk(object_to_rdf, options)
    walk.items(expanded, "")
    if relative is not None:
        relative.extend(walk.relative)
    return [quad for quad in (*walk.quads, *walk.repeated) if quad[3] is not None]


def relative_iris(expanded) -> list[str]:
    """Relative @id and @type references anywhere in an expanded document (for pyld's node-map path)."""
    found: list[str] = []
    stack = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@id" and isinstance(value, str) and not _absolute(value):
                    found.append(value)
                elif key == "@type" and "@value" not in item:
                    found.extend(t for t in value if isinstance(t, str) and not _absolute(t))
                elif key == "@reverse" and isinstance(value, dict):
                    found.extend(p for p in value if not _absolute(p))
                    stack.extend(value.values())
                elif key[:1] != "@" and not _absolute(key):
                    found.append(key)
                if isinstance(value, (list, dict)) and key not in ("@value", "@reverse"):
                    stack.append(value)
    return found


def term_from_pyld(term: dict) -> str:
    """A pyld RDF term ({'type', 'value', 'datatype', 'language'}) as an N-Quads term."""
    if term["type"] == "blank node":
        return term["value"]
    if term["type"] == "IRI":
        return _iri_term(term["value"])
    return literal(term["value"], term.get("datatype") or XSD_STRING, term.get("language"))


def from_pyld(dataset: dict) -> list[Quad]:
    """The quads of a pyld RDF dataset (graph name -> triples)."""
    result = []
    for name, triples in dataset.items():
        graph = "" if name == "@default" else _term(name)
        for triple in triples:
            result.append(
                (
                    term_from_pyld(triple["subject"]),
                    term_from_pyld(triple["predicate"]),
                    term_from_pyld(triple["object"]),
                    graph,
                )
            )
    return result
