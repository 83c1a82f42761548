"""Authorization rules of the ims URLs (merged into tests/security/rules.py; same shapes and names there).

The 1EdTech service API authenticates by OAuth 2.0 bearer token only: the matrix's people come with
their sessions, never a token, so every role gets 401 (U) whatever the method, the signed-in learner
whose credentials they are included. What a token may do is tested through HTTP in tests/api/test_ims_*.py
(learner A's token never reads learner B's credentials; scopes per endpoint and standard).
"""

from .rules import M, N, Rule, U, _cells

TOKEN_ONLY = _cells(U)
STANDARDS = ("ob", "clr")
# Besides credentials and profile, any other path under a standard's base is a 404 imsx_StatusInfo.
RULES: dict = {}
for _standard in STANDARDS:
    RULES[f"ims:{_standard}_credentials"] = Rule(get=TOKEN_ONLY, post=TOKEN_ONLY)
    # PUT is its update: a POST is 405 whoever asks (the method is checked before the token).
    RULES[f"ims:{_standard}_profile"] = Rule(get=TOKEN_ONLY, post=_cells(M))
    RULES[f"ims:{_standard}_not_found"] = Rule(get=_cells(N), post=_cells(N))
# PUT profile is the spec's update of the learner's Profile (test_no_portal_url_accepts_put_patch_or_delete
# leaves these out; tests/api/test_ims_profile.py covers PUT, and PATCH and DELETE are 405 there).
TAKES_PUT = {f"ims:{standard}_profile" for standard in STANDARDS}
KWARG_BUILDERS: dict = {"resource": lambda world: "no-such-resource"}
KWARG_OVERRIDES: dict = {}
