"""Expansions of nested credentials kept by the caller (`canonical.kept_expansions`): another process (or
the same one after its memo is gone) canonicalizes a CLR from them, to exactly plain pyld's N-Quads."""

import copy
import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.vc.portal_like import portal_credential
from tests.vc.test_canonical_nested import plain_pyld, portal_clr
from vc import canonical

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def new_process():
    """Every test starts as a fresh worker would: no processed context, no remembered expansion."""
    canonical.clear_caches()
    yield
    canonical.clear_caches()


def learn(document) -> tuple[str, dict]:
    with canonical.kept_expansions({}) as learned:
        nquads = canonical.canonize(document, safe=True)
    return nquads, learned


def test_a_clr_is_canonicalized_from_the_expansions_kept_by_an_earlier_process(signer):
    nested = [portal_credential(i, signer) for i in range(4)]
    clr = portal_clr(nested, signer)
    first, learned = learn(clr)
    assert len(learned) == 4  # one for each nested credential: achievements stay in the process's memo
    assert {digest for digest, _value in learned.values()} == {canonical.embedded_digest(c) for c in nested}

    canonical.clear_caches()  # the next term, another worker
    with canonical.kept_expansions({key: value for key, (_digest, value) in learned.items()}) as again:
        second = canonical.canonize(clr, safe=True)

    assert second == first == plain_pyld(clr)
    assert again == {}
    assert canonical.embedded_stats()["kept"] == 4


def test_the_kept_names_are_the_same_in_another_process(signer):
    clr = portal_clr([portal_credential(i, signer) for i in range(2)], signer)
    _, learned = learn(clr)
    script = (
        "import json, sys; from vc import canonical\n"
        "with canonical.kept_expansions({}) as learned:\n"
        "    canonical.canonize(json.load(sys.stdin), safe=True)\n"
        "print(json.dumps(sorted(learned)))\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(clr),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(other.stdout) == sorted(learned)


def test_a_credential_nested_under_other_contexts_gets_another_name(signer):
    credential = portal_credential(3, signer)
    _, in_clr = learn(portal_clr([credential], signer))
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential],
    }
    canonical.clear_caches()
    with canonical.kept_expansions({key: value for key, (_digest, value) in in_clr.items()}) as learned:
        nquads = canonical.canonize(presentation)
    assert nquads == plain_pyld(presentation)
    assert len(learned) == 1 and set(learned).isdisjoint(in_clr)
    assert canonical.embedded_stats()["kept"] == 0


def test_a_changed_credential_is_expanded_again_not_taken_from_what_was_kept(signer):
    credential = portal_credential(5, signer)
    _, learned = learn(portal_clr([credential], signer))
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["result"][0]["value"] = "F"
    clr = portal_clr([changed], signer)
    canonical.clear_caches()
    with canonical.kept_expansions({key: value for key, (_digest, value) in learned.items()}):
        assert canonical.canonize(clr, safe=True) == plain_pyld(clr)
    assert canonical.embedded_stats()["kept"] == 0


def test_a_kept_value_that_does_not_decode_is_expanded_again(signer):
    clr = portal_clr([portal_credential(6, signer)], signer)
    expected, learned = learn(clr)
    (key,) = learned
    for broken in (b"not zlib", zlib.compress(b"{not json"), zlib.compress(b'{"a": 1}')):
        canonical.clear_caches()
        with canonical.kept_expansions({key: broken}) as relearned:
            assert canonical.canonize(clr, safe=True) == expected
        assert list(relearned) == [key]


def test_undefined_terms_kept_with_an_expansion_are_still_refused_in_safe_mode(signer):
    nested = portal_credential(8, signer)
    nested["credentialSubject"]["favouriteColour"] = "green"
    clr = portal_clr([nested], signer)
    with canonical.kept_expansions({}) as learned:
        assert canonical.canonize(clr) == plain_pyld(clr)
    canonical.clear_caches()
    kept = {key: value for key, (_digest, value) in learned.items()}
    with canonical.kept_expansions(kept), pytest.raises(canonical.DocumentError) as caught:
        canonical.canonize(clr, safe=True)
    assert caught.value.extra["dropped"] == ["favouriteColour"]
    assert canonical.embedded_stats()["kept"] == 1


def test_a_change_to_the_bundled_contexts_names_every_expansion_anew(signer, monkeypatch, tmp_path):
    clr = portal_clr([portal_credential(9, signer)], signer)
    _, before = learn(clr)
    changed = tmp_path / "contexts"
    shutil.copytree(canonical.CONTEXTS_DIR, changed)
    with open(changed / "credentials-v2.jsonld", "a") as context:
        context.write("\n")
    canonical.clear_caches()
    monkeypatch.setattr(canonical, "CONTEXTS_DIR", changed)
    canonical._stable_root.cache_clear()
    try:
        _, after = learn(clr)
    finally:
        monkeypatch.undo()
        canonical._stable_root.cache_clear()
    assert len(after) == 1 and set(after).isdisjoint(before)


def test_an_expansion_the_process_remembered_outside_a_block_is_handed_to_the_caller_too(signer):
    clr = portal_clr([portal_credential(10, signer), portal_credential(11, signer)], signer)
    canonical.canonize(clr, safe=True)  # verifying it, say: remembered in the process only
    _, learned = learn(clr)
    assert len(learned) == 2

    with canonical.kept_expansions({key: value for key, (_digest, value) in learned.items()}) as again:
        canonical.canonize(clr, safe=True)
    assert again == {}  # what the caller already keeps is not handed over again
