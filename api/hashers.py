"""The hash kept of an OAuth client's secret (django-oauth-toolkit's CLIENT_SECRET_HASHER).

Client secrets are long random strings the portal generates (django-oauth-toolkit's generator: 128
characters, ~760 bits), not passwords a person chose: nobody can guess one from its hash, so a slow
password hash adds nothing but its cost — PBKDF2 spent ~0.5 s of every token request (and HTTP Basic sends
the secret with each one). A salted SHA-256, compared in constant time.
"""

import hashlib

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare


class ClientSecretHasher(BasePasswordHasher):
    algorithm = "client_secret_sha256"

    def encode(self, password, salt):
        self._check_encode_args(password, salt)
        digest = hashlib.sha256((salt + password).encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded):
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password, encoded):
        pass
