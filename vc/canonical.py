"""RDFC-1.0 canonicalization and JSON-LD expansion with pyld, over the strict offline loader.

The dataset goes from JSON-LD straight to pyld's in-memory RDF dataset and then to the canonical
N-Quads string; it never round-trips through N-Quads text (pyld parses N-Quads in quadratic time).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gc
import hashlib
import json
import marshal
import threading
import types
import zlib
from collections.abc import Mapping
from pathlib import Path

from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from vc import rdf, rdfc
from vc.errors import ContextError, DocumentError
from vc.loader import CONTEXTS_DIR, document_loader


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
    # pyld wraps the error that says what is wrong ("conflicting @index property detected") in
    # errors that say where it happened ("Could not convert input to RDF dataset..."): name the first.
    innermost = exc
    while isinstance(innermost.__cause__, jsonld.JsonLdError):
        innermost = innermost.__cause__
    message = innermost.args[0] if innermost.args and isinstance(innermost.args[0], str) else str(innermost)
    detail = message.splitlines()[0] if message else type(exc).__name__
    raise DocumentError(f"The document is not valid JSON-LD and could not be {action}: {detail}") from exc


# --- processed-context memo ---------------------------------------------------------------------
#
# pyld caches a processed context per (resolved context, active context `_uuid`). A type-scoped
# context (propagate=False) is always applied to a fresh clone of the active context, whose new
# `_uuid` misses that cache, so every nested credential re-processes the VC/OB/CLR scoped contexts
# (thousands of term definitions for a CLR). Processed contexts are frozen (immutable) and
# `_process_context` is deterministic in (active context, local context, flags), so the result can
# be shared: the same active context object (same `_uuid`) then also hits pyld's own caches below.

_MEMO_SIZE = 512
_memo: LRUCache = LRUCache(maxsize=_MEMO_SIZE)
_memo_lock = threading.Lock()

# pyld's own shared resolved-context cache holds 100 entries; every scoped context of the bundled
# contexts takes one, so with several context families loaded the static URL contexts would be
# evicted and re-processed. vc uses its own, sized for the whole bundle.
_RESOLVED_SIZE = 4096


class _LockedLRU(LRUCache):
    """LRUCache safe to share between threads (pyld reads and fills it from any worker thread)."""

    def __init__(self, maxsize: int):
        super().__init__(maxsize=maxsize)
        self._lock = threading.RLock()

    def __getitem__(self, key):
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key, value):
        with self._lock:
            super().__setitem__(key, value)

    def get(self, key, default=None):
        with self._lock:
            return super().get(key, default)

    def clear(self):
        with self._lock:
            super().clear()


_resolved: LRUCache = _LockedLRU(_RESOLVED_SIZE)


def _context_key(local_ctx):
    """A hashable key for a local context: URLs by value, objects by identity (kept alive in the memo)."""
    if isinstance(local_ctx, str) or local_ctx is None or local_ctx is False:
        return local_ctx
    if isinstance(local_ctx, list):
        return tuple(_context_key(item) for item in local_ctx)
    return ("obj", id(local_ctx))


# --- pyld's type predicates -------------------------------------------------------------------------
#
# pyld calls a few module-level predicates hundreds of thousands of times per CLR. These are the same
# tests with the same answer for every input, as single expressions; the absolute-IRI test also
# remembers its answers (a regular expression per call otherwise). Installed at import;
# `use_fast_predicates(False)` puts pyld's own back (the benchmark's plain-pyld reference).

_PYLD_PREDICATES = {
    name: getattr(jsonld, name)
    for name in ("_is_keyword", "_is_string", "_is_array", "_is_object", "_is_absolute_iri")
}
_KEYWORDS = jsonld.KEYWORDS

_FAST_PREDICATES = {
    "_is_keyword": lambda v: isinstance(v, str) and v in _KEYWORDS,
    "_is_string": lambda v: isinstance(v, str),
    "_is_array": lambda v: isinstance(v, list),
    "_is_object": lambda v: isinstance(v, (dict, frozendict)),
    "_is_absolute_iri": lambda v: isinstance(v, str) and rdf.is_absolute_iri(v),
}


def use_fast_predicates(enabled: bool = True) -> None:
    """Install vc's equivalents of pyld's type predicates (True) or pyld's own (False)."""
    for name, predicate in (_FAST_PREDICATES if enabled else _PYLD_PREDICATES).items():
        setattr(jsonld, name, predicate)


use_fast_predicates(True)


# Expanded IRIs by (active context `_uuid`, value, base, vocab); a plain dict (atomic under the GIL).
_IRIS_SIZE = 50_000
_iris: dict = {}
# Expanded scalar values by (active context `_uuid`, property, type, value, base).
_VALUES_SIZE = 50_000
_values: dict = {}
_SCALAR_VALUES = (str, int, float, bool)
_active_budget = rdfc.active_budget


class _MemoProcessor(jsonld.JsonLdProcessor):
    """pyld processor that shares processed contexts across nodes and calls (see above)."""

    def _process_context(
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        # Only finished (frozen) active contexts are shared; partial ones built while a context is
        # being defined get a new `_uuid` afterwards and must not be reused.
        if not isinstance(active_ctx, frozendict) or "_uuid" not in active_ctx:
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        key = (
            active_ctx["_uuid"],
            _context_key(local_ctx),
            override_protected,
            propagate,
            validate_scoped,
            options.get("base", ""),
            options.get("processingMode"),
        )
        with _memo_lock:
            hit = _memo.get(key)
        if hit is not None:
            _name_stably(hit[0], active_ctx, local_ctx, key[2:])
            return hit[0]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if isinstance(result, frozendict):
            with _memo_lock:
                # Keep local_ctx alive with the entry so its id() cannot be reused while cached.
                _memo[key] = (result, local_ctx)
            _name_stably(result, active_ctx, local_ctx, key[2:])
        return result

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None):
        # Outside context processing (no local context) IRI expansion is a pure function of the frozen
        # active context (named by its `_uuid`), the value, base and vocab: a CLR expands the same
        # few hundred terms tens of thousands of times.
        if local_ctx is None and FAST_RDFC_ENABLED and type(active_ctx) is frozendict and type(value) is str:
            key = (active_ctx.get("_uuid"), value, base, vocab)
            if key[0] is not None:
                try:
                    return _iris[key]
                except KeyError:
                    pass
                expanded = super()._expand_iri(active_ctx, value, base, vocab)
                if len(_iris) >= _IRIS_SIZE:
                    _iris.clear()  # crude bound: refilled within a few documents
                _iris[key] = expanded
                return expanded
        return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)

    def _expand_value(self, active_ctx, active_property, value, options):
        # A scalar's expansion depends only on the frozen active context, its property and the base.
        if FAST_RDFC_ENABLED and type(active_ctx) is frozendict and type(value) in _SCALAR_VALUES:
            key = (active_ctx.get("_uuid"), active_property, type(value), value, options.get("base", ""))
            if key[0] is not None:
                try:
                    expanded = _values[key]
                except KeyError:
                    expanded = super()._expand_value(active_ctx, active_property, value, options)
                    if len(_values) >= _VALUES_SIZE:
                        _values.clear()
                    _values[key] = expanded
                # Callers add the result to the expanded document: each gets its own dict.
                return dict(expanded) if type(expanded) is dict else expanded
        return super()._expand_value(active_ctx, active_property, value, options)

    def _expand(
        self,
        active_ctx,
        active_property,
        element,
        options,
        inside_list=False,
        inside_index=False,
        type_scoped_ctx=None,
    ):
        budget = _active_budget()
        if budget is not None:  # a verification's deadline also covers JSON-LD expansion
            budget.tick()
        key = _embedded_key(
            active_ctx, active_property, element, options, inside_list, inside_index, type_scoped_ctx
        )
        if key is None:
            return super()._expand(
                active_ctx, active_property, element, options, inside_list, inside_index, type_scoped_ctx
            )
        with _embedded_lock:
            hit = _embedded.get(key)
            _embedded_counts["hits" if hit is not None else "misses"] += 1
        kept = _kept.get()
        kept_key = None
        if kept is not None and "@context" in element:
            kept_key = _kept_key(key, active_ctx, type_scoped_ctx)
        if hit is not None:
            blob, dropped, _size = hit
            for name in dropped:
                self.on_property_dropped(name)
            expanded = marshal.loads(blob)  # noqa: S302 - bytes this process marshalled itself
            if kept_key is not None and kept_key not in kept[0]:
                # Remembered outside a kept_expansions block (verifying it, say): the caller keeps it too.
                kept[1][kept_key] = (key[6].hex(), _freeze(expanded, dropped))
            return expanded
        thawed = _thaw(kept[0].get(kept_key)) if kept_key is not None else None
        if thawed is not None:
            expanded, dropped = thawed
            for name in dropped:
                self.on_property_dropped(name)
            _remember(key, expanded, dropped)
            with _embedded_lock:
                _embedded_counts["kept"] += 1
            return expanded
        recorded: list = []
        outer_handler = self.on_property_dropped

        def record(name):
            recorded.append(name)
            outer_handler(name)

        self.on_property_dropped = record
        try:
            expanded = super()._expand(
                active_ctx, active_property, element, options, inside_list, inside_index, type_scoped_ctx
            )
        finally:
            self.on_property_dropped = outer_handler
        if _remember(key, expanded, recorded) and kept_key is not None:
            kept[1][kept_key] = (key[6].hex(), _freeze(expanded, recorded))
        return expanded


def _remember(key, expanded, dropped) -> bool:
    """Keep an expansion in the process's memo; False when it cannot be kept (not JSON-like data)."""
    try:
        # Kept serialized: compact, and loading it is a fresh copy (callers may change what they get).
        blob = marshal.dumps(expanded)
    except ValueError:
        return False
    if len(blob) <= _EMBEDDED_MAX_BYTES // 8:  # a huge element would push out everything else
        with _embedded_lock:
            _embedded[key] = (blob, tuple(dropped), len(blob))
    return True


# --- expansion memo for embedded documents --------------------------------------------------------
#
# A ClrCredential nests whole signed credentials (each with its own @context and proof) under
# credentialSubject.verifiableCredential; expanding them is about half the cost of canonicalizing a
# CLR, and the same immutable credentials are nested in many CLRs and re-verified. (Their RDF cannot
# simply be spliced in: the CLR 2.0.1 context defines ClrSubject's verifiableCredential with
# "@container": "@set", not VC 2.0's "@graph", so nested credentials share the CLR's default graph and
# their issuer, learner and achievement nodes merge with the CLR's own; only their proofs are graphs.)
# pyld's `_expand` is a pure function of (active context, active property, element, expansion
# options, list/index flags, type-scoped context): processed contexts are frozen and named by a
# unique `_uuid`, and the only side effect is reporting dropped properties, which is recorded and
# replayed. So the expanded form of an embedded JSON object that carries its own @context is
# remembered under exactly those inputs (the element by a SHA-256 of its exact JSON) and the rest of
# RDFC-1.0 (node map, RDF, URDNA2015) runs on the very same expanded document as without the memo:
# the canonical N-Quads are identical by construction. A different active context (another outer
# @context, another position) is another key.
# Achievements are remembered the same way: a CLR lists again the achievement of each credential it
# nests, and the same achievements (courses) appear in the CLRs of many learners.

EMBEDDED_MEMO_ENABLED = True
# Expanded forms are kept marshalled (about 1.2 bytes per character of the element's JSON), bounded
# by their total size in bytes.
_EMBEDDED_MAX_BYTES = 16_000_000
_embedded: LRUCache = LRUCache(maxsize=_EMBEDDED_MAX_BYTES, getsizeof=lambda entry: entry[2])
_embedded_lock = threading.Lock()
_embedded_counts = {"hits": 0, "misses": 0, "kept": 0}
# Options of `_expand` that are objects (loader, resolver, issuer) are the same for every vc call;
# every scalar option is part of the key.
_SCALARS = (str, bool, int, float, type(None))


def _embedded_key(active_ctx, active_property, element, options, inside_list, inside_index, type_scoped_ctx):
    """The memo key of an embedded document's expansion, or None when it is not one (or not cacheable)."""
    if (
        not EMBEDDED_MEMO_ENABLED
        or active_property is None
        or not isinstance(element, dict)
        or not ("@context" in element or _is_achievement(element))
        or not isinstance(active_ctx, frozendict)
        or "_uuid" not in active_ctx
    ):
        return None
    if type_scoped_ctx is not None and not (
        isinstance(type_scoped_ctx, frozendict) and "_uuid" in type_scoped_ctx
    ):
        return None
    try:
        serialized = json.dumps(element, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        scalar_options = tuple(sorted((k, v) for k, v in options.items() if isinstance(v, _SCALARS)))
    except (TypeError, ValueError):
        return None
    return (
        active_ctx["_uuid"],
        active_property,
        bool(inside_list),
        bool(inside_index),
        type_scoped_ctx["_uuid"] if type_scoped_ctx is not None else None,
        scalar_options,
        hashlib.sha256(serialized.encode("utf-8")).digest(),
        len(serialized),
    )


def _is_achievement(element: dict) -> bool:
    """An OB 3.0 Achievement: a CLR repeats each of its credentials' achievements, and learners share them."""
    kind = element.get("type")
    return kind == "Achievement" or (isinstance(kind, list) and "Achievement" in kind)


def _copy_json(value):
    """A deep copy of expanded JSON-LD (dicts, lists and scalars), faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


def embedded_stats() -> dict:
    """Entries, hits and misses of the embedded-document expansion memo (tests, benchmark)."""
    with _embedded_lock:
        return {"entries": len(_embedded), "bytes": _embedded.currsize, **_embedded_counts}


# --- expansions kept by the caller ------------------------------------------------------------------
#
# The memo above lives as long as the process. A CLR nests mostly credentials signed in earlier terms,
# each nested again in every later CLR of the learner, signed by whichever worker: their expansions
# may be kept by the caller (the portal keeps them in its database) and handed back
# (`kept_expansions`). A kept expansion is named by a digest of the same inputs as the memo's key, with
# each processed context named by what made it instead of its per-process `_uuid`: the bundled contexts
# and pyld's version, then every local context applied in turn (URLs by value, objects by their JSON)
# with the flags it was processed with. A context reached any other way has no such name, and the
# expansions under it are not kept. Kept values are zlib-compressed JSON; a value that does not
# decode is expanded again.

_KEPT_FORMAT = 1
_STABLE_NAMES_SIZE = 20_000
_stable_names: dict = {}  # processed context `_uuid` -> stable name (hex)
_kept: contextvars.ContextVar = contextvars.ContextVar("vc_kept_expansions", default=None)


@functools.cache
def _stable_root() -> str:
    """What every stable name starts from: the bundled contexts' bytes, pyld's version and this module's
    source (its overrides of pyld take part in every expansion)."""
    digest = hashlib.sha256(f"pyld {jsonld.__version__}|format {_KEPT_FORMAT}|".encode())
    digest.update(Path(__file__).read_bytes())
    for path in sorted(CONTEXTS_DIR.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _stable_name(context) -> str | None:
    uuid = context.get("_uuid") if isinstance(context, frozendict) else None
    if uuid is None:
        return None
    name = _stable_names.get(uuid)
    if name is None and "mappings" in context and not context["mappings"] and len(context) == 3:
        # pyld's initial context ({_uuid, processingMode, mappings}): one per processing mode.
        initial = f"{_stable_root()}|initial|{context.get('processingMode')}"
        name = hashlib.sha256(initial.encode()).hexdigest()
        _stable_names[uuid] = name
    return name


def _json_of_context(local_ctx) -> str | None:
    try:
        return json.dumps(
            local_ctx, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_mapping_as_dict
        )
    except (TypeError, ValueError):
        return None


def _mapping_as_dict(value):
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(type(value).__name__)


def _name_stably(result, active_ctx, local_ctx, flags: tuple) -> None:
    """Give a processed context its stable name, from the active context's and the local context's."""
    uuid = result.get("_uuid")
    if uuid is None or uuid in _stable_names:
        return
    active = _stable_name(active_ctx)
    local = _json_of_context(local_ctx) if active is not None else None
    if local is None:
        return
    if len(_stable_names) >= _STABLE_NAMES_SIZE:
        _stable_names.clear()  # crude bound, as _iris: names are given again as contexts are used
    _stable_names[uuid] = hashlib.sha256(f"{active}|{local}|{flags!r}".encode()).hexdigest()


def _kept_key(memo_key: tuple, active_ctx, type_scoped_ctx) -> str | None:
    """The stable name of a memo key: its contexts by stable name, or None when one has none."""
    active = _stable_name(active_ctx)
    type_scoped = _stable_name(type_scoped_ctx) if type_scoped_ctx is not None else ""
    if active is None or type_scoped is None:
        return None
    _uuid, active_property, inside_list, inside_index, _scoped, scalars, digest, length = memo_key
    stable = (active, active_property, inside_list, inside_index, type_scoped, scalars, digest.hex(), length)
    return hashlib.sha256(repr(stable).encode()).hexdigest()


def _freeze(expanded, dropped) -> bytes:
    text = json.dumps([expanded, list(dropped)], ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 6)


def _thaw(value) -> tuple | None:
    if value is None:
        return None
    try:
        expanded, dropped = json.loads(zlib.decompress(value))
    except (zlib.error, ValueError, TypeError):
        return None
    return expanded, dropped


def embedded_digest(element: dict) -> str:
    """The digest by which `kept_expansions` names the document an expansion was made of (hex)."""
    serialized = json.dumps(element, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return hashlib.sha256(serialized.encode("utf-8")).hexdigest()


@contextlib.contextmanager
def kept_expansions(known: Mapping[str, bytes]):
    """Within the block, embedded documents (nested credentials) not in the process's memo are looked up
    in `known` (kept name -> value, as learned before) before being expanded. Yields `learned`, filled
    with kept name -> (`embedded_digest` of the document, value) of each one expanded meanwhile, for
    the caller to keep beside that document. The canonical N-Quads are the same with or without."""
    learned: dict[str, tuple[str, bytes]] = {}
    token = _kept.set((known, learned))
    try:
        yield learned
    finally:
        _kept.reset(token)


def memo_stats() -> dict:
    """Sizes of the processed-context memo and the resolved-context cache (tests, benchmark)."""
    with _memo_lock:
        return {
            "entries": len(_memo),
            "max": _MEMO_SIZE,
            "resolved": len(_resolved),
            "resolved_max": _RESOLVED_SIZE,
        }


def clear_caches() -> None:
    """Forget every processed and resolved context (tests use it to measure from cold)."""
    with _memo_lock:
        _memo.clear()
        _resolved.clear()
    _iris.clear()
    _values.clear()
    _stable_names.clear()
    clear_embedded()


def clear_embedded() -> None:
    """Forget every remembered expansion of an embedded document."""
    with _embedded_lock:
        _embedded.clear()
        _embedded_counts.update(hits=0, misses=0, kept=0)


def is_resolved(url: str) -> bool:
    """Whether a context URL is held, processed, in the shared resolved-context cache."""
    return bool(_resolved.get(url))


def _processor(dropped: list | None):
    """A pyld processor; with a list, records every property JSON-LD expansion drops."""
    if dropped is None:
        return _MemoProcessor()
    return _MemoProcessor(on_property_dropped=dropped.append)


def _options(**extra) -> dict:
    options = {
        "documentLoader": document_loader,
        "base": None,
        # A resolver per operation (pyld keeps a per-operation cache in it) over vc's shared cache.
        "contextResolver": ContextResolver(_resolved, document_loader),
    }
    options.update(extra)
    return options


# --- RDFC-1.0 ---------------------------------------------------------------------------------------
#
# pyld expands; the rest is vc's own: vc.rdf walks the expanded tree straight to quads (pyld's node map
# merges and de-duplicates values in quadratic time) and vc.rdfc canonicalizes them (RDFC-1.0 with the
# spec's N-Quads escaping, on strings rather than pyld's dict terms, with a bound on poison graphs).
# FAST_RDFC_ENABLED = False is plain pyld end to end, kept to compare against in tests and benchmarks.

FAST_RDFC_ENABLED = True


class _Document(dict):
    """The input document; pyld deep-copies it before expanding, and JSON copies faster by hand."""

    def __deepcopy__(self, memo):
        try:
            return marshal.loads(marshal.dumps(dict(self)))  # noqa: S302 - marshalled just now
        except ValueError:  # not only JSON types
            return _copy_json(dict(self))


def rdf_options(options: dict | None = None) -> dict:
    """Options for expanding and turning a document into RDF as canonize() does (tests, benchmark)."""
    opts = {k: v for k, v in (options or _options()).items() if k != "format"}
    # rdfDirection: a value's base direction becomes an i18n datatype, as in Digital Bazaar's
    # eddsa-rdfc-2022 cryptosuite (jsonld.js would otherwise drop it, and so would pyld).
    opts.update(produceGeneralizedRdf=False, extractAllScripts=True, rdfDirection="i18n-datatype")
    opts.setdefault("processingMode", "json-ld-1.1")
    return opts


def _quads(processor: jsonld.JsonLdProcessor, document: dict, options: dict, relative: list | None) -> list:
    """pyld's JsonLdProcessor.to_rdf, turning the expanded document into quads by vc.rdf's direct walk."""
    opts = rdf_options(options)
    try:
        expanded = processor.expand(_Document(document), opts)
    except jsonld.JsonLdError as cause:
        # Same wrapping (and so the same messages) as pyld's to_rdf.
        raise jsonld.JsonLdError(
            "Could not expand input before serialization to RDF.", "jsonld.RdfError"
        ) from cause
    try:
        return rdf.quads(expanded, object_to_rdf=processor._object_to_rdf, options=opts, relative=relative)
    except rdf.Unsupported:
        # A construct the walk leaves to pyld: its node map, exactly as pyld's to_rdf goes on.
        issuer = IdentifierIssuer("_:b")
        node_map = {"@default": {}}
        if relative is not None:
            relative.extend(rdf.relative_iris(expanded))
        processor._create_node_map(expanded, node_map, "@default", issuer)
        return rdf.from_pyld(
            {
                name: processor._graph_to_rdf(graph, issuer, opts)
                for name, graph in sorted(node_map.items())
                if name == "@default" or jsonld._is_absolute_iri(name)
            }
        )


def _objects_without_iri_exceed(document: dict, limit: int) -> bool:
    """Whether more than `limit` JSON objects (those in @context aside) have no IRI: no id, or a `_:` one.

    Each is a blank node or a reference to one once expanded (value objects aside). A genuine CLR names
    each of its blank nodes once (about 850 objects for 120 credentials, 2,500 for 2 MB); poison repeats
    references to alike ones (a CLR nesting 20 rings of 800: 32,000).
    """
    count, stack = 0, [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            node_id = item.get("id", item.get("@id"))  # the VC contexts alias id to @id
            if node_id is None or (isinstance(node_id, str) and node_id[:2] == "_:"):
                count += "@value" not in item
                if count > limit:
                    return True
            stack.extend(value for key, value in item.items() if key != "@context")
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _refuse_many_blank_nodes(document: dict, budget: rdfc.Budget) -> None:
    """RDFC-1.0 4.4 on the JSON, before expansion: most of the work, and it grows with the blank nodes."""
    if _objects_without_iri_exceed(document, budget.max_blank_nodes):
        budget.refuse_everything()
        raise rdfc.TooComplex(
            f"it has over {budget.max_blank_nodes:,} objects without an IRI, each a blank node or a "
            "reference to one, the limit; it was not expanded"
        )


def _normalize(
    processor: jsonld.JsonLdProcessor, document: dict, options: dict, relative: list | None = None
) -> str:
    """RDFC-1.0 canonical N-Quads: pyld's expansion, vc.rdf's quads, vc.rdfc's canonicalization."""
    if not FAST_RDFC_ENABLED:
        return processor.normalize(document, options)
    budget = _active_budget()
    try:
        if budget is not None:
            budget.check_left()  # out of steps already: not worth expanding
            _refuse_many_blank_nodes(document, budget)
    except rdfc.TooComplex as exc:
        raise DocumentError(str(exc)) from exc
    try:
        quads = _quads(processor, document, options, relative)
    except jsonld.JsonLdError as cause:
        # Same wrapping (and so the same messages) as pyld's normalize.
        raise jsonld.JsonLdError(
            "Could not convert input to RDF dataset before normalization.", "jsonld.NormalizeError"
        ) from cause
    try:
        # RDFC-1.0 4.4: within the active budget (a verification's), else rdfc's default bounds.
        return rdfc.canonicalize(quads)
    except rdfc.TooComplex as exc:
        raise DocumentError(str(exc)) from exc


# --- the cyclic garbage collector -------------------------------------------------------------------
#
# Canonicalizing a CLR allocates hundreds of thousands of short-lived dicts, lists and tuples with no
# reference cycles: reference counting frees them all. The cyclic collector would still run its
# generation-2 passes over the whole heap (processed contexts, the caches, the caller's objects) many
# times during one canonicalization, which makes a CLR's time grow faster than its size. It is paused
# while any canonicalization runs and resumes, as it was, when the last one ends.

_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_resume = False


@contextlib.contextmanager
def _cyclic_gc_paused():
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


# --- room on the frame stack ------------------------------------------------------------------------
#
# CPython keeps Python frames in chunks of 16 KB and (3.11 here; fixed upstream in 2026, CPython
# gh-142183) frees a chunk as soon as its last frame returns: a recursion that keeps crossing a chunk
# boundary maps and unmaps memory on every call. pyld's expansion recurses about 1 KB per JSON level,
# so canonicalizing a CLR took up to three times as long depending on how deep its caller happened to
# be (gunicorn's request handling, say). A frame that asks for more room than a chunk holds starts a
# new chunk of twice its size: canonicalization runs in the room left after it, whatever the caller's
# depth.
_STACK_ROOM_SLOTS = 15_385  # 8-byte slots: a 256 KB chunk, about 136 KB of it left after this frame


def _call(function, *args):
    return function(*args)


_call_with_stack_room = types.FunctionType(
    _call.__code__.replace(co_stacksize=_call.__code__.co_stacksize + _STACK_ROOM_SLOTS), globals()
)


def canonize(document: dict, *, safe: bool = False) -> str:
    """Canonical N-Quads (RDFC-1.0) of a JSON-LD document.

    safe=True (signing and verifying) refuses what a proof would not cover: terms no context defines
    and relative IRI references, as jsonld.js's safe mode does. Bad input raises DocumentError or
    ContextError, never anything else.
    """
    if not isinstance(document, dict):
        raise DocumentError("A JSON-LD document must be a JSON object.")
    dropped: list | None = [] if safe else None
    relative: list | None = [] if safe else None
    try:
        # RDF-CANON: RDFC-1.0 is URDNA2015 under its published name; same algorithm and output.
        with _cyclic_gc_paused():
            result = _call_with_stack_room(
                _normalize,
                _processor(dropped),
                document,
                _options(algorithm="URDNA2015", format="application/n-quads"),
                relative,
            )
    except jsonld.JsonLdError as exc:
        _raise_from_pyld(exc, "canonicalized")
    except RecursionError:
        raise DocumentError("The document is nested too deeply to be canonicalized.") from None
    except (TypeError, KeyError, ValueError, AttributeError, IndexError) as exc:
        # pyld trips over some malformed input with a plain Python error (pyld 3.3.0: a node given
        # twice with the same @index); it is still the document's fault.
        raise DocumentError(f"The document could not be canonicalized as JSON-LD ({exc!r:.120}).") from exc
    if dropped:
        names = ", ".join(sorted({str(d) for d in dropped}))
        raise DocumentError(
            f"The document uses terms its JSON-LD contexts do not define ({names}); "
            "they would not be covered by a proof.",
            dropped=sorted({str(d) for d in dropped}),
        )
    if relative:
        names = ", ".join(sorted(set(relative))[:10])
        raise DocumentError(
            f"The document uses relative IRI references ({names}); they would not be covered by a proof.",
            relative=sorted(set(relative)),
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
