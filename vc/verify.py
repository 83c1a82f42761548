"""Verify a credential (JSON-LD with a Data Integrity proof, or a VC-JWT) and say why, check by check.

Every concern is one `Check(name, status, message)`; status is "passed", "failed" or
"could_not_check" and the message is written for a person. Nothing here raises for bad input:
a hostile or broken document becomes a failed check. Keys, DID documents and status lists come
from the callables passed in; nothing is fetched here.

Check names, in order: well_formed, schema, proof, issuer_key, validity_period, status, and for a
credential that holds others (ClrCredential) nested_credentials.

Choices: an Open Badges credential in the VC 1.1 data model (OB 3.0 before 3.0.3) is checked against
the 1EdTech schema in its VC 1.1 form (vc.schema, data_model="1.1"); a VC 1.1 ClrCredential gets
schema "could_not_check", since the CLR schema describes the VC 2.0 form only; proof and key are
checked and reported either way.
"could_not_check" is used only when something could not be obtained (a DID document, a status list,
a key a JWT does not name, a key embedded in a JWT that nothing ties to the issuer); a malformed
did:key, a key missing from a resolved document or a key of another DID is "failed".
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vc import data_integrity, json_text, jwt, rdfc
from vc.did import Resolver, resolve_verification_method
from vc.errors import DocumentError, KeyMaterialError, ResolutionError, VcError
from vc.loader import BUNDLED_CONTEXTS
from vc.schema import VC11_KINDS, kind_of, validate
from vc.status import COULD_NOT_CHECK, NOT_REVOKED, REVOKED, SUSPENDED, check_status

PASSED = "passed"
FAILED = "failed"
COULD_NOT = "could_not_check"

VERIFIED = "verified"
NOT_VALID = "not_valid"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"

CHECK_NAMES = (
    "well_formed",
    "schema",
    "proof",
    "issuer_key",
    "validity_period",
    "status",
    "nested_credentials",
)

# RFC 7515 7.1: a compact JWS is three base64url segments separated by dots.
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_SCHEMA_ISSUES_SHOWN = 5


@dataclass(frozen=True)
class Limits:
    """Bounds on hostile input: serialized size, nesting depth, nested credentials in one CLR, and what
    canonicalization may cost (see vc.rdfc.Budget: quads and blank nodes per document, steps and
    processor seconds for the whole verification, nested credentials and status lists included)."""

    max_bytes: int = 2_000_000
    max_depth: int = 64
    max_nested: int = 1000
    # RDFC-1.0 4.4 (poison datasets). A portal-like CLR of 120 credentials: 13,500 quads, 2,200 blank
    # nodes, 50,000 steps and 0.5-0.8 s of processor time in all (a 2 MB one, about 3 times that).
    max_quads: int = 100_000
    # A genuine 2 MB CLR (the max_bytes) has about 6,600; more is a ring or clique of poison.
    max_blank_nodes: int = 10_000
    max_work: int = 300_000
    # A backstop, over twice what a genuine CLR of 120 credentials costs (poison is refused by the counts
    # and steps long before): at 1 s, such a CLR was refused on a busy machine.
    max_seconds: float = 2.0


def _within_limits(verify):
    """Run verify_credential under one canonicalization budget and processor-time deadline per request.

    The credentials nested in a CLR are verified by calling it again: they join the outer call's budget,
    and once the deadline has passed each is answered at once. A deterministic bound (quads, blank nodes,
    steps) refuses the document (its proof check fails); the deadline is "could not check".
    """

    @functools.wraps(verify)
    def within_limits(document_or_jwt, **options):
        limits = options.get("limits") or Limits()
        with rdfc.work_budget(
            steps=limits.max_work,
            seconds=limits.max_seconds,
            max_quads=limits.max_quads,
            max_blank_nodes=limits.max_blank_nodes,
        ) as budget:
            try:
                budget.check_deadline()
                return verify(document_or_jwt, **options)
            except rdfc.DeadlineExceeded as exc:
                summary = _summary(document_or_jwt) if isinstance(document_or_jwt, dict) else {}
                return VerificationResult([Check("proof", COULD_NOT, exc.reason)], summary)

    return within_limits


@dataclass(frozen=True)
class Check:
    """One concern: its name, "passed" | "failed" | "could_not_check", and a sentence for a person."""

    name: str
    status: str
    message: str
    details: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready form (details only when there are some)."""
        out = {"name": self.name, "status": self.status, "message": self.message}
        if self.details:
            out["details"] = list(self.details)
        return out


@dataclass
class VerificationResult:
    """The checks made on one credential, the credentials nested in it, and the overall verdict."""

    checks: list[Check]
    credential: dict = field(default_factory=dict)
    nested: list[VerificationResult] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """ "verified" if all checks pass (nested too), "not_valid" if any failed, else "could_not_check"."""
        statuses = [c.status for c in self.checks] + [
            {VERIFIED: PASSED, NOT_VALID: FAILED}.get(n.verdict, COULD_NOT) for n in self.nested
        ]
        if FAILED in statuses or not statuses:
            return NOT_VALID
        if COULD_NOT in statuses:
            return COULD_NOT
        return VERIFIED

    @property
    def verified(self) -> bool:
        """True only when the verdict is "verified"."""
        return self.verdict == VERIFIED

    def check(self, name: str) -> Check | None:
        """The check called `name`, or None when it was not made."""
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict:
        """JSON-ready form: verified, verdict, checks, credential (id, type, name, issuer), nested."""
        return {
            "verified": self.verified,
            "verdict": self.verdict,
            "checks": [c.to_dict() for c in self.checks],
            "credential": dict(self.credential),
            "nested": [n.to_dict() for n in self.nested],
        }


# --- input -------------------------------------------------------------------------------------


class _Refused(Exception):
    """Input that cannot be read as a credential; carries the well_formed message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _survey(document, max_depth: int) -> tuple[bool, list]:
    """(whether JSON nesting goes deeper than `max_depth`, every @context value in it): one iterative walk,
    so cycles and deep input are safe."""
    contexts: list = []
    stack = [(document, 1, False)]
    while stack:
        item, depth, in_context = stack.pop()
        if depth > max_depth:
            return True, contexts
        children = item.items() if isinstance(item, dict) else ((None, child) for child in item)
        for key, child in children:
            if key == "@context" and not in_context:
                contexts += _as_list(child)
            if isinstance(child, dict | list):
                stack.append((child, depth + 1, in_context or key == "@context"))
    return False, contexts


def _check_shape(document, limits: Limits) -> list:
    """The document's @context values, once its depth and size are known to be within the limits."""
    too_deep, contexts = _survey(document, limits.max_depth)
    if too_deep:
        raise _Refused(
            f"The document is nested more than {limits.max_depth} levels deep; it was not examined."
        )
    try:
        size = len(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        raise _Refused(f"The document is not plain JSON data ({exc}).") from exc
    if size > limits.max_bytes:
        raise _Refused(_too_large(size, limits))
    return contexts


def _too_large(size: int, limits: Limits) -> str:
    return f"The document is {size:,} bytes, over the {limits.max_bytes:,}-byte limit; it was not examined."


def _read(document_or_jwt, limits: Limits) -> tuple[dict, str | None, list]:
    """(credential, VC-JWT token or None, its @context values) from a dict, JSON text/bytes or a compact
    JWS string."""
    value = document_or_jwt
    if isinstance(value, bytes | bytearray):
        if len(value) > limits.max_bytes:
            raise _Refused(_too_large(len(value), limits))
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Refused("The input is not UTF-8 text, so it is neither JSON nor a VC-JWT.") from exc
    if isinstance(value, str):
        if len(value.encode("utf-8")) > limits.max_bytes:
            raise _Refused(_too_large(len(value.encode("utf-8")), limits))
        text = value.strip()
        if _COMPACT_JWS.match(text):
            try:
                _, claims, _, _ = jwt.decode_unverified(text)
            except VcError as exc:
                raise _Refused(f"The input looks like a VC-JWT but cannot be read: {exc.reason}") from exc
            credential = claims.get("vc")
            # OB 3.0 8.2.4.2: the credential travels in the `vc` claim.
            if not isinstance(credential, dict):
                raise _Refused("The VC-JWT has no `vc` claim holding a credential object.")
            return credential, text, _check_shape(credential, limits)
        try:
            value = json_text.loads(text, max_depth=limits.max_depth)
        except DocumentError as exc:
            raise _Refused(f"The input is neither JSON nor a VC-JWT: {exc.reason}") from exc
    if not isinstance(value, dict):
        raise _Refused("A credential must be a JSON object; this input is not one.")
    return value, None, _check_shape(value, limits)


# --- helpers -----------------------------------------------------------------------------------


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(document: dict) -> list[str]:
    return [t for t in _as_list(document.get("type")) if isinstance(t, str)]


def _summary(document: dict) -> dict:
    name = document.get("name")
    if isinstance(name, dict):  # a JSON-LD language map / value object
        name = name.get("@value")
    return {
        "id": document.get("id") if isinstance(document.get("id"), str) else None,
        "type": _types(document),
        "name": name if isinstance(name, str) else None,
        "issuer": data_integrity.issuer_id(document),
    }


def _contexts(document) -> list:
    """Every @context value anywhere in the document (iteratively)."""
    found, stack = [], [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if key == "@context":
                    found += _as_list(child)
                else:
                    stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _is_legacy(document: dict) -> bool:
    first = _as_list(document.get("@context"))[:1]
    return first == [VC_V1]


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        raise ValueError(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _now(now) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if isinstance(now, str):
        return _parse_time(now)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


class _MemoResolver:
    """Resolve each id once per verification and remember which resolutions failed and why."""

    def __init__(self, resolver: Resolver):
        self._resolver = resolver
        self._cache: dict[str, dict | Exception] = {}
        self.failures: dict[str, Exception] = {}

    def __call__(self, identifier: str) -> dict:
        if identifier not in self._cache:
            try:
                self._cache[identifier] = self._resolver(identifier)
            except Exception as exc:
                self._cache[identifier] = exc
                self.failures[identifier] = exc
        value = self._cache[identifier]
        if isinstance(value, Exception):
            if isinstance(value, VcError):
                raise value
            raise ResolutionError(f"Could not resolve {identifier}: {type(value).__name__}")
        return value


def _unavailable(identifier: str, exc: Exception) -> bool:
    """Whether a failed resolution means "could not get it" rather than "it does not exist"."""
    if not isinstance(exc, ResolutionError):
        return False
    # did:key 0.7: a did:key resolves offline from the identifier itself; failing means it is malformed.
    return not identifier.startswith("did:key:z6Mk")


def _reason(exc: Exception) -> str:
    return exc.reason if isinstance(exc, VcError) else type(exc).__name__


# --- the checks --------------------------------------------------------------------------------


def _check_well_formed(document: dict, token: str | None, every_context: list) -> Check:
    problems = []
    types = _types(document)
    # VC 2.0 4.5: type must include VerifiableCredential.
    if "VerifiableCredential" not in types:
        problems.append("its type does not include VerifiableCredential")
    # VC 2.0 4.7: issuer is required, a URL or an object with an id.
    if not data_integrity.issuer_id(document):
        problems.append("it names no issuer")
    # VC 2.0 4.8: credentialSubject is required.
    if not isinstance(document.get("credentialSubject"), dict | list) or not document.get(
        "credentialSubject"
    ):
        problems.append("it has no credentialSubject")
    contexts = _as_list(document.get("@context"))
    # VC 2.0 4.3: the first @context is .../ns/credentials/v2 (VC 1.1 4.1: .../2018/credentials/v1).
    if not contexts or contexts[0] not in (VC_V2, VC_V1):
        problems.append(f"its first @context is neither {VC_V2} (VC 2.0) nor {VC_V1} (VC 1.1)")
    # VC 1.1 4.6: a VC 1.1 credential MUST have an issuanceDate (VC 1.1 6.3.1: a JWT's nbf gives it).
    elif (
        contexts[0] == VC_V1
        and "issuanceDate" not in document
        and (token is None or "nbf" not in jwt.decode_unverified(token)[1])
    ):
        problems.append("it is a VC 1.1 credential without the issuanceDate that VC 1.1 requires")
    # Only bundled contexts are used: a remote context could change what the signed terms mean.
    unknown = sorted(
        {c for c in every_context if isinstance(c, str) and c.split("#", 1)[0] not in BUNDLED_CONTEXTS}
    )
    unknown += sorted({"(not a URL or object)" for c in every_context if not isinstance(c, str | dict)})
    if unknown:
        problems.append(
            "it uses JSON-LD contexts this verifier does not hold and will not fetch: "
            + ", ".join(unknown[:5])
        )
    if problems:
        return Check("well_formed", FAILED, "The credential is not well formed: " + "; ".join(problems) + ".")
    form = "VC-JWT" if token else "JSON-LD document"
    return Check("well_formed", PASSED, f"The credential is a well-formed {form} with known contexts.")


def _check_schema(document: dict) -> Check:
    kind = kind_of(document)
    if kind is None:
        return Check(
            "schema",
            PASSED,
            "No 1EdTech schema applies to this type of credential; only the general checks apply.",
        )
    data_model, form = "2.0", ""
    if _is_legacy(document):
        if kind not in VC11_KINDS:
            # CLR 2.0 section 9: the published schema describes the VC 2.0 form (validFrom, ...) only.
            return Check(
                "schema",
                COULD_NOT,
                f"This {kind} uses the older VC 1.1 data model; the 1EdTech {kind} schema describes "
                "the VC 2.0 form only, so its structure was not checked against it.",
            )
        # OB 3.0 before 3.0.3, B.1.1 / B.1.3: the same rules on the VC 1.1 form (see vc.schema).
        data_model = "1.1"
        form = " in its VC 1.1 form (issuanceDate and expirationDate for validFrom and validUntil)"
    issues = validate(document, kind, data_model=data_model)
    if not issues:
        return Check("schema", PASSED, f"The credential meets the 1EdTech {kind} schema{form}.")
    shown = tuple(f"{i.path}: {i.message} ({i.rule})" for i in issues[:_SCHEMA_ISSUES_SHOWN])
    more = f" and {len(issues) - len(shown)} more" if len(issues) > len(shown) else ""
    return Check(
        "schema",
        FAILED,
        f"The credential does not meet the 1EdTech {kind} schema{form} ({len(issues)} issue(s)): "
        + "; ".join(shown)
        + more
        + ".",
        shown,
    )


def _verification_methods(document: dict) -> list:
    methods = []
    for proof in _as_list(document.get("proof")):
        vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
        methods.append(vm.get("id") if isinstance(vm, dict) else vm)
    return methods


def _check_key(vm_id, issuer: str | None, resolver: _MemoResolver, now: datetime) -> Check:
    """issuer_key for one verification method: listed by the issuer's DID document for assertions."""
    if not isinstance(vm_id, str) or not vm_id:
        return Check("issuer_key", FAILED, "The proof does not say which key signed it.")
    controller = vm_id.split("#", 1)[0]
    # OB 3.0 8.3 / VC 2.0 4.7: the key must belong to the issuer (its controller is the issuer).
    if issuer and controller != issuer:
        return Check(
            "issuer_key",
            FAILED,
            f"The credential was signed with a key of {controller}, not of its issuer {issuer}.",
        )
    try:
        method = resolve_verification_method(vm_id, resolver=resolver)
    except VcError as exc:
        if _unavailable(controller, resolver.failures.get(controller, exc)) and not isinstance(
            exc, KeyMaterialError
        ):
            return Check(
                "issuer_key",
                COULD_NOT,
                f"The issuer's DID document ({controller}) could not be obtained, so its key could not "
                f"be checked: {exc.reason}",
            )
        return Check("issuer_key", FAILED, f"The signing key is not one the issuer publishes: {exc.reason}")
    # VC-DI 2.0 4.2 'Retrieve Verification Method': the key must be listed for the proof purpose.
    if "assertionMethod" not in method.purposes:
        return Check(
            "issuer_key",
            FAILED,
            f"The key {vm_id} is not listed by {controller} as a key for issuing credentials "
            "(assertionMethod).",
        )
    # CID 1.0 2.2: a verification method with `revoked` in the past must not be used any more.
    revoked_at = _vm_revoked(resolver, controller, method.id)
    if revoked_at is not None and revoked_at <= now:
        return Check(
            "issuer_key",
            FAILED,
            f"The issuer marked the key {vm_id} as compromised or retired ({revoked_at}).",
        )
    return Check(
        "issuer_key",
        PASSED,
        f"The signing key is listed by the issuer ({controller}) for issuing credentials.",
    )


def _vm_revoked(resolver: _MemoResolver, controller: str, vm_id: str) -> datetime | None:
    try:
        document = resolver(controller)
    except VcError:
        return None
    for method in _as_list(document.get("verificationMethod")):
        if not isinstance(method, dict) or "revoked" not in method:
            continue
        method_id = method.get("id")
        method_id = (
            controller + method_id if isinstance(method_id, str) and method_id.startswith("#") else method_id
        )
        if method_id == vm_id:
            try:
                return _parse_time(method["revoked"])
            except ValueError:
                return datetime.min.replace(tzinfo=UTC)
    return None


def _combine_keys(checks: list[Check]) -> Check:
    for status in (FAILED, COULD_NOT):
        for check in checks:
            if check.status == status:
                return check
    if not checks:
        return Check("issuer_key", COULD_NOT, "No proof names a key, so whose key signed it is unknown.")
    return checks[0]


def _ld_proof(document: dict, resolver: _MemoResolver) -> Check:
    if not _as_list(document.get("proof")):
        return Check(
            "proof",
            FAILED,
            "The credential carries no proof, so nothing shows who issued it or that it is unchanged.",
        )
    # VC-DI 2.0 4.4 'Verify Proof' (eddsa-rdfc-2022 / legacy Ed25519Signature2020): signature only;
    # who controls the key is the issuer_key check.
    result = data_integrity.verify(document, resolver=resolver, check_issuer=False)
    if result.ok:
        return Check("proof", PASSED, "The signature matches the credential's content.")
    return _proof_failure(result.reason, result.verification_method, resolver)


def _proof_failure(reason: str, vm_id: str | None, resolver: _MemoResolver) -> Check:
    controller = vm_id.split("#", 1)[0] if isinstance(vm_id, str) else None
    failure = resolver.failures.get(controller) if controller else None
    if failure is not None and _unavailable(controller, failure):
        return Check(
            "proof",
            COULD_NOT,
            f"The signature could not be checked because the signing key could not be obtained: "
            f"{_reason(failure)}",
        )
    if "does not match" in reason:
        return Check(
            "proof",
            FAILED,
            "The signature does not match the credential's content: it was changed after it was "
            "signed, or signed with another key.",
        )
    return Check("proof", FAILED, f"The proof is not valid: {reason}")


def _jwt_proof_and_key(
    token: str, credential: dict, resolver: _MemoResolver, now: datetime
) -> tuple[Check, Check]:
    header, claims, _, _ = jwt.decode_unverified(token)
    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        key = _check_key(kid, claims.get("iss") or data_integrity.issuer_id(credential), resolver, now)
        _, result = jwt.decode_and_verify(token, resolver=resolver, check_issuer=False)
        if result.ok:
            return Check("proof", PASSED, "The signature matches the credential's content."), key
        return _proof_failure(result.reason, kid, resolver), key
    if isinstance(header.get("jwk"), dict):
        # OB 3.0 8.2.4.1 allows the key in a `jwk` header; nothing in the token ties it to the issuer.
        _, result = jwt.decode_and_verify(
            token, resolver=resolver, allow_embedded_jwk=True, check_issuer=False
        )
        key = Check(
            "issuer_key",
            COULD_NOT,
            "The token carries its own key (a jwk header); nothing shows that this key belongs to "
            "the issuer.",
        )
        if result.ok:
            return (
                Check(
                    "proof",
                    PASSED,
                    "The signature matches the credential's content (checked with the key "
                    "embedded in the token).",
                ),
                key,
            )
        return _proof_failure(result.reason, None, resolver), key
    # OB 3.0 8.2.4.1: without kid or jwk the key would have to be looked up at the issuer.
    return (
        Check(
            "proof",
            COULD_NOT,
            "The token names no key (no kid or jwk header), so its signature could not be checked here.",
        ),
        Check("issuer_key", COULD_NOT, "The token does not say which of the issuer's keys signed it."),
    )


# (member, which end of the validity period it bounds): VC 2.0 4.9 and VC 1.1 4.6-4.7.
_VALIDITY_MEMBERS = (
    ("validFrom", "start"),
    ("issuanceDate", "start"),
    ("validUntil", "end"),
    ("expirationDate", "end"),
)


def _check_validity(document: dict, token: str | None, now: datetime) -> Check:
    # VC 2.0 4.9: validFrom / validUntil; VC 1.1 4.6-4.7: issuanceDate / expirationDate. A credential
    # carrying members of both forms is bound by all of them: the latest start, the earliest end.
    bounds: dict[str, list[datetime]] = {"start": [], "end": []}
    for name, bound in _VALIDITY_MEMBERS:
        if name in document:
            try:
                bounds[bound].append(_parse_time(document[name]))
            except (ValueError, TypeError):
                return Check(
                    "validity_period",
                    FAILED,
                    f"The credential's {name} is not a valid date-time: {str(document[name])[:60]!r}.",
                )
    start = max(bounds["start"], default=None)
    end = min(bounds["end"], default=None)
    if token is not None:
        _, claims, _, _ = jwt.decode_unverified(token)
        # RFC 7519 4.1.4-4.1.5 / OB 3.0 8.2.4.2: exp and nbf bound the token as well.
        for name in ("nbf", "exp"):
            value = claims.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                moment = datetime.fromtimestamp(value, UTC)
                if name == "nbf":
                    start = moment if start is None else max(start, moment)
                else:
                    end = moment if end is None else min(end, moment)
    if start is not None and now < start:
        return Check("validity_period", FAILED, f"The credential is not valid until {start.isoformat()}.")
    if end is not None and now > end:
        return Check("validity_period", FAILED, f"The credential expired on {end.isoformat()}.")
    if end is not None:
        return Check(
            "validity_period",
            PASSED,
            f"The credential is within its validity period (until {end.isoformat()}).",
        )
    return Check("validity_period", PASSED, "The credential is valid now; it has no expiry date.")


def _check_status(
    document: dict, fetch_status: Callable[[str], dict] | None, resolver: _MemoResolver, now: datetime
) -> Check:
    entries = _as_list(document.get("credentialStatus"))
    if not entries:
        return Check(
            "status",
            PASSED,
            "The issuer offers no status (revocation) list for this credential, so there is none to consult.",
        )
    if fetch_status is None:
        where = ", ".join(
            f"{e.get('type')} at {e.get('statusListCredential') or e.get('id')}"
            for e in entries
            if isinstance(e, dict)
        )
        return Check(
            "status",
            COULD_NOT,
            f"The credential has a status list ({where or 'unreadable entry'}), but it could not be "
            "consulted here, so whether it was revoked is not known.",
        )

    def verify_list(list_credential: dict) -> bool:
        # BSL 1.0 3.2 step 4: the status list credential must itself verify.
        return data_integrity.verify(list_credential, resolver=resolver).ok

    result = check_status(document, fetch=fetch_status, verify_list=verify_list, now=now)
    if result.state == REVOKED:
        return Check("status", FAILED, f"The credential was revoked by its issuer. {result.message}")
    if result.state == SUSPENDED:
        return Check("status", FAILED, f"The credential is suspended by its issuer. {result.message}")
    if result.state == COULD_NOT_CHECK:
        return Check("status", COULD_NOT, result.message)
    assert result.state == NOT_REVOKED
    return Check("status", PASSED, f"The credential has not been revoked. {result.message}")


def _guard(name: str, compute) -> Check:
    """Run one check; an unexpected error becomes "could not check", never an exception trace."""
    try:
        return compute()
    except Exception as exc:
        return Check(name, COULD_NOT, f"This check could not be completed ({type(exc).__name__}).")


def _nested_items(document: dict) -> list | None:
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or "verifiableCredential" not in subject:
        return None
    return _as_list(subject.get("verifiableCredential"))


def _label(result: VerificationResult, index: int) -> str:
    info = result.credential
    return info.get("name") or info.get("id") or f"credential #{index + 1}"


# Why a nested credential is not valid, said of it ("1 of 43 credentials inside is <cause>").
_CAUSES = {
    "well_formed": "not a well-formed credential",
    "schema": "not in the Open Badges / CLR format",
    "proof": "altered or wrongly signed (its signature does not match)",
    "issuer_key": "signed with a key its issuer does not vouch for",
    "validity_period": "outside its validity period",
    "nested_credentials": "a record holding credentials that do not verify",
}


def failure_cause(result: VerificationResult) -> str:
    """Why a not-valid result is not valid, in a few words: "suspended", "revoked", "expired", ..."""
    failed = next((c for c in result.checks if c.status == FAILED), None)
    if failed is None:
        return "not valid"
    text = failed.message.lower()
    if failed.name == "status":
        return "suspended" if "suspend" in text else "revoked"
    if failed.name == "proof" and "too complex to check" in text:
        return "too complex to check"
    if failed.name == "validity_period":
        if "expired" in text:
            return "expired"
        if "not valid until" in text:
            return "not yet valid"
    return _CAUSES.get(failed.name, "not valid")


def _names(labels: list[str]) -> str:
    shown = ", ".join(labels[:5])
    return shown + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")


def nested_summary(results: list[VerificationResult]) -> Check:
    """The nested_credentials check from the results of the credentials inside, naming each cause."""
    total = len(results)
    of = f"of {total} credential{'s' if total != 1 else ''} inside"
    failed: dict[str, list[str]] = {}
    for index, result in enumerate(results):
        if result.verdict == NOT_VALID:
            failed.setdefault(failure_cause(result), []).append(_label(result, index))
    if failed:
        count = sum(len(labels) for labels in failed.values())
        if len(failed) == 1:
            [(cause, labels)] = failed.items()
            verb = "is" if count == 1 else "are"
            message = f"{count} {of} {verb} {cause}: {_names(labels)}."
        else:
            parts = [
                f"{len(labels)} {'is' if len(labels) == 1 else 'are'} {cause} ({_names(labels)})"
                for cause, labels in failed.items()
            ]
            message = f"{count} {of} do not verify: " + "; ".join(parts) + "."
        return Check("nested_credentials", FAILED, message)
    unsure = [_label(r, i) for i, r in enumerate(results) if r.verdict == COULD_NOT]
    if unsure:
        return Check(
            "nested_credentials",
            COULD_NOT,
            f"{len(unsure)} {of} could not be fully checked: {_names(unsure)}.",
        )
    return Check("nested_credentials", PASSED, f"All {total} credentials inside verify.")


def _verify_nested(
    items: list, *, resolver: Resolver, fetch_status, extra_status, now: datetime, limits: Limits
) -> tuple[Check, list[VerificationResult]]:
    # CLR 2.0 4.2 ClrSubject.verifiableCredential: each is a credential in its own right.
    if len(items) > limits.max_nested:
        return (
            Check(
                "nested_credentials",
                FAILED,
                f"The credential holds {len(items):,} credentials, over the limit of {limits.max_nested:,}; "
                "they were not examined.",
            ),
            [],
        )
    budget = rdfc.active_budget()
    if budget is not None and budget.used_up:
        # The outer document used up the canonicalization steps: every proof inside would be refused
        # at once too, so examining them would only spend time on an answer already known.
        return (
            Check(
                "nested_credentials",
                FAILED,
                f"The {len(items):,} credentials inside were not examined: the credential is too complex to "
                "check.",
            ),
            [],
        )
    results = [
        _verify_nested_credential(
            item,
            resolver=resolver,
            fetch_status=fetch_status,
            extra_status=extra_status,
            now=now,
            limits=limits,
        )
        for item in items
    ]
    return nested_summary(results), results


@_within_limits
def verify_credential(
    document_or_jwt,
    *,
    resolver: Resolver,
    fetch_status: Callable[[str], dict] | None = None,
    extra_status: Callable[[dict], Check | None] | None = None,
    now: datetime | str | None = None,
    limits: Limits = Limits(),
) -> VerificationResult:
    """Verify a credential (dict, JSON text/bytes or VC-JWT), reporting each check; bad input never raises.

    `extra_status(document)` may answer a failed "status" Check that no status list shows (a portal's
    own suspension records); it is asked at every nesting level when the status check passed, before
    the nested_credentials summary is made. None keeps the status check as it is.
    """
    try:
        moment = _now(now)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"`now` is not a date-time: {now!r}") from exc
    try:
        document, token, contexts = _read(document_or_jwt, limits)
    except _Refused as exc:
        return VerificationResult([Check("well_formed", FAILED, exc.message)])
    except Exception as exc:
        return VerificationResult(
            [Check("well_formed", FAILED, f"The input could not be read ({type(exc).__name__}).")]
        )
    return _verify(
        document,
        token,
        contexts,
        resolver=resolver,
        fetch_status=fetch_status,
        extra_status=extra_status,
        moment=moment,
        limits=limits,
    )


@_within_limits
def _verify_nested_credential(item, *, now: datetime, **options) -> VerificationResult:
    """A credential inside another, in the outer's budget. A JSON object there is not read again: it is
    part of a document whose depth and size were checked."""
    if not isinstance(item, dict):  # a VC-JWT, or not a credential at all
        return verify_credential(item, now=now, **options)
    return _verify(item, None, _contexts(item), moment=now, **options)


def _verify(
    document: dict,
    token: str | None,
    contexts: list,
    *,
    resolver: Resolver,
    fetch_status,
    extra_status,
    moment: datetime,
    limits: Limits,
) -> VerificationResult:
    """Every check of a credential that was read: `contexts` are its @context values."""
    memo = _MemoResolver(resolver)
    checks = [
        _guard("well_formed", lambda: _check_well_formed(document, token, contexts)),
        _guard("schema", lambda: _check_schema(document)),
    ]
    if token is None:
        proof = _guard("proof", lambda: _ld_proof(document, memo))
        issuer = data_integrity.issuer_id(document)
        key = _guard(
            "issuer_key",
            lambda: _combine_keys(
                [_check_key(vm, issuer, memo, moment) for vm in _verification_methods(document)]
            ),
        )
    else:
        try:
            proof, key = _jwt_proof_and_key(token, document, memo, moment)
        except Exception as exc:
            proof = Check("proof", FAILED, f"The token's signature could not be checked ({_reason(exc)}).")
            key = Check("issuer_key", COULD_NOT, "The token's key could not be examined.")
    checks += [
        proof,
        key,
        _guard("validity_period", lambda: _check_validity(document, token, moment)),
        _guard("status", lambda: _check_status(document, fetch_status, memo, moment)),
    ]
    if extra_status is not None and checks[-1].status == PASSED:
        extra = _guard("status", lambda: extra_status(document))
        if extra is not None:
            checks[-1] = extra
    nested: list[VerificationResult] = []
    items = _nested_items(document)
    if items is not None:
        summary, nested = _verify_nested(
            items,
            resolver=resolver,
            fetch_status=fetch_status,
            extra_status=extra_status,
            now=moment,
            limits=limits,
        )
        checks.append(summary)
    return VerificationResult(checks, _summary(document), nested)


__all__ = [
    "CHECK_NAMES",
    "COULD_NOT",
    "FAILED",
    "NOT_VALID",
    "PASSED",
    "VERIFIED",
    "Check",
    "Limits",
    "VerificationResult",
    "failure_cause",
    "nested_summary",
    "verify_credential",
]
