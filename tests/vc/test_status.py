"""vc.status: Bitstring Status List encoding and the status check a verifier runs."""

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vc import status
from vc.errors import ResolutionError, StatusError
from vc.status import BitstringStatusList, check_status, status_entry

FIXTURES = Path(__file__).parent / "fixtures" / "examples"
REVOKED_FIXTURE = FIXTURES / "validator-fixtures" / "ob30-bsl-credential-status-revoked.json"

# encodedList of the 1EdTech validator's test list that the revoked fixture points at
# (inspector-vc/src/test/resources/ob30/bit-string-list/testlist); it is not bundled, only this value.
VALIDATOR_TESTLIST_ENCODED = "uH4sIAAAAAAAA_-3BMQEAAAzDoMy_6cnoA9QFAAAAAAAAAAAAAAAAAAAAbD3uPa2cAEAAAA"


def revoked_fixture():
    return json.loads(REVOKED_FIXTURE.read_text(encoding="utf-8"))


def list_credential(url, bits, *, purpose="revocation", **extra):
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "https://1edtech.edu/issuers/565049",
        "validFrom": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
        **extra,
    }


def fetcher(documents):
    calls = []

    def fetch(url):
        calls.append(url)
        if url not in documents:
            raise ResolutionError(f"{url} answered 404")
        return documents[url]

    fetch.calls = calls
    return fetch


def test_a_new_list_has_the_herd_privacy_minimum_of_131072_entries_all_clear():
    bits = BitstringStatusList()
    assert bits.size == 131_072
    assert list(bits.set_indices()) == []
    assert not bits.get(131_071)


def test_it_refuses_a_list_smaller_than_the_herd_privacy_minimum():
    with pytest.raises(StatusError, match="131,072"):
        BitstringStatusList(1024)


def test_index_zero_is_the_left_most_bit_of_the_first_byte():
    bits = BitstringStatusList()
    bits.set(0)
    bits.set(9)
    bits.set(131_071)
    raw = bits.to_bytes()
    assert raw[0] == 0b1000_0000
    assert raw[1] == 0b0100_0000
    assert raw[-1] == 0b0000_0001


def test_set_then_clear_round_trips_and_leaves_neighbours_alone():
    bits = BitstringStatusList()
    bits.set(42)
    bits.set(43)
    bits.set(42, False)
    assert not bits.get(42)
    assert bits.get(43)
    assert list(bits.set_indices()) == [43]


def test_encoding_is_gzip_base64url_without_padding_behind_the_multibase_u():
    bits = BitstringStatusList()
    bits.set(7)
    encoded = bits.encode()
    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    body = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert len(raw) == 16_384
    assert raw[0] == 0b0000_0001


def test_decode_reverses_encode():
    bits = BitstringStatusList(262_144)
    for index in (0, 5, 131_072, 262_143):
        bits.set(index)
    again = BitstringStatusList.decode(bits.encode())
    assert again.size == 262_144
    assert list(again.set_indices()) == [0, 5, 131_072, 262_143]


def test_the_1edtech_validator_test_list_decodes_to_index_23_set():
    # Interop: the list published with the revoked fixture has exactly the fixture's index set.
    assert list(BitstringStatusList.decode(VALIDATOR_TESTLIST_ENCODED).set_indices()) == [23]


def test_decode_accepts_the_unprefixed_status_list_2021_form():
    bits = BitstringStatusList()
    bits.set(3)
    assert BitstringStatusList.decode(bits.encode()[1:]).get(3)


@pytest.mark.parametrize("index", [-1, 131_072, 10**9])
def test_an_out_of_range_index_raises_status_error(index):
    bits = BitstringStatusList()
    with pytest.raises(StatusError, match="outside"):
        bits.get(index)
    with pytest.raises(StatusError):
        bits.set(index)


def test_decode_rejects_a_list_shorter_than_the_minimum():
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(1024))).rstrip(b"=").decode()
    with pytest.raises(StatusError, match="fewer than"):
        BitstringStatusList.decode(short)


@pytest.mark.parametrize(
    "garbage", ["", "u!!!!", "uAAAA", "u" + base64.urlsafe_b64encode(b"not gzip").decode()]
)
def test_decode_rejects_malformed_lists(garbage):
    with pytest.raises(StatusError):
        BitstringStatusList.decode(garbage)


def test_decode_refuses_a_gzip_bomb():
    bomb = gzip.compress(bytes(status.MAX_ENTRIES // 8 + 1))
    encoded = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    with pytest.raises(StatusError, match="more than"):
        BitstringStatusList.decode(encoded)


def test_status_entry_writes_the_index_as_a_string():
    entry = status_entry(list_url="https://portal.example/status/1", index=94567, purpose="suspension")
    assert entry == {
        "id": "https://portal.example/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "94567",
        "statusListCredential": "https://portal.example/status/1",
    }


def test_status_entry_rejects_an_unknown_purpose():
    with pytest.raises(StatusError):
        status_entry(list_url="https://portal.example/status/1", index=1, purpose="expiry")


def test_the_validator_fixture_is_revoked_when_its_list_has_index_23_set():
    credential = revoked_fixture()
    url = credential["credentialStatus"]["statusListCredential"]
    bits = BitstringStatusList()
    bits.set(23)
    fetch = fetcher({url: list_credential(url, bits)})
    result = check_status(credential, fetch=fetch)
    assert result.state == "revoked"
    assert "revoked" in result.message and "23" in result.message
    assert fetch.calls == [url]


def test_the_validator_fixture_is_not_revoked_when_only_a_neighbour_is_set():
    credential = revoked_fixture()
    url = credential["credentialStatus"]["statusListCredential"]
    bits = BitstringStatusList()
    bits.set(22)
    bits.set(24)
    result = check_status(credential, fetch=fetcher({url: list_credential(url, bits)}))
    assert result.state == "not revoked"
    assert result.ok


def test_a_list_that_cannot_be_fetched_is_could_not_check_never_not_revoked():
    result = check_status(revoked_fixture(), fetch=fetcher({}))
    assert result.state == "could not check"
    assert not result.ok
    assert "404" in result.message


def test_a_fetcher_that_crashes_is_could_not_check():
    def fetch(url):
        raise TimeoutError("slow")

    assert check_status(revoked_fixture(), fetch=fetch).state == "could not check"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda doc: doc["credentialSubject"].update(encodedList="u!!!"),
        lambda doc: doc["credentialSubject"].pop("encodedList"),
        lambda doc: doc.update(type=["VerifiableCredential"]),
        lambda doc: doc["credentialSubject"].update(type="SomethingElse"),
        lambda doc: doc.update(credentialSubject="nothing"),
    ],
)
def test_a_malformed_list_is_could_not_check(spoil):
    credential = revoked_fixture()
    url = credential["credentialStatus"]["statusListCredential"]
    document = list_credential(url, BitstringStatusList())
    spoil(document)
    assert check_status(credential, fetch=fetcher({url: document})).state == "could not check"


def test_a_fetch_that_returns_no_object_is_could_not_check():
    credential = revoked_fixture()
    assert check_status(credential, fetch=lambda url: "<html>").state == "could not check"


@pytest.mark.parametrize("index", ["-1", "²", "1e3", "", None, True, 2.5])
def test_a_status_entry_with_a_malformed_index_is_could_not_check(index):
    credential = revoked_fixture()
    credential["credentialStatus"]["statusListIndex"] = index
    url = credential["credentialStatus"]["statusListCredential"]
    result = check_status(credential, fetch=fetcher({url: list_credential(url, BitstringStatusList())}))
    assert result.state == "could not check"


def test_an_index_beyond_the_list_is_could_not_check():
    credential = revoked_fixture()
    credential["credentialStatus"]["statusListIndex"] = "131072"
    url = credential["credentialStatus"]["statusListCredential"]
    result = check_status(credential, fetch=fetcher({url: list_credential(url, BitstringStatusList())}))
    assert result.state == "could not check"
    assert "outside" in result.message


def test_a_list_whose_purpose_differs_from_the_entry_is_could_not_check():
    credential = revoked_fixture()
    url = credential["credentialStatus"]["statusListCredential"]
    bits = BitstringStatusList()
    bits.set(23)
    result = check_status(credential, fetch=fetcher({url: list_credential(url, bits, purpose="suspension")}))
    assert result.state == "could not check"
    assert "suspension" in result.message


def test_a_set_bit_on_a_suspension_list_reads_suspended():
    url = "https://portal.example/status/s"
    bits = BitstringStatusList()
    bits.set(5)
    credential = {
        "id": "urn:uuid:1",
        "credentialStatus": status_entry(list_url=url, index=5, purpose="suspension"),
    }
    result = check_status(credential, fetch=fetcher({url: list_credential(url, bits, purpose="suspension")}))
    assert result.state == "suspended"


def test_a_list_whose_proof_does_not_verify_is_could_not_check():
    credential = revoked_fixture()
    url = credential["credentialStatus"]["statusListCredential"]
    document = list_credential(url, BitstringStatusList())
    seen = []

    def verify_list(doc):
        seen.append(doc)
        return False

    result = check_status(credential, fetch=fetcher({url: document}), verify_list=verify_list)
    assert result.state == "could not check"
    assert "proof" in result.message
    assert seen == [document]


def test_an_expired_list_is_could_not_check():
    credential = revoked_fixture()
    url = credential["credentialStatus"]["statusListCredential"]
    document = list_credential(url, BitstringStatusList(), validUntil="2022-01-01T00:00:00Z")
    result = check_status(credential, fetch=fetcher({url: document}), now=datetime(2024, 1, 1, tzinfo=UTC))
    assert result.state == "could not check"
    assert "expired" in result.message


def test_revocation_outranks_suspension_and_unchecked_entries_when_there_are_several():
    rev, sus = "https://portal.example/status/r", "https://portal.example/status/s"
    revocations, suspensions = BitstringStatusList(), BitstringStatusList()
    revocations.set(9)
    suspensions.set(9)
    credential = {
        "credentialStatus": [
            status_entry(list_url=sus, index=9, purpose="suspension"),
            status_entry(list_url=rev, index=9, purpose="revocation"),
        ]
    }
    documents = {
        rev: list_credential(rev, revocations),
        sus: list_credential(sus, suspensions, purpose="suspension"),
    }
    result = check_status(credential, fetch=fetcher(documents))
    assert result.state == "revoked"
    assert [e.state for e in result.entries] == ["suspended", "revoked"]


def test_one_unreachable_list_among_clear_ones_is_could_not_check():
    rev, sus = "https://portal.example/status/r", "https://portal.example/status/s"
    credential = {
        "credentialStatus": [
            status_entry(list_url=rev, index=1),
            status_entry(list_url=sus, index=1, purpose="suspension"),
        ]
    }
    result = check_status(credential, fetch=fetcher({rev: list_credential(rev, BitstringStatusList())}))
    assert result.state == "could not check"


def test_status_list_2021_entries_are_checked_against_their_list():
    url = "https://issuer.example/status/2021"
    bits = BitstringStatusList()
    bits.set(94567)
    document = {
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "credentialSubject": {
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": bits.encode()[1:],
        },
    }
    credential = {
        "credentialStatus": {
            "id": f"{url}#94567",
            "type": "StatusList2021Entry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": url,
        }
    }
    assert check_status(credential, fetch=fetcher({url: document})).state == "revoked"


def test_a_1edtech_revocation_list_naming_the_credential_reads_revoked_with_its_reason():
    url = "https://1edtech.edu/credentials/3732/revocations"
    credential = {
        "id": "http://1edtech.edu/credentials/3732",
        "credentialStatus": {"id": url, "type": "1EdTechRevocationList"},
    }
    revocations = {
        "revokedCredentials": [
            {"id": "http://1edtech.edu/credentials/1", "revoked": True},
            {"id": "http://1edtech.edu/credentials/3732", "revocationReason": "Issued in error"},
        ]
    }
    result = check_status(credential, fetch=fetcher({url: revocations}))
    assert result.state == "revoked"
    assert "Issued in error" in result.message


def test_a_1edtech_revocation_list_entry_with_revoked_false_does_not_revoke():
    url = "https://1edtech.edu/credentials/3732/revocations"
    credential = {"id": "urn:x", "credentialStatus": {"id": url, "type": "1EdTechRevocationList"}}
    revocations = {"revokedCredentials": [{"id": "urn:x", "revoked": False}]}
    assert check_status(credential, fetch=fetcher({url: revocations})).state == "not revoked"


def test_the_complete_validator_fixture_uses_a_1edtech_revocation_list_that_may_be_unreachable():
    credential = json.loads(
        (FIXTURES / "validator-fixtures" / "ob30-complete.json").read_text(encoding="utf-8")
    )
    assert check_status(credential, fetch=fetcher({})).state == "could not check"
    url = credential["credentialStatus"]["id"]
    assert check_status(credential, fetch=fetcher({url: {"revokedCredentials": []}})).state == "not revoked"


def test_a_malformed_1edtech_revocation_list_is_could_not_check():
    url = "https://1edtech.edu/r"
    credential = {"id": "urn:x", "credentialStatus": {"id": url, "type": "1EdTechRevocationList"}}
    assert (
        check_status(credential, fetch=fetcher({url: {"revokedCredentials": "urn:x"}})).state
        == "could not check"
    )


def test_an_unknown_status_method_is_could_not_check():
    credential = {"credentialStatus": {"id": "https://x.example/s", "type": "RevocationList2020Status"}}
    result = check_status(credential, fetch=fetcher({}))
    assert result.state == "could not check"
    assert "RevocationList2020Status" in result.message


def test_a_credential_without_credential_status_is_not_revoked_and_says_why():
    result = check_status({"id": "urn:x"}, fetch=fetcher({}))
    assert result.state == "not revoked"
    assert "no status method" in result.message
