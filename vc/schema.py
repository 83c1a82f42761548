"""Validation against the bundled 1EdTech JSON Schemas (OB 3.0, CLR 2.0), offline.

The schemas are JSON Schema 2019-09 and are compiled once per kind. `$ref`s resolve through a
`referencing` Registry built from the bundled files only, so validation never touches the network.

The published schemas describe the VC 2.0 form of a credential. Open Badges 3.0 before 3.0.3 used
the VC 1.1 data model, and many such credentials are in use; `validate(..., data_model="1.1")`
checks one against the same schema with a rule-for-rule mapping, derived from the bundled file when
first needed (never a second copy of it):

- the first `@context` must be `https://www.w3.org/2018/credentials/v1` where the schema wants
  `https://www.w3.org/ns/credentials/v2` (the other context rules unchanged);
- `issuanceDate` is required where the schema requires `validFrom`, with validFrom's rules
  (a date-time), and `expirationDate` has validUntil's rules;
- an EndorsementCredential embedded anywhere in it is judged in the form its own first
  `@context` declares (VC 1.1 mapped, otherwise as published);
- every other rule (types, issuer Profile, credentialSubject, achievement, criteria, ...) is the
  schema's own. Only the Open Badges credential classes have this form: the CLR 2.0 schema's rules
  for contexts differ from CLR 2.0's own VC 1.1 form, so it is not guessed.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from vc.errors import SchemaError

# The validators (jsonschema-rs, jsonschema, referencing: ~5 MB) are imported when a first document is
# validated: a process that only reads credentials (the PDF worker) never loads them.
if TYPE_CHECKING:
    import jsonschema_rs
    from jsonschema import Draft201909Validator, FormatChecker
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

SCHEMA_DIR = Path(__file__).parent / "schemas"

# OB 3.0 / CLR 2.0 section 9 (Schema): one published schema per credential class.
SCHEMA_FILES: dict[str, str] = {
    "AchievementCredential": "ob_v3p0/ob_v3p0_achievementcredential_schema.json",
    "EndorsementCredential": "ob_v3p0/ob_v3p0_endorsementcredential_schema.json",
    "Profile": "ob_v3p0/ob_v3p0_profile_schema.json",
    "ClrCredential": "clr_v2p0/clr_v2p0_clrcredential_schema.json",
}

# The `$id` (purl URL) of each kind's schema, the value a credentialSchema entry points at.
SCHEMA_URLS: dict[str, str] = {}

KINDS = tuple(SCHEMA_FILES)

# OB 3.0 8.1: OpenBadgeCredential is an alias of AchievementCredential.
_TYPE_TO_KIND = {
    "ClrCredential": "ClrCredential",
    "AchievementCredential": "AchievementCredential",
    "OpenBadgeCredential": "AchievementCredential",
    "EndorsementCredential": "EndorsementCredential",
    "Profile": "Profile",
}

_WEAK = {"oneOf", "anyOf", "allOf"}

# The data models a credential may be checked in: "2.0" is the schema as published.
DATA_MODELS = ("2.0", "1.1")
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"

# OB 3.0 before 3.0.3, B.1.1 AchievementCredential and B.1.3 EndorsementCredential: the classes
# that were defined on VC 1.1.
VC11_KINDS = ("AchievementCredential", "EndorsementCredential")

# OB 3.0 (3.0.0-3.0.2) B.1.1: issuanceDate [1] and expirationDate [0..1], both DateTimeZ, are the
# VC 1.1 (4.6, 4.7) members that validFrom [1] and validUntil [0..1] (VC 2.0 4.9) replaced.
_VC11_MEMBERS = {"validFrom": "issuanceDate", "validUntil": "expirationDate"}

# A credential declares the VC 1.1 form by its first @context (VC 1.1 4.1).
_DECLARES_VC11 = {
    "required": ["@context"],
    "properties": {
        "@context": {
            "anyOf": [
                {"const": VC_V1_CONTEXT},
                {"type": "array", "minItems": 1, "items": [{"const": VC_V1_CONTEXT}]},
            ]
        }
    },
}


@dataclass(frozen=True)
class SchemaIssue:
    """One broken schema rule: JSON path (`$.a.b[0]`), the keyword broken, and a sentence for a person."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.rule})"


# RFC 3339 5.6 date-time (JSON Schema 2019-09 7.3.1 names RFC 3339 for "date-time").
_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$"
)


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # JSON Schema 2019-09 7.1: formats only constrain strings
    m = _DATE_TIME.match(value)
    if not m:
        return False
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    try:
        date(year, month, day)
    except ValueError:
        return False
    if hour > 23 or minute > 59 or second > 60:  # RFC 3339 5.7: leap second 60 allowed
        return False
    return m.group(9) is None or (int(m.group(9)) <= 23 and int(m.group(10)) <= 59)


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):  # RFC 3339 full-date
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker:
    from jsonschema import FormatChecker

    checker = FormatChecker()
    # jsonschema's own date-time check needs an optional package; this one is self-contained.
    checker.checks("date-time")(_is_date_time)
    checker.checks("date")(_is_date)
    return checker


def _no_network(uri: str):
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)


@cache
def _registry() -> Registry:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT201909

    resources = []
    for path in sorted(SCHEMA_DIR.glob("*/*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource(contents=contents, specification=DRAFT201909)))
    return Registry(retrieve=_no_network).with_resources(resources)


def _is_credential_class(node: object) -> bool:
    """Whether a schema node describes a credential (it has the VC 2.0 validFrom member)."""
    return (
        isinstance(node, dict)
        and isinstance(node.get("properties"), dict)
        and "validFrom" in node["properties"]
    )


def _vc11_context_rule(rule):
    """The @context rule with the VC 1.1 context wherever the VC 2.0 one is demanded."""
    if isinstance(rule, list):
        return [_vc11_context_rule(item) for item in rule]
    if not isinstance(rule, dict):
        return rule
    out = {key: _vc11_context_rule(value) for key, value in rule.items()}
    if isinstance(rule.get("enum"), list):
        out["enum"] = [VC_V1_CONTEXT if value == VC_V2_CONTEXT else value for value in rule["enum"]]
    return out


def _vc11_class(node: dict) -> dict:
    """One credential class's schema in the VC 1.1 form: same rules, VC 1.1 member names."""
    out = dict(node)
    properties = dict(node["properties"])
    if "@context" in properties:
        properties["@context"] = _vc11_context_rule(properties["@context"])
    for vc2_name, vc11_name in _VC11_MEMBERS.items():
        if vc2_name in properties:
            properties[vc11_name] = properties[vc2_name]
    out["properties"] = properties
    out["required"] = [_VC11_MEMBERS.get(name, name) for name in node.get("required", ())]
    return out


@cache
def _vc11_schema(kind: str) -> dict:
    """The published schema of `kind`, mapped onto the VC 1.1 form (see the module docstring)."""
    if kind not in VC11_KINDS:
        raise ValueError(
            f"{kind} has no VC 1.1 form to check; only {', '.join(VC11_KINDS)} were defined on VC 1.1"
        )
    published = json.loads((SCHEMA_DIR / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    mapped = _vc11_class(copy.deepcopy(published))
    # An embedded credential has its own @context, so it says which form it is in.
    mapped["$defs"] = {
        name: {"if": _DECLARES_VC11, "then": _vc11_class(node), "else": node}
        if _is_credential_class(node)
        else node
        for name, node in mapped.get("$defs", {}).items()
    }
    # Its own $id, so neither registry confuses it with the published schema.
    mapped["$id"] = "urn:clrportal:vc-1.1-form:" + published["$id"]
    return mapped


def _schema_for(kind: str, data_model: str) -> dict:
    if data_model == "1.1":
        return _vc11_schema(kind)
    return json.loads((SCHEMA_DIR / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))


@cache
def _fast_validator(kind: str, data_model: str = "2.0") -> jsonschema_rs.Draft201909Validator:
    """The same schema compiled by jsonschema-rs: a yes/no answer about 100x faster than the one below."""
    import jsonschema_rs

    resources = [
        (contents["$id"], contents)
        for contents in (
            json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMA_DIR.glob("*/*.json"))
        )
    ]
    return jsonschema_rs.Draft201909Validator(
        _schema_for(kind, data_model),
        registry=jsonschema_rs.Registry(resources),
        validate_formats=True,
        formats={"date-time": _is_date_time, "date": _is_date},
        retriever=_no_network,
    )


@cache
def _validator(kind: str, data_model: str = "2.0") -> Draft201909Validator:
    from jsonschema import Draft201909Validator

    return Draft201909Validator(
        _schema_for(kind, data_model), registry=_registry(), format_checker=_format_checker()
    )


def schema_url(kind: str) -> str:
    """The published `$id` URL of the schema for `kind` (for a credentialSchema entry)."""
    if kind not in SCHEMA_FILES:
        raise ValueError(f"unknown schema kind {kind!r}; known: {', '.join(KINDS)}")
    return _validator(kind).schema["$id"]


def _types(document: object) -> list[str]:
    if not isinstance(document, dict):
        return []
    value = document.get("type")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for t in value if isinstance(t, str)]
    return []


def kind_of(document: object) -> str | None:
    """The schema kind (AchievementCredential, ClrCredential, EndorsementCredential, Profile) or None."""
    types = _types(document)
    # CLR 2.0: a ClrCredential is checked against the CLR schema even if it lists other types too.
    for wanted in ("ClrCredential", "AchievementCredential", "OpenBadgeCredential", "EndorsementCredential"):
        if wanted in types:
            return _TYPE_TO_KIND[wanted]
    if "Profile" in types and "VerifiableCredential" not in types:
        return "Profile"
    return None


def json_path(parts) -> str:
    """Render a jsonschema path deque as JSONPath, e.g. `$.credentialSubject.result[0].value`."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _is_type_miss(error: ValidationError, depth: int) -> bool:
    if len(error.absolute_path) != depth:
        return False
    if error.validator == "type":
        return True
    if error.validator in ("oneOf", "anyOf") and error.context:
        return all(_is_type_miss(sub, depth) for sub in error.context)
    return False


def _branch_score(leaves: list[ValidationError], depth: int) -> tuple:
    # The most plausible oneOf/anyOf branch is the one that got furthest into the instance,
    # and that did not fail only because the value has the wrong JSON type at the top.
    deepest = max(len(e.absolute_path) for e in leaves) - depth
    type_only = all(_is_type_miss(e, depth) for e in leaves)
    return (not type_only, deepest, -len(leaves))


def _leaves(error: ValidationError) -> list[ValidationError]:
    """Descend from a weak (oneOf/anyOf/allOf) failure to the errors that explain it."""
    if error.validator not in _WEAK or not error.context:
        return [error]
    if error.validator == "allOf":
        return [leaf for sub in error.context for leaf in _leaves(sub)]
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
    depth = len(error.absolute_path)
    candidates = [[leaf for sub in subs for leaf in _leaves(sub)] for subs in branches.values()]
    best = max(candidates, key=lambda leaves: _branch_score(leaves, depth))
    if not _branch_score(best, depth)[0]:
        return [error]  # every branch is a type mismatch: report the value itself
    return best


def _expected_types(error: ValidationError) -> list[str]:
    found: list[str] = []
    for sub in error.context or ():
        if sub.validator == "type" and len(sub.absolute_path) == len(error.absolute_path):
            value = sub.validator_value
            for t in value if isinstance(value, list) else [value]:
                if t not in found:
                    found.append(t)
        elif sub.validator in _WEAK:
            found += [t for t in _expected_types(sub) if t not in found]
    return found


def _describe(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _issues_for(error: ValidationError) -> list[SchemaIssue]:
    path = json_path(error.absolute_path)
    rule = str(error.validator)
    if rule == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        missing = [p for p in error.validator_value if p not in instance]
        return [
            SchemaIssue(
                json_path([*error.absolute_path, name]), "required", f"'{name}' is required but missing"
            )
            for name in missing
        ]
    if rule == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        message = f"must be of JSON type {expected}, not {_describe(error.instance)}"
    elif rule == "format":
        message = f"{_describe(error.instance)} is not a valid {error.validator_value}"
    elif rule == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        message = f"{_describe(error.instance)} is not one of the allowed values ({allowed})"
    elif rule == "contains":
        wanted = error.validator_value.get("enum") if isinstance(error.validator_value, dict) else None
        if wanted:
            message = f"must include {' or '.join(repr(w) for w in wanted)}"
        else:
            message = "must include an item of the required shape"
    elif rule == "minItems":
        message = f"must have at least {error.validator_value} item(s), has {len(error.instance)}"
    elif rule == "pattern":
        message = f"{_describe(error.instance)} does not have the required form ({error.validator_value})"
    elif rule in _WEAK:
        expected = _expected_types(error)
        if expected:
            rule = "type"
            message = f"must be of JSON type {' or '.join(expected)}, not {_describe(error.instance)}"
        else:
            message = f"{_describe(error.instance)} does not match any allowed shape"
    elif rule == "additionalProperties":
        message = error.message.replace("Additional properties are not allowed", "unexpected members")
    else:
        message = error.message
    return [SchemaIssue(path, rule, message)]


def validate(document: object, kind: str | None = None, *, data_model: str = "2.0") -> list[SchemaIssue]:
    """Check `document` against its 1EdTech schema (data_model="1.1": its VC 1.1 form); [] when valid."""
    if data_model not in DATA_MODELS:
        raise ValueError(f"unknown VC data model {data_model!r}; known: {', '.join(DATA_MODELS)}")
    if kind is None:
        kind = kind_of(document)
        if kind is None:
            return [
                SchemaIssue(
                    "$.type",
                    "type",
                    "the document's type names none of AchievementCredential, OpenBadgeCredential, "
                    "ClrCredential, EndorsementCredential or Profile, so no 1EdTech schema applies",
                )
            ]
    elif kind not in SCHEMA_FILES:
        raise ValueError(f"unknown schema kind {kind!r}; known: {', '.join(KINDS)}")
    if data_model == "1.1" and kind not in VC11_KINDS:
        _vc11_schema(kind)  # raises ValueError naming the kinds that have a VC 1.1 form
    # Valid documents (nearly all) are settled by the fast validator; only a failing one is walked
    # again by jsonschema to name each path and rule broken.
    if _fast_validator(kind, data_model).is_valid(document):
        return []
    issues: list[SchemaIssue] = []
    seen: set[tuple[str, str, str]] = set()
    for error in _validator(kind, data_model).iter_errors(document):
        for leaf in _leaves(error):
            for issue in _issues_for(leaf):
                key = (issue.path, issue.rule, issue.message)
                if key not in seen:
                    seen.add(key)
                    issues.append(issue)
    issues.sort(key=lambda i: i.path)
    return issues


def ensure_valid(document: object, kind: str | None = None, *, data_model: str = "2.0") -> None:
    """Raise SchemaError (with `.issues`) unless `document` satisfies its 1EdTech schema."""
    issues = validate(document, kind, data_model=data_model)
    if issues:
        label = kind or kind_of(document) or "document"
        shown = "; ".join(str(i) for i in issues[:5])
        more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
        raise SchemaError(f"The {label} does not meet its 1EdTech schema: {shown}{more}", issues=issues)


def _fill_urls() -> None:
    for kind in SCHEMA_FILES:
        path = SCHEMA_DIR / SCHEMA_FILES[kind]
        SCHEMA_URLS[kind] = json.loads(path.read_text(encoding="utf-8"))["$id"]


_fill_urls()

__all__ = [
    "DATA_MODELS",
    "KINDS",
    "SCHEMA_URLS",
    "VC11_KINDS",
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "SchemaIssue",
    "ensure_valid",
    "json_path",
    "kind_of",
    "schema_url",
    "validate",
]
