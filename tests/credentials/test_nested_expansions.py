"""Signing a CLR keeps the expansions of the credentials it nests (NestedExpansion); the learner's next CLR,
signed by another worker process, is canonicalized from them, to exactly what it would be without."""

import pytest

from credentials import services
from credentials.models import NestedExpansion
from credentials.verification import credential_verify
from tests.factories import next_term_award
from vc import canonical

pytestmark = pytest.mark.django_db(transaction=True)


def another_worker():
    """A worker process that has never canonicalized anything: none of vc's in-memory caches."""
    canonical.clear_caches()


def next_term_clr(learner, institution):
    next_term_award(learner, institution)
    another_worker()
    clr = services.clr_issue(learner=learner)
    clr.refresh_from_db()
    return clr


def test_signing_a_clr_keeps_one_expansion_beside_each_nested_credential(learner, awards):
    clr = services.clr_issue(learner=learner)

    kept = NestedExpansion.objects.filter(credential__in=clr.nested.all())
    assert sorted(row.credential_id for row in kept) == sorted(clr.nested.values_list("pk", flat=True))


def test_the_next_clr_is_signed_from_the_kept_expansions_and_verifies_from_scratch(
    learner, awards, institution
):
    services.clr_issue(learner=learner)

    clr = next_term_clr(learner, institution)

    assert canonical.embedded_stats()["kept"] == 3  # the earlier three; the new credential was expanded
    assert NestedExpansion.objects.filter(credential__in=clr.nested.all()).count() == 4
    another_worker()
    assert credential_verify(document_or_jwt=clr.document).verdict == "verified"


def test_what_is_signed_is_the_same_with_and_without_the_kept_expansions(learner, awards, institution):
    services.clr_issue(learner=learner)
    clr = next_term_clr(learner, institution)
    unsigned = {key: value for key, value in clr.document.items() if key != "proof"}
    rows = NestedExpansion.objects.filter(credential__in=clr.nested.all()).values_list("key", "value")

    another_worker()
    with canonical.kept_expansions({key: bytes(value) for key, value in rows}) as learned:
        from_kept = canonical.canonize(unsigned, safe=True)
    assert learned == {} and canonical.embedded_stats()["kept"] == 4
    another_worker()
    assert from_kept == canonical.canonize(unsigned, safe=True)


def test_a_failure_to_keep_them_is_logged_and_the_clr_is_still_signed(learner, awards, monkeypatch, caplog):
    from django.db import DatabaseError

    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(NestedExpansion.objects, "bulk_create", refuse)
    clr = services.clr_issue(learner=learner)
    clr.refresh_from_db()

    assert clr.state == "signed", clr.error
    assert NestedExpansion.objects.count() == 0
    assert "were not kept: disk full" in caplog.text
