import pytest

from tests.credentials.conftest import awards, catalog, learner  # noqa: F401  (the same record)
from vc.did import did_key_from_public
from vc.keys import ed25519_private_from_seed


class Wallet:
    """A holder's wallet: one Ed25519 key and its did:key, as the Learner Credential Wallet keeps."""

    def __init__(self, seed: bytes):
        self.seed = seed
        self.private_key = ed25519_private_from_seed(seed)
        self.did = did_key_from_public(self.private_key.public_key())
        self.verification_method = f"{self.did}#{self.did.removeprefix('did:key:')}"


@pytest.fixture
def wallet():
    return Wallet(bytes(range(32)))


@pytest.fixture
def other_wallet():
    return Wallet(bytes(range(100, 132)))
