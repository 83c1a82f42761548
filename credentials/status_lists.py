"""Status lists: allocating each credential a random, unique index and publishing the signed lists.

A credential carries one `BitstringStatusListEntry` (OB 3.0 and CLR 2.0 allow a single
`credentialStatus`), with purpose `revocation`. The same index in the institution's paired
suspension list records suspension; the portal's verifier and pages read both.
"""

import hashlib
import hmac
import os
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from institutions.models import Institution
from vc import documents as vc_documents
from vc import status as vc_status

from .models import STATUS_LIST_SIZE, StatusList, StatusPurpose
from .signing import document_sign

# How long a verifier may cache a published list (BSL `ttl`, in milliseconds) and the HTTP max-age.
STATUS_LIST_TTL = timedelta(minutes=5)
STATUS_LIST_CLOCK_SKEW = timedelta(minutes=5)


def _feistel_round(key: bytes, round_number: int, half: int, bits: int) -> int:
    digest = hmac.new(key, bytes([round_number]) + half.to_bytes(4, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") & ((1 << bits) - 1)


def permuted_index(position: int, *, key: bytes, size: int) -> int:
    """The index at `position` of a keyed pseudo-random permutation of range(size).

    A balanced Feistel network over the next even number of bits is a bijection; walking the cycle
    until the value falls inside the list keeps it a bijection of range(size).
    """
    half_bits = max(((size - 1).bit_length() + 1) // 2, 1)
    mask = (1 << half_bits) - 1
    value = position
    while True:
        left, right = value >> half_bits, value & mask
        for round_number in range(4):
            left, right = right, left ^ _feistel_round(key, round_number, right, half_bits)
        value = (left << half_bits) | right
        if value < size:
            return value


def _new_list(institution: Institution, number: int) -> StatusList:
    empty = bytes(STATUS_LIST_SIZE // 8)
    return StatusList.objects.create(
        institution=institution,
        number=number,
        size=STATUS_LIST_SIZE,
        permutation_key=os.urandom(32),
        revocation_bits=empty,
        suspension_bits=empty,
    )


@transaction.atomic
def status_indexes_allocate(*, institution: Institution, count: int) -> list[tuple[StatusList, int]]:
    """Hand out `count` unique indexes, starting a new list when the current one fills.

    The current list's row is locked, so concurrent workers (on any machine) never share an index.
    """
    allocations: list[tuple[StatusList, int]] = []
    while len(allocations) < count:
        current = (
            StatusList.objects.select_for_update()
            .filter(institution=institution, allocated__lt=F("size"))
            .order_by("number")
            .first()
        )
        if current is None:
            last = StatusList.objects.filter(institution=institution).order_by("-number").first()
            _new_list(institution, (last.number + 1) if last else 1)
            continue
        take = min(count - len(allocations), current.size - current.allocated)
        key = bytes(current.permutation_key)
        allocations.extend(
            (current, permuted_index(position, key=key, size=current.size))
            for position in range(current.allocated, current.allocated + take)
        )
        StatusList.objects.filter(pk=current.pk).update(allocated=F("allocated") + take)
        current.allocated += take
    return allocations


def status_entry_for(*, status_list: StatusList, index: int) -> dict:
    """The `credentialStatus` a credential at `index` carries."""
    return vc_status.status_entry(
        list_url=status_list.url(StatusPurpose.REVOCATION), index=index, purpose=StatusPurpose.REVOCATION
    )


def _bits_field(purpose: str) -> str:
    return "revocation_bits" if purpose == StatusPurpose.REVOCATION else "suspension_bits"


@transaction.atomic
def status_bit_set(*, status_list: StatusList, index: int, purpose: str, value: bool) -> None:
    """Set or clear one bit; the list is re-signed when next published."""
    locked = StatusList.objects.select_for_update().get(pk=status_list.pk)
    field = _bits_field(purpose)
    bits = vc_status.BitstringStatusList.from_bytes(bytes(getattr(locked, field)))
    if bits.get(index) == value:
        return
    bits.set(index, value)
    setattr(locked, field, bits.to_bytes())
    locked.revision += 1
    locked.save(update_fields=[field, "revision", "updated_at"])
    from .tasks import publish_status_list

    transaction.on_commit(lambda: publish_status_list.delay(locked.pk))


def status_bits(*, status_list: StatusList, purpose: str) -> vc_status.BitstringStatusList:
    return vc_status.BitstringStatusList.from_bytes(bytes(getattr(status_list, _bits_field(purpose))))


def status_list_publish(*, status_list_id: int) -> StatusList:
    """Sign both lists if a bit changed since they were last signed (idempotent)."""
    from institutions.selectors import institution_profile

    with transaction.atomic():
        status_list = (
            StatusList.objects.select_for_update().select_related("institution").get(pk=status_list_id)
        )
        if not status_list.needs_signing:
            return status_list
        # Back-dated a little: a verifier that read "now" just before the list was signed (the
        # portal's own verifier publishes on demand), or whose clock is slightly behind, must not
        # find the list "not yet valid".
        now = timezone.now().replace(microsecond=0) - STATUS_LIST_CLOCK_SKEW
        issuer = institution_profile(institution=status_list.institution)
        for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
            unsigned = vc_documents.status_list_credential(
                id=status_list.url(purpose),
                issuer=issuer.id,
                status_list=status_bits(status_list=status_list, purpose=purpose),
                valid_from=now,
                purpose=purpose,
                ttl=int(STATUS_LIST_TTL.total_seconds() * 1000),
            )
            signed, _key = document_sign(institution=status_list.institution, document=unsigned)
            setattr(status_list, f"{purpose}_document", signed)
        status_list.signed_revision = status_list.revision
        status_list.save(update_fields=["revocation_document", "suspension_document", "signed_revision"])
    return status_list
