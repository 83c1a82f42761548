"""A holder's DIDAuthentication presentation, signed in Python (eddsa-rdfc-2022) for the HTTP-level tests.

The end-to-end test signs with Digital Bazaar's packages instead (tests/interop/lcw_wallet.mjs), as the
Learner Credential Wallet does.
"""

from vc.data_integrity import hash_data
from vc.keys import multibase_encode

VC2 = "https://www.w3.org/ns/credentials/v2"


def signed_presentation(wallet, *, challenge, domain=None, holder="wallet", created="2026-01-01T00:00:00Z"):
    """A VerifiablePresentation with one `authentication` proof made with `wallet`'s key."""
    presentation = {"@context": [VC2], "type": ["VerifiablePresentation"]}
    if holder:
        presentation["holder"] = wallet.did if holder == "wallet" else holder
    config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": wallet.verification_method,
        "proofPurpose": "authentication",
        "challenge": challenge,
        "@context": [VC2],
    }
    if domain is not None:
        config["domain"] = domain
    digest, _, _ = hash_data(presentation, config)
    proof = {key: value for key, value in config.items() if key != "@context"}
    proof["proofValue"] = multibase_encode(wallet.private_key.sign(digest))
    return {**presentation, "proof": proof}
