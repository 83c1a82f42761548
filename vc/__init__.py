"""Framework-free core for Open Badges 3.0 and CLR 2.0 verifiable credentials.

No Django here: keys, resolvers and status-list fetchers are passed in by the caller.
"""
