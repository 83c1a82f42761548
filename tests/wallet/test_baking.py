"""OB 3.0 baking: credentials carried in PNG iTXt chunks and SVG <openbadges:credential> elements."""

import io
import struct
import zlib

import pytest
from PIL import Image

from wallet.baking import bake_png, bake_svg, extract_credential

CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:2f1c8d4e-0000-4000-8000-000000000001",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Ünïcode & <markup> ]]> survives",
    "issuer": {"id": "did:example:issuer", "type": ["Profile"], "name": "Northbridge"},
}
TOKEN = "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2lnbmF0dXJl"
SVG = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" data-x="a>b"><circle r="4"/></svg>'


def png_bytes(size=(12, 12)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def insert_after_ihdr(png: bytes, extra: bytes) -> bytes:
    ihdr_end = 8 + 4 + 4 + 13 + 4
    return png[:ihdr_end] + extra + png[ihdr_end:]


def test_a_baked_png_gives_back_the_credential_and_is_still_a_valid_image():
    baked = bake_png(png_bytes(), CREDENTIAL)

    assert extract_credential(baked, "badge.png") == CREDENTIAL
    image = Image.open(io.BytesIO(baked))
    image.load()
    assert image.size == (12, 12)
    assert image.text["openbadgecredential"].startswith("{")


def test_a_png_baked_with_a_jwt_gives_back_the_token_string():
    assert extract_credential(bake_png(png_bytes(), TOKEN)) == TOKEN


def test_baking_a_png_twice_keeps_a_single_credential_chunk():
    other = dict(CREDENTIAL, name="Second")
    baked = bake_png(bake_png(png_bytes(), CREDENTIAL), other)

    assert baked.count(b"openbadgecredential") == 1
    assert extract_credential(baked)["name"] == "Second"


def test_a_compressed_itxt_chunk_is_read():
    text = zlib.compress(b'{"id": "urn:x", "type": ["VerifiableCredential"]}')
    body = b"openbadgecredential\0" + b"\x01\x00" + b"\0" + b"\0" + text
    baked = insert_after_ihdr(png_bytes(), chunk(b"iTXt", body))

    assert extract_credential(baked) == {"id": "urn:x", "type": ["VerifiableCredential"]}


def test_a_png_without_a_credential_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="no Open Badges credential"):
        extract_credential(png_bytes(), "plain.png")


def test_a_png_with_an_ob2_assertion_is_named_as_such_and_read_only_when_asked():
    legacy = insert_after_ihdr(
        png_bytes(), chunk(b"iTXt", b"openbadges\0\0\0\0\0" + b'{"type": "Assertion", "id": "https://x/a"}')
    )
    with pytest.raises(ValueError, match=r"Open Badges 2\.0"):
        extract_credential(legacy)
    assert extract_credential(legacy, allow_legacy=True) == {"type": "Assertion", "id": "https://x/a"}


def test_a_damaged_png_is_refused():
    baked = bytearray(bake_png(png_bytes(), CREDENTIAL))
    position = baked.index(b"openbadgecredential") + 40
    baked[position] ^= 0x01
    with pytest.raises(ValueError, match="bad checksum"):
        extract_credential(bytes(baked))
    with pytest.raises(ValueError, match="truncated"):
        extract_credential(png_bytes()[:-20])


def test_a_png_with_two_credential_chunks_is_refused():
    one = chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0" + TOKEN.encode())
    with pytest.raises(ValueError, match="more than one"):
        extract_credential(insert_after_ihdr(png_bytes(), one + one))


def test_a_png_whose_chunk_holds_neither_json_nor_a_jws_is_refused():
    bad = insert_after_ihdr(png_bytes(), chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0not a credential"))
    with pytest.raises(ValueError, match="neither a JSON object nor a compact JWS"):
        extract_credential(bad)


def test_a_baked_svg_with_json_gives_back_the_credential_even_with_cdata_terminators_inside():
    baked = bake_svg(SVG, CREDENTIAL)

    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert "<![CDATA[" in baked
    assert '<circle r="4"/>' in baked  # the image itself is untouched
    assert extract_credential(baked.encode(), "badge.svg") == CREDENTIAL


def test_a_baked_svg_with_a_jwt_keeps_it_in_the_verify_attribute():
    baked = bake_svg(SVG, TOKEN)

    assert f'<openbadges:credential verify="{TOKEN}"/>' in baked
    assert extract_credential(baked.encode()) == TOKEN


def test_a_self_closing_svg_root_is_baked():
    baked = bake_svg('<svg xmlns="http://www.w3.org/2000/svg" width="1"/>', TOKEN)
    assert extract_credential(baked.encode()) == TOKEN


def test_an_svg_written_by_another_tool_is_read():
    svg = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0">
      <ob:credential>
        {"id": "urn:y", "type": ["VerifiableCredential", "OpenBadgeCredential"]}
      </ob:credential>
    </svg>"""
    assert extract_credential(svg.encode())["id"] == "urn:y"


def test_an_svg_with_an_external_entity_is_refused_without_reading_it(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    svg = f"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY leak SYSTEM "file://{secret}">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&leak;</openbadges:credential></svg>"""
    with pytest.raises(ValueError, match="refused for safety") as refused:
        extract_credential(svg.encode(), "evil.svg")
    assert "TOP SECRET" not in str(refused.value)


def test_an_svg_bomb_is_refused():
    svg = """<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>"""
    with pytest.raises(ValueError, match="refused for safety"):
        extract_credential(svg.encode())


def test_an_svg_without_a_credential_or_not_svg_at_all_is_refused():
    with pytest.raises(ValueError, match="no Open Badges credential"):
        extract_credential(SVG.encode(), "plain.svg")
    with pytest.raises(ValueError, match="not an SVG image"):
        extract_credential(b"<html xmlns='http://www.w3.org/1999/xhtml'/>", "page.svg")
    with pytest.raises(ValueError, match="not well-formed XML"):
        extract_credential(b"<svg", "broken.svg")


def test_a_file_that_is_neither_png_nor_svg_is_refused():
    with pytest.raises(ValueError, match="neither a PNG nor an SVG"):
        extract_credential(b"GIF89a....", "badge.gif")


def test_baking_refuses_what_is_not_a_credential():
    with pytest.raises(ValueError, match="Only a credential"):
        bake_png(png_bytes(), "hello world")
    with pytest.raises(ValueError, match="already carries"):
        bake_svg(bake_svg(SVG, TOKEN), TOKEN)
