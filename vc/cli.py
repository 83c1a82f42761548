"""Command line for the credential core: `python -m vc verify | sign | keygen`.

Exit codes: 0 verified / done; 1 not verified (including "could not check": a credential that
could not be fully checked is not reported as verified) or signing refused; 2 usage errors
(bad arguments, unreadable files). Offline: did:key resolves locally, other DID / controller
documents and status lists come only from files named with --did-doc and --status-list.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from vc import data_integrity, jwt
from vc.did import default_resolver, did_key_from_public
from vc.errors import ResolutionError, VcError
from vc.keys import ed25519_private_from_seed, ed25519_public_multibase, ed25519_seed, generate_ed25519
from vc.verify import COULD_NOT, VERIFIED, verify_credential

EXIT_OK = 0
EXIT_NOT_VERIFIED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with the command line or the files it names (exit 2)."""


def _read_json_file(path: str, what: str) -> dict:
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise UsageError(f"{what} {path} is not JSON: {exc}") from exc
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise UsageError(f"{what} {path} must be a JSON object with an id.")
    return value


def _by_id(paths: list[str], what: str) -> dict[str, dict]:
    return {doc["id"]: doc for doc in (_read_json_file(p, what) for p in paths)}


def _lookup(documents: dict[str, dict], what: str, option: str):
    def fetch(identifier: str) -> dict:
        if identifier in documents:
            return documents[identifier]
        raise ResolutionError(f"no {what} for {identifier} was supplied (use {option} FILE)")

    return fetch


def _verify(args) -> int:
    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    did_docs = _by_id(args.did_doc, "DID document")
    lists = _by_id(args.status_list, "status list")
    lookup = _lookup(did_docs, "DID or controller document", "--did-doc")
    # did:key resolves locally; did:web and other controllers only from --did-doc files (no network).
    resolver = default_resolver(did_web=lookup, other=lookup)
    try:
        result = verify_credential(
            raw,
            resolver=resolver,
            fetch_status=_lookup(lists, "status list", "--status-list"),
            now=args.now,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    if result.verdict == VERIFIED:
        print("Verified.", file=sys.stderr)
        return EXIT_OK
    failed = [c.name for c in result.checks if c.status == "failed"]
    if result.verdict == COULD_NOT:
        unsure = [c.name for c in result.checks if c.status == COULD_NOT]
        print(
            "Not verified: some checks could not be made (" + ", ".join(unsure) + "); "
            "nothing failed, but the credential cannot be called verified.",
            file=sys.stderr,
        )
    else:
        print("Not valid: failed " + ", ".join(failed or ["nested_credentials"]) + ".", file=sys.stderr)
    return EXIT_NOT_VERIFIED


def _seed(text: str) -> bytes:
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text or ""):
        raise UsageError("--seed must be 64 hexadecimal characters (a 32-byte Ed25519 seed).")
    return bytes.fromhex(text)


def _sign(args) -> int:
    private = ed25519_private_from_seed(_seed(args.seed))
    did = did_key_from_public(private.public_key())
    vm = f"{did}#{ed25519_public_multibase(private.public_key())}"
    try:
        text = sys.stdin.read() if args.input == "-" else Path(args.input).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {args.input}: {exc.strerror or exc}") from exc
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{args.input} is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise UsageError(f"{args.input} must hold a JSON object (the unsigned credential).")
    issuer = data_integrity.issuer_id(document)
    # OB 3.0 8.3 / VC 2.0 4.7: the signing key must belong to the credential's issuer.
    if issuer != did:
        print(
            f"error: the credential's issuer is {issuer or '(none)'}, but the seed's key is {did}; "
            "set the issuer (or issuer.id) to that did:key or use the issuer's seed.",
            file=sys.stderr,
        )
        return EXIT_NOT_VERIFIED
    try:
        if args.format == "jwt":
            # OB 3.0 8.2: VC-JWT, EdDSA over the compact JWS; kid = the did:key verification method.
            output = jwt.encode(document, private_key=private, kid=vm, alg="EdDSA") + "\n"
        else:
            # VC-DI-EdDSA 3.3: DataIntegrityProof with cryptosuite eddsa-rdfc-2022.
            signed = data_integrity.sign(document, private_key=private, verification_method=vm)
            output = json.dumps(signed, indent=2, ensure_ascii=False) + "\n"
    except VcError as exc:
        print(f"error: cannot sign: {exc.reason}", file=sys.stderr)
        return EXIT_NOT_VERIFIED
    if args.output == "-":
        sys.stdout.write(output)
    else:
        try:
            Path(args.output).write_text(output, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    return EXIT_OK


def _keygen(_args) -> int:
    private = generate_ed25519()
    did = did_key_from_public(private.public_key())
    print(
        json.dumps(
            {
                "did": did,
                "verificationMethod": f"{did}#{ed25519_public_multibase(private.public_key())}",
                "seed": ed25519_seed(private).hex(),
            },
            indent=2,
        )
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for `python -m vc`."""
    parser = argparse.ArgumentParser(
        prog="python -m vc",
        description="Verify and sign Open Badges 3.0 / CLR 2.0 credentials offline.",
        epilog="Exit codes: 0 verified (or done), 1 not verified / could not be fully checked / "
        "signing refused, 2 usage error.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{verify,sign,keygen}")

    verify = sub.add_parser(
        "verify",
        help="verify a credential (JSON or VC-JWT) and print the checks as JSON",
        description="Verify a credential and print the result as JSON. Exit 0 only when verified; "
        "1 when not valid or when some check could not be made; 2 on usage errors.",
    )
    verify.add_argument("file", metavar="FILE", help="credential: JSON-LD document or .jwt (compact JWS)")
    verify.add_argument(
        "--did-doc",
        metavar="FILE",
        action="append",
        default=[],
        help="DID (did:web) or controller document, matched by its id; repeatable",
    )
    verify.add_argument(
        "--status-list",
        metavar="FILE",
        action="append",
        default=[],
        help="status list credential, matched by its id; repeatable",
    )
    verify.add_argument("--now", metavar="ISO", help="check validity as of this date-time (default: now)")
    verify.set_defaults(run=_verify)

    sign = sub.add_parser(
        "sign",
        help="sign a credential with a did:key derived from a seed",
        description="Sign IN.json with the Ed25519 did:key derived from --seed; the credential's issuer "
        "must be that did:key.",
    )
    sign.add_argument("--seed", required=True, metavar="HEX64", help="32-byte Ed25519 seed as 64 hex chars")
    sign.add_argument(
        "--format",
        choices=("di", "jwt"),
        default="di",
        help="di: DataIntegrityProof eddsa-rdfc-2022 (default); jwt: VC-JWT (EdDSA)",
    )
    sign.add_argument("input", metavar="IN.json", help="unsigned credential ('-' for stdin)")
    sign.add_argument("output", metavar="OUT", help="where to write the signed credential ('-' for stdout)")
    sign.set_defaults(run=_sign)

    keygen = sub.add_parser("keygen", help="print a new did:key and its seed (hex) as JSON")
    keygen.set_defaults(run=_keygen)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        parser.exit(EXIT_USAGE, f"{parser.prog} {args.command}: error: {exc}\n")
    return EXIT_USAGE
