"""Reads of the 1EdTech service API: a learner's credentials of one standard, by pages; their Profile.

A learner's credentials are those the portal issued to the learner records linked to their account
(signed, current, not revoked; full CLRs, not the partial ones made for shares), then those in their
wallet from elsewhere (imported on the wallet's pages or upserted through this API; not those that
failed verification, which their owner may keep in the wallet but which are not handed on). Both are in the
order they were added, so that pages stay put while new credentials come in at the end.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q

from credentials.models import CredentialKind, IssuedCredential
from credentials.selectors import credential_jwt
from credentials.signing import NoActiveKeyError, document_jwt
from wallet.models import ExternalCredential, ImportVerdict

from .models import LearnerProfile, Standard

PORTAL_KINDS = {Standard.OB: CredentialKind.ACHIEVEMENT, Standard.CLR: CredentialKind.CLR}
# The `type` values that make a credential from elsewhere one of the standard's (OB 3.0 8.1: an
# OpenBadgeCredential is an AchievementCredential).
CREDENTIAL_TYPES = {
    Standard.OB: ("AchievementCredential", "OpenBadgeCredential"),
    Standard.CLR: ("ClrCredential",),
}
# Properties of a Profile the learner may set with PUT profile (kept in LearnerProfile.data); the
# names come from the account (givenName, familyName), the rest only from what the learner sent.
EDITABLE_PROFILE_PROPERTIES = (
    "name", "givenName", "familyName", "additionalName", "honorificPrefix", "honorificSuffix",
    "familyNamePrefix", "patronymicName", "description", "url", "phone", "image", "address",
)  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """A credential of a page: its JSON-LD text (for `credential`), its VC-JWT (`compactJwsString`)."""

    json_text: str | None = None
    jws: str | None = None


@dataclass(frozen=True)
class Page:
    total: int
    entries: list[Entry]


def _portal_credentials(*, user, standard: str, since: datetime | None):
    rows = (
        IssuedCredential.objects.signed()
        .current()
        .filter(learner__user=user, kind=PORTAL_KINDS[standard], revoked_at__isnull=True, partial=False)
    )
    if since is not None:
        rows = rows.filter(signed_at__gt=since)
    return rows.select_related("institution").order_by("signed_at", "id")


def _wallet_credentials(*, user, standard: str, since: datetime | None):
    of_standard = Q()
    for name in CREDENTIAL_TYPES[standard]:
        # `type` is a string or a list; either way its JSON text names the type.
        of_standard |= Q(document__type__icontains=f'"{name}"') | Q(document__type=name)
    # One that did not verify stays in the wallet when its owner keeps it, but is not handed on to others.
    rows = ExternalCredential.objects.filter(of_standard, owner=user, confirmed=True).exclude(
        verdict=ImportVerdict.NOT_VALID
    )
    if since is not None:
        # Upserted ones keep their exact validFrom; the wallet's own imports only the day they were issued.
        rows = rows.filter(
            Q(upsert__valid_from__gt=since) | Q(upsert__isnull=True, issued_on__gte=since.date())
        )
    return rows.select_related("upsert").order_by("created_at", "id")


def _jwt_signer():
    """`document_jwt` with each institution's key looked up once for the page, or None without an RSA key."""
    keys: dict[int, bool] = {}

    def sign(*, institution, document):
        if keys.get(institution.pk) is False:
            raise NoActiveKeyError(institution.name)
        try:
            token = document_jwt(institution=institution, document=document)
        except NoActiveKeyError:
            keys[institution.pk] = False
            raise
        keys[institution.pk] = True
        return token

    return sign


def _portal_entry(credential: IssuedCredential, sign) -> Entry:
    try:
        jws = credential_jwt(credential=credential, sign=sign)
    except NoActiveKeyError:
        jws = None  # the institution signs JSON-LD only (no RSA key): the VC-JWT form is left out
    return Entry(json_text=json.dumps(credential.document), jws=jws)


def _wallet_entry(external: ExternalCredential) -> Entry:
    upsert = getattr(external, "upsert", None)
    if upsert is not None:  # exactly as the client sent it
        return Entry(jws=upsert.body) if upsert.is_jwt else Entry(json_text=upsert.body)
    if external.jwt:
        return Entry(jws=external.jwt)
    return Entry(json_text=json.dumps(external.document))


def credentials_page(*, user, standard: str, limit: int, offset: int, since: datetime | None = None) -> Page:
    """One page of the learner's credentials of `standard`: a fixed number of queries whatever their number.

    A credential the portal issued is given in both its forms (JSON-LD with its Data Integrity proof and
    VC-JWT); one from elsewhere in the form it came in.
    """
    portal = _portal_credentials(user=user, standard=standard, since=since)
    wallet = _wallet_credentials(user=user, standard=standard, since=since)
    portal_total, wallet_total = portal.count(), wallet.count()
    end = offset + limit
    entries: list[Entry] = []
    if offset < portal_total:
        sign = _jwt_signer()
        entries += [_portal_entry(credential, sign) for credential in portal[offset:end]]
    if end > portal_total:
        start = max(offset - portal_total, 0)
        entries += [_wallet_entry(external) for external in wallet[start : end - portal_total]]
    return Page(total=portal_total + wallet_total, entries=entries)


def credentials_body(page: Page) -> str:
    """The GetOpenBadgeCredentialsResponse / GetClrCredentialsResponse JSON text of a page.

    Written by hand so that every credential's JSON text is the one kept, unchanged (what a client
    upserted comes back byte for byte).
    """
    documents = ",".join(entry.json_text for entry in page.entries if entry.json_text is not None)
    tokens = [entry.jws for entry in page.entries if entry.jws is not None]
    return f'{{"credential":[{documents}],"compactJwsString":{json.dumps(tokens)}}}'


# --- profile -----------------------------------------------------------------------------------------


def profile_id(user) -> str:
    """The learner's Profile id: a stable URN of their account (not their e-mail, which may change)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.PORTAL_BASE_URL}/accounts/{user.pk}").urn


def learner_profile(*, user) -> dict:
    """The OB 3.0 Profile of the learner: their account's names and e-mail, and what they set with PUT
    profile. Nothing of their learner records (student ids): the consent page promises name and e-mail."""
    profile = {"id": profile_id(user), "type": "Profile"}
    name = user.get_full_name()
    if name:
        profile["name"] = name
    if user.first_name:
        profile["givenName"] = user.first_name
    if user.last_name:
        profile["familyName"] = user.last_name
    kept = LearnerProfile.objects.filter(user=user).values_list("data", flat=True).first() or {}
    profile.update({key: kept[key] for key in EDITABLE_PROFILE_PROPERTIES if key in kept})
    profile["email"] = user.email
    return profile
