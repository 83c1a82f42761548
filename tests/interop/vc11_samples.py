"""The third-party VC 1.1 Open Badges 3.0 samples in tests/interop/fixtures, made by Digital Bazaar's stack.

`node tests/interop/dbvc.mjs make-vc11-samples tests/interop/fixtures --seed SEED_HEX` wrote them
(README.md there); the portal-side tests read the committed files and need no Node.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# A published test key, never used for anything but these samples.
SEED_HEX = "8b9492be42e8d6239620b9deac5207599ba26b166dc0855f37663fccd19dc37a"
ISSUER = "did:key:z6MkuZcechDhU1eRYbmx9TwSryxGwcs5E2GGavPCpnWcJJvV"

# file name -> how it is signed
SAMPLES = {
    "vc11-ob30-eddsa-rdfc-2022.json": "DataIntegrityProof eddsa-rdfc-2022",
    "vc11-ob30-ed25519-signature-2020.json": "Ed25519Signature2020",
    "vc11-ob30-eddsa.jwt": "VC-JWT EdDSA",
}


def path(name: str) -> Path:
    """The committed sample file called `name`."""
    return FIXTURES / name


def text(name: str) -> str:
    """The sample exactly as committed (JSON text or a compact JWS)."""
    return path(name).read_text(encoding="utf-8")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def tampered(name: str) -> str:
    """The sample with its achievement renamed after signing (the signature left as it was)."""
    if name.endswith(".jwt"):
        header, payload, signature = text(name).strip().split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["vc"]["credentialSubject"]["achievement"]["name"] = "Advanced Quantum Surgery"
        return f"{header}.{_b64url(json.dumps(claims).encode('utf-8'))}.{signature}"
    document = json.loads(text(name))
    document["credentialSubject"]["achievement"]["name"] = "Advanced Quantum Surgery"
    return json.dumps(document, indent=2)
