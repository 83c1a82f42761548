"""Exceptions raised by the credential core; callers translate them for people."""


class VcError(Exception):
    """Base for every error the core raises on purpose; `reason` is fit to show a person."""

    def __init__(self, reason: str, **extra):
        super().__init__(reason)
        self.reason = reason
        self.extra = extra


class ContextError(VcError):
    """A JSON-LD context outside the bundle, or a document the loader refuses."""


class DocumentError(VcError):
    """Malformed input: not JSON, too large, too deep, missing required members."""


class SchemaError(VcError):
    """A document fails its 1EdTech JSON Schema; `issues` lists each path and rule broken."""

    def __init__(self, reason: str, issues=(), **extra):
        super().__init__(reason, **extra)
        self.issues = list(issues)


class ProofError(VcError):
    """A proof cannot be created or does not verify."""


class KeyMaterialError(VcError):
    """A key or verification method is malformed, unknown or not controlled by the issuer."""


class ResolutionError(VcError):
    """A DID or status list could not be obtained (network, not found, refused)."""


class StatusError(VcError):
    """A status list is malformed or an index is out of range."""
