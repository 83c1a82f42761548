"""Open Badges 3.0 baking: a credential carried inside a PNG or SVG image (OB 3.0 section "Baking").

PNG: one iTXt chunk with the keyword `openbadgecredential` whose text is the credential JSON or a
compact JWS. SVG: one `<openbadges:credential>` element (namespace https://purl.imsglobal.org/ob/v3p0)
whose `verify` attribute holds a compact JWS, or whose text (usually CDATA) holds the JSON.
SVG is parsed with defusedxml: no DTDs, no entities, nothing fetched.
"""

import json
import re
import struct
import zlib

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml

from vc import json_text
from vc.errors import VcError
from vc.verify import Limits

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
# OB 2.0 baked assertions used this keyword; they are not OB 3.0 credentials.
PNG_LEGACY_KEYWORD = b"openbadges"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_NAMESPACE = "http://openbadges.org"
MAX_CREDENTIAL_BYTES = Limits().max_bytes

_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
# The start tag of the root <svg> element, with quoted attribute values that may hold ">".
_SVG_START_TAG = re.compile(r"""<svg\b(?:[^>"']|"[^"]*"|'[^']*')*?(/?)>""")


def _payload(text: str, where: str) -> dict | str:
    """The credential in `text`: a JSON object (as dict) or a compact JWS (as str)."""
    text = text.strip()
    if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise ValueError(f"The credential in {where} is larger than {MAX_CREDENTIAL_BYTES:,} bytes.")
    if _COMPACT_JWS.match(text):
        return text
    if text.startswith("{"):
        try:
            value = json_text.loads(text)
        except VcError as exc:
            raise ValueError(f"The credential in {where} is not valid JSON: {exc.reason}") from exc
        if isinstance(value, dict):
            return value
    if not text:
        raise ValueError(f"The credential in {where} is empty.")
    raise ValueError(f"The credential in {where} is neither a JSON object nor a compact JWS (VC-JWT).")


def _credential_text(credential: dict | str) -> str:
    if isinstance(credential, dict):
        return json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
    if isinstance(credential, str):
        token = credential.strip()
        if _COMPACT_JWS.match(token) or token.startswith("{"):
            return token
    raise ValueError("Only a credential (a dict) or a compact JWS (a VC-JWT string) can be baked.")


# --- PNG ---------------------------------------------------------------------------------------


def _png_chunks(data: bytes):
    """(type, data) for each chunk, with lengths and CRCs checked."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("The file is not a PNG image.")
    position = len(PNG_SIGNATURE)
    while position < len(data):
        if position + 8 > len(data):
            raise ValueError("The PNG image is truncated (a chunk header is cut short).")
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 8 + length + 4
        if end > len(data):
            raise ValueError(
                f"The PNG image is truncated (the {kind.decode('latin-1')!r} chunk is cut short)."
            )
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : end])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(
                f"The PNG image is damaged (bad checksum in the {kind.decode('latin-1')!r} chunk)."
            )
        yield kind, body
        position = end
        if kind == b"IEND":
            return
    raise ValueError("The PNG image is truncated (it has no IEND chunk).")


def _itxt_parts(body: bytes) -> tuple[bytes, str]:
    """(keyword, text) of an iTXt chunk; PNG 1.2 11.3.4.5: keyword, flags, language, translation, text."""
    try:
        keyword, rest = body.split(b"\0", 1)
        compressed, method = rest[0], rest[1]
        _language, rest = rest[2:].split(b"\0", 1)
        _translated, text = rest.split(b"\0", 1)
    except (ValueError, IndexError) as exc:
        raise ValueError("The PNG image has a malformed iTXt chunk.") from exc
    if compressed:
        if method != 0:
            raise ValueError("The PNG image has an iTXt chunk compressed with an unknown method.")
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_CREDENTIAL_BYTES + 1)
        except zlib.error as exc:
            raise ValueError("The PNG image has an iTXt chunk whose compressed text is damaged.") from exc
        if len(text) > MAX_CREDENTIAL_BYTES or inflater.unconsumed_tail:
            raise ValueError(
                f"The credential in the PNG image is larger than {MAX_CREDENTIAL_BYTES:,} bytes."
            )
    try:
        return keyword, text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("The PNG image has an iTXt chunk whose text is not UTF-8.") from exc


def _png_credential(data: bytes, *, allow_legacy: bool) -> dict | str:
    found: list[str] = []
    legacy: list[str] = []
    for kind, body in _png_chunks(data):
        if kind != b"iTXt":
            continue
        keyword, text = _itxt_parts(body)
        if keyword == PNG_KEYWORD:
            found.append(text)
        elif keyword == PNG_LEGACY_KEYWORD:
            legacy.append(text)
    if len(found) > 1:
        # OB 3.0 Baking: there must be only one openbadgecredential chunk.
        raise ValueError("The PNG image carries more than one `openbadgecredential` chunk; it is malformed.")
    if found:
        return _payload(found[0], "the PNG image")
    if legacy:
        if allow_legacy:
            return _payload(legacy[0], "the PNG image")
        raise ValueError(
            "The PNG image carries an Open Badges 2.0 assertion (keyword `openbadges`), "
            "not an Open Badges 3.0 credential."
        )
    raise ValueError("The PNG image carries no Open Badges credential (no `openbadgecredential` iTXt chunk).")


def _itxt_chunk(keyword: bytes, text: str) -> bytes:
    body = keyword + b"\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8")
    return struct.pack(">I", len(body)) + b"iTXt" + body + struct.pack(">I", zlib.crc32(b"iTXt" + body))


def bake_png(png_bytes: bytes, credential: dict | str) -> bytes:
    """The PNG with `credential` in an `openbadgecredential` iTXt chunk (any earlier one replaced)."""
    text = _credential_text(credential)
    out = [PNG_SIGNATURE]
    for kind, body in _png_chunks(png_bytes):
        if kind == b"iTXt" and body.split(b"\0", 1)[0] == PNG_KEYWORD:
            continue
        out.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body)))
        if kind == b"IHDR":
            out.append(_itxt_chunk(PNG_KEYWORD, text))
    return b"".join(out)


# --- SVG ---------------------------------------------------------------------------------------


def _svg_root(text: str):
    try:
        root = parse_xml(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ValueError(
            "The SVG image declares a DTD or entities, which are refused for safety; it was not read."
        ) from exc
    except ParseError as exc:
        raise ValueError(f"The SVG image is not well-formed XML ({exc}).") from exc
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ValueError("The file is XML but not an SVG image (its root element is not <svg>).")
    return root


def _svg_credential(text: str, *, allow_legacy: bool) -> dict | str:
    root = _svg_root(text)
    elements = list(root.iter(f"{{{OB3_NAMESPACE}}}credential"))
    if len(elements) > 1:
        raise ValueError(
            "The SVG image carries more than one <openbadges:credential> element; it is malformed."
        )
    if elements:
        element = elements[0]
        token = element.get("verify")
        if token:
            return _payload(token, "the SVG image's verify attribute")
        return _payload("".join(element.itertext()), "the SVG image")
    legacy = next(root.iter(f"{{{OB2_NAMESPACE}}}assertion"), None)
    if legacy is not None:
        if allow_legacy:
            return _payload(legacy.get("verify") or "".join(legacy.itertext()), "the SVG image")
        raise ValueError(
            "The SVG image carries an Open Badges 2.0 assertion (<openbadges:assertion>), "
            "not an Open Badges 3.0 credential."
        )
    raise ValueError("The SVG image carries no Open Badges credential (no <openbadges:credential> element).")


def bake_svg(svg_text: str, credential: dict | str) -> str:
    """The SVG with an `<openbadges:credential>` element: a JWS in `verify`, or the JSON as CDATA."""
    root = _svg_root(svg_text)
    if next(root.iter(f"{{{OB3_NAMESPACE}}}credential"), None) is not None:
        raise ValueError("The SVG image already carries an Open Badges credential.")
    payload = _credential_text(credential)
    if _COMPACT_JWS.match(payload):
        element = f'<openbadges:credential verify="{payload}"/>'
    else:
        # A "]]>" inside the JSON would end the CDATA section early; split it across two sections.
        cdata = payload.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>"
    match = _SVG_START_TAG.search(svg_text)
    if match is None:
        raise ValueError("The SVG image's <svg> start tag could not be found.")
    start_tag = match.group(0)
    self_closing = bool(match.group(1))
    head = start_tag[: -2 if self_closing else -1].rstrip()
    if "xmlns:openbadges=" not in head:
        head += f' xmlns:openbadges="{OB3_NAMESPACE}"'
    replacement = f"{head}>{element}" + ("</svg>" if self_closing else "")
    return svg_text[: match.start()] + replacement + svg_text[match.end() :]


# --- either ------------------------------------------------------------------------------------


def _looks_like_svg(data: bytes, filename: str) -> bool:
    # Any XML (declaration, comment, doctype or element first) is parsed, and refused if not SVG.
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    return filename.lower().endswith(".svg") or head.startswith(b"<")


def extract_credential(data: bytes, filename: str = "", *, allow_legacy: bool = False) -> dict | str:
    """The credential baked into a PNG or SVG image: a dict (JSON) or a str (compact JWS).

    Raises ValueError, with a message for a person, when the file is neither image, carries no
    credential, or is malformed. With allow_legacy, an OB 2.0 baked assertion is returned instead
    of refused.
    """
    if data.startswith(PNG_SIGNATURE):
        return _png_credential(data, allow_legacy=allow_legacy)
    if _looks_like_svg(data, filename):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError("The SVG image is not UTF-8 text.") from exc
        return _svg_credential(text, allow_legacy=allow_legacy)
    raise ValueError("The file is neither a PNG nor an SVG image, so it cannot carry a baked credential.")
