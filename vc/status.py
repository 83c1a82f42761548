"""Credential status: W3C Bitstring Status List v1.0, StatusList2021 and the 1EdTech Revocation List.

The core never fetches anything itself: `check_status` is given a `fetch(url) -> dict` callable.
A list that cannot be had, or that is malformed, yields "could not check", never "not revoked".
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from vc.errors import ResolutionError, StatusError, VcError

# BSL 3.1 (Bitstring Generation): a list has at least 131,072 entries (16 KiB), for herd privacy.
MIN_ENTRIES = 131_072
# Upper bound on an expanded list (bits), so a hostile GZIP cannot exhaust memory: 16 MiB of bytes.
MAX_ENTRIES = 16 * 1024 * 1024 * 8

PURPOSES = ("revocation", "suspension")

REVOKED = "revoked"
SUSPENDED = "suspended"
NOT_REVOKED = "not revoked"
COULD_NOT_CHECK = "could not check"

State = Literal["revoked", "suspended", "not revoked", "could not check"]

BITSTRING_ENTRY = "BitstringStatusListEntry"
STATUS_LIST_2021_ENTRY = "StatusList2021Entry"
REVOCATION_LIST_1EDTECH = "1EdTechRevocationList"

# BSL 2.2 / StatusList2021 2.2: the list credential and its subject carry these types.
_LIST_TYPES = {
    BITSTRING_ENTRY: ("BitstringStatusListCredential", "BitstringStatusList"),
    STATUS_LIST_2021_ENTRY: ("StatusList2021Credential", "StatusList2021"),
}


class BitstringStatusList:
    """A W3C Bitstring Status List: one bit per credential, index 0 the left-most bit of byte 0."""

    def __init__(self, size: int = MIN_ENTRIES, *, minimum: int = MIN_ENTRIES):
        if size < minimum:
            raise StatusError(
                f"A status list needs at least {minimum:,} entries so that no credential stands out; "
                f"{size:,} were asked for."
            )
        if size % 8:
            raise StatusError(f"A status list size must be a whole number of bytes; {size:,} bits is not.")
        if size > MAX_ENTRIES:
            raise StatusError(f"A status list of {size:,} entries is larger than this system accepts.")
        self._bits = bytearray(size // 8)

    @property
    def size(self) -> int:
        """The number of entries (bits) in the list."""
        return len(self._bits) * 8

    def __len__(self) -> int:
        return self.size

    def _locate(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int):
            raise StatusError(f"A status list index must be a whole number, not {index!r}.")
        if not 0 <= index < self.size:
            # BSL 3.2 step 10: an index outside the bitstring is a RANGE_ERROR.
            raise StatusError(f"Index {index:,} is outside this status list of {self.size:,} entries.")
        # BSL 3.1: bits are numbered left to right; index 0 is the left-most (most significant) bit.
        return index // 8, 0x80 >> (index % 8)

    def get(self, index: int) -> bool:
        """True when the entry at `index` is set (revoked or suspended, per the list's purpose)."""
        byte, mask = self._locate(index)
        return bool(self._bits[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        """Set (True) or clear (False) the entry at `index`."""
        byte, mask = self._locate(index)
        if value:
            self._bits[byte] |= mask
        else:
            self._bits[byte] &= ~mask & 0xFF

    def set_indices(self) -> Iterator[int]:
        """Every index whose bit is set, in ascending order."""
        for byte_index, byte in enumerate(self._bits):
            if byte:
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        yield byte_index * 8 + bit

    def to_bytes(self) -> bytes:
        """The raw (uncompressed) bitstring."""
        return bytes(self._bits)

    def encode(self) -> str:
        """The `encodedList` value: GZIP, base64url without padding, multibase prefix 'u'."""
        # BSL 3.1: compress with GZIP (RFC 1952), then multibase base64url (no padding), prefix "u".
        # mtime=0 keeps the encoding deterministic for identical lists.
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def from_bytes(cls, raw: bytes, *, minimum: int = MIN_ENTRIES) -> BitstringStatusList:
        """A list over the given raw bitstring bytes."""
        size = len(raw) * 8
        if size < minimum:
            # BSL 3.2 step 9: fewer than the minimum number of entries is a STATUS_LIST_LENGTH_ERROR.
            raise StatusError(
                f"The status list has {size:,} entries, fewer than the {minimum:,} the spec requires."
            )
        bsl = cls.__new__(cls)
        bsl._bits = bytearray(raw)
        return bsl

    @classmethod
    def decode(cls, encoded: str, *, minimum: int = MIN_ENTRIES) -> BitstringStatusList:
        """Expand an `encodedList` ('u' + base64url GZIP; the un-prefixed StatusList2021 form is accepted)."""
        if not isinstance(encoded, str) or not encoded:
            raise StatusError("The status list's encodedList is missing or not text.")
        # BSL 3.2 (Bitstring Expansion): multibase-decode, then GZIP-decompress.
        # StatusList2021 2.3 used plain base64url without the multibase "u"; its GZIP data starts "H4sI".
        body = encoded[1:] if encoded.startswith("u") else encoded
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:
            raise StatusError("The status list's encodedList is not valid base64url.") from exc
        return cls.from_bytes(_gunzip(compressed), minimum=minimum)


def _gunzip(data: bytes) -> bytes:
    limit = MAX_ENTRIES // 8
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # RFC 1952 GZIP framing
        out = inflater.decompress(data, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise StatusError("The status list expands to more than this system accepts.")
        out += inflater.flush()
        if not inflater.eof:
            raise StatusError("The status list's GZIP data is truncated.")
    except zlib.error as exc:
        raise StatusError("The status list's encodedList is not GZIP data.") from exc
    return out


def status_entry(
    *, list_url: str, index: int, purpose: str = "revocation", entry_id: str | None = None
) -> dict:
    """A `BitstringStatusListEntry` for a credential at `index` of the list credential at `list_url`."""
    if purpose not in PURPOSES:
        raise StatusError(f"Unknown status purpose {purpose!r}; use one of {', '.join(PURPOSES)}.")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise StatusError(f"A status list index must be a non-negative whole number, not {index!r}.")
    # BSL 2.1: statusListIndex is a string holding an integer; id is optional but conventionally url#index.
    return {
        "id": entry_id or f"{list_url}#{index}",
        "type": BITSTRING_ENTRY,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


@dataclass(frozen=True)
class StatusCheck:
    """Outcome of a status check: `state` and a plain-language `message`; `entries` per credentialStatus."""

    state: State
    message: str
    method: str | None = None
    entries: tuple[StatusCheck, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True only when the status was checked and the credential is neither revoked nor suspended."""
        return self.state == NOT_REVOKED


Fetch = Callable[[str], dict]


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(value) -> list[str]:
    return [t for t in _as_list(value) if isinstance(t, str)]


def _could_not(message: str, method: str | None) -> StatusCheck:
    return StatusCheck(
        COULD_NOT_CHECK, f"Could not check whether this credential was revoked: {message}", method
    )


def _fetch(fetch: Fetch, url: str, what: str, method: str) -> dict | StatusCheck:
    try:
        document = fetch(url)
    except ResolutionError as exc:
        return _could_not(f"the {what} at {url} could not be fetched ({exc.reason}).", method)
    except VcError as exc:
        return _could_not(f"the {what} at {url} could not be used ({exc.reason}).", method)
    except Exception as exc:  # a fetcher's own failure must not read as "not revoked"
        return _could_not(f"fetching the {what} at {url} failed ({type(exc).__name__}).", method)
    if not isinstance(document, dict):
        return _could_not(f"the {what} at {url} is not a JSON object.", method)
    return document


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_bitstring(
    entry: dict, *, fetch: Fetch, verify_list: Callable[[dict], bool] | None, now: datetime
) -> StatusCheck:
    method = entry.get("type") if isinstance(entry.get("type"), str) else BITSTRING_ENTRY
    credential_type, subject_type = _LIST_TYPES[method]
    purpose = entry.get("statusPurpose")
    if purpose not in PURPOSES:
        # BSL 2.1: statusPurpose may be e.g. "refresh" or "message"; they say nothing about revocation.
        return StatusCheck(
            NOT_REVOKED,
            f"This status entry has purpose {purpose!r}, which does not concern revocation.",
            method,
        )
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        return _could_not("the status entry does not name its statusListCredential.", method)
    raw_index = entry.get("statusListIndex")
    # BSL 2.1: statusListIndex is an integer written as a string; integers are accepted as issued in the wild.
    if isinstance(raw_index, bool) or not (
        (isinstance(raw_index, int) and raw_index >= 0)
        or (isinstance(raw_index, str) and re.fullmatch(r"[0-9]{1,12}", raw_index) is not None)
    ):
        return _could_not(f"the status entry's statusListIndex {raw_index!r} is not a whole number.", method)
    index = int(raw_index)
    status_size = entry.get("statusSize", 1)
    if status_size != 1:
        # BSL 2.1: statusSize > 1 is for "message" lists; revocation and suspension use one bit.
        return _could_not(f"a statusSize of {status_size!r} is not supported for {purpose}.", method)

    fetched = _fetch(fetch, url, "status list", method)
    if isinstance(fetched, StatusCheck):
        return fetched
    list_credential = fetched
    where = f"status list {url}, entry {index}"
    if credential_type not in _types(list_credential.get("type")):
        return _could_not(f"the document at {url} is not a {credential_type}.", method)
    if verify_list is not None:
        # BSL 3.2 step 4: the status list credential's proofs must verify.
        try:
            verified = bool(verify_list(list_credential))
        except Exception as exc:  # the caller's verifier failing is not a verdict on the credential
            return _could_not(f"the status list's proof could not be checked ({type(exc).__name__}).", method)
        if not verified:
            return _could_not(f"the proof on the status list at {url} does not verify.", method)
    valid_from = _parse_time(list_credential.get("validFrom"))
    valid_until = _parse_time(list_credential.get("validUntil"))
    # VC 2.0 4.9: outside its validity period the list cannot be relied on.
    if valid_until is not None and now > valid_until:
        return _could_not(f"the status list at {url} expired on {list_credential['validUntil']}.", method)
    if valid_from is not None and now < valid_from:
        return _could_not(
            f"the status list at {url} is not valid until {list_credential['validFrom']}.", method
        )
    subject = list_credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict) or subject_type not in _types(subject.get("type")):
        return _could_not(f"the status list at {url} has no {subject_type} subject.", method)
    # BSL 3.2 step 5: the entry's statusPurpose must be one the list declares.
    list_purposes = _types(subject.get("statusPurpose"))
    if purpose not in list_purposes:
        return _could_not(
            f"the credential's status entry is for {purpose}, but the list at {url} is for "
            f"{', '.join(list_purposes) or 'no stated purpose'}.",
            method,
        )
    try:
        bits = BitstringStatusList.decode(subject.get("encodedList"))
        is_set = bits.get(index)
    except StatusError as exc:
        return _could_not(f"the status list at {url} cannot be used ({exc.reason})", method)
    if not is_set:
        return StatusCheck(
            NOT_REVOKED, f"The issuer's status list does not mark this credential ({where}).", method
        )
    if purpose == "revocation":
        return StatusCheck(REVOKED, f"The issuer has revoked this credential ({where}).", method)
    return StatusCheck(SUSPENDED, f"The issuer has suspended this credential for now ({where}).", method)


def _check_1edtech(entry: dict, credential: dict, *, fetch: Fetch) -> StatusCheck:
    method = REVOCATION_LIST_1EDTECH
    url = entry.get("id")
    if not isinstance(url, str) or not url:
        return _could_not("the 1EdTech revocation list entry has no id (URL).", method)
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id:
        return _could_not("the credential has no id to look up in the issuer's revocation list.", method)
    fetched = _fetch(fetch, url, "revocation list", method)
    if isinstance(fetched, StatusCheck):
        return fetched
    # OB 3.0 (1EdTech Revocation List Status Method): a JSON object whose revokedCredentials lists
    # {id, revoked?, revocationReason?}; a credential listed with revoked true or omitted is revoked.
    revoked = fetched.get("revokedCredentials")
    if revoked is None:
        revoked = []
    if not isinstance(revoked, list):
        return _could_not(f"the revocation list at {url} has no usable revokedCredentials list.", method)
    for item in revoked:
        if not isinstance(item, dict):
            return _could_not(f"the revocation list at {url} holds an entry that is not an object.", method)
        if item.get("id") == credential_id and item.get("revoked", True) is not False:
            reason = item.get("revocationReason")
            because = f" Reason given: {reason}" if isinstance(reason, str) and reason else ""
            return StatusCheck(REVOKED, f"The issuer has revoked this credential ({url}).{because}", method)
    return StatusCheck(
        NOT_REVOKED, f"The issuer's revocation list does not list this credential ({url}).", method
    )


_SEVERITY = {REVOKED: 3, SUSPENDED: 2, COULD_NOT_CHECK: 1, NOT_REVOKED: 0}


def check_status(
    credential: dict,
    *,
    fetch: Fetch,
    verify_list: Callable[[dict], bool] | None = None,
    now: datetime | None = None,
) -> StatusCheck:
    """Consult the credential's status method(s): revoked, suspended, not revoked or could not check."""
    if now is None:
        now = datetime.now(UTC)
    if not isinstance(credential, dict):
        return _could_not("the credential is not a JSON object.", None)
    entries = _as_list(credential.get("credentialStatus"))
    if not entries:
        return StatusCheck(
            NOT_REVOKED, "The credential names no status method, so there is no revocation list to consult."
        )
    results: list[StatusCheck] = []
    for entry in entries:
        if not isinstance(entry, dict):
            results.append(_could_not("a credentialStatus entry is not an object.", None))
            continue
        kind = entry.get("type")
        if kind in (BITSTRING_ENTRY, STATUS_LIST_2021_ENTRY):
            results.append(_check_bitstring(entry, fetch=fetch, verify_list=verify_list, now=now))
        elif kind == REVOCATION_LIST_1EDTECH:
            results.append(_check_1edtech(entry, credential, fetch=fetch))
        else:
            results.append(
                _could_not(
                    f"the status method {kind!r} is not supported.", kind if isinstance(kind, str) else None
                )
            )
    # Revoked outranks suspended, which outranks an entry that could not be checked.
    worst = max(results, key=lambda r: _SEVERITY[r.state])
    if len(results) == 1:
        return worst
    return StatusCheck(worst.state, worst.message, worst.method, tuple(results))


def parse_entries(credential: dict) -> Iterator[dict]:
    """The credential's credentialStatus entries (an object or an array in the JSON-LD form)."""
    for entry in _as_list(credential.get("credentialStatus") if isinstance(credential, dict) else None):
        if isinstance(entry, dict):
            yield entry


__all__ = [
    "COULD_NOT_CHECK",
    "MIN_ENTRIES",
    "NOT_REVOKED",
    "PURPOSES",
    "REVOKED",
    "SUSPENDED",
    "BitstringStatusList",
    "StatusCheck",
    "check_status",
    "parse_entries",
    "status_entry",
]
