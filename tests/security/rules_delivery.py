"""Authorization rules of the delivery URLs (merged into tests/security/rules.py; same shapes and names there)."""

RULES: dict = {}
KWARG_BUILDERS: dict = {}
KWARG_OVERRIDES: dict = {}
