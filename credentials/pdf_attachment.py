"""The credential a PDF carries as an attached file (a transcript companion's `clr.json`), read safely.

A PDF handed to the verifier comes from anyone, so every step is bounded before work is spent on it:

- the caller has already refused a file over the upload limit (`PORTAL_UPLOAD_MAX_BYTES`);
- it must start with `%PDF-`, must not be encrypted, and may list at most `MAX_EMBEDDED_FILES` files;
- an attachment may decode to at most `MAX_ATTACHMENT_BYTES` (pypdf's decoders are held to that for
  the whole read, so a decompression bomb stops at the limit instead of filling memory);
- exactly one attached file may be a credential: a `.json`, `.jsonld` or `.jwt` file, or one whose
  declared type is JSON or a JWT.

Only the embedded files are read: the text on the PDF's pages is never read or compared, which is why
whoever shows the result must say that the pages are only as trustworthy as their match with it.
Anything else raises PdfAttachmentError with a message for a person; pypdf's own words are in `reason`.
"""

import io
import logging
from dataclasses import dataclass

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

logger = logging.getLogger(__name__)

PDF_SIGNATURE = b"%PDF-"
MAX_EMBEDDED_FILES = 20
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_NAME_TREE_DEPTH = 8
CREDENTIAL_SUFFIXES = (".json", ".jsonld", ".jwt")
CREDENTIAL_MEDIA_TYPES = {
    "application/json",
    "application/ld+json",
    "application/vc",
    "application/vc+ld+json",
    "application/vc+jwt",
    "application/jwt",
}
NOT_READ_NOTE = "Only the PDF's attached credential was read; the text on its pages was not read or compared."


class PdfAttachmentError(Exception):
    """A PDF that carries no single readable credential; `message` is for a person, `reason` technical."""

    def __init__(self, message: str, *, reason: str = "", too_large: bool = False):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.too_large = too_large


@dataclass(frozen=True)
class PdfCredential:
    """The one credential file a PDF carries: its bytes as attached, its file name and declared type."""

    data: bytes
    name: str
    media_type: str = ""
    attached_files: int = 1
    note: str = NOT_READ_NOTE


@dataclass(frozen=True)
class _Attached:
    name: str
    media_type: str
    stream: StreamObject
    declared_size: int | None


def is_pdf(data: bytes) -> bool:
    """Whether `data` starts as a PDF file does (ISO 32000-2 7.5.2: the header `%PDF-n.m`)."""
    return data.startswith(PDF_SIGNATURE)


def _key(value) -> tuple:
    """What makes two references one object (the name tree and /AF list the same file specification)."""
    if isinstance(value, IndirectObject):
        return ("ref", value.idnum, value.generation)
    return ("direct", id(value))


def _resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _text(value) -> str:
    return str(value) if isinstance(value, str) else ""


def _file_specifications(catalog: DictionaryObject) -> list:
    """The file specifications of the catalog's EmbeddedFiles name tree and its /AF array, each once."""
    found: dict[tuple, object] = {}

    def add(reference) -> None:
        found.setdefault(_key(reference), reference)
        if len(found) > MAX_EMBEDDED_FILES:
            raise PdfAttachmentError(
                f"This PDF has more than {MAX_EMBEDDED_FILES} attached files; a transcript companion carries "
                "one credential. It was not examined further."
            )

    seen_nodes: set[tuple] = set()

    def walk(node_reference, depth: int) -> None:
        # ISO 32000-2 7.9.6: a name tree is nodes with /Kids, leaves with /Names [key value key value …].
        if depth > MAX_NAME_TREE_DEPTH or _key(node_reference) in seen_nodes:
            return
        seen_nodes.add(_key(node_reference))
        node = _resolve(node_reference)
        if not isinstance(node, DictionaryObject):
            return
        names = _resolve(node.get("/Names"))
        if isinstance(names, ArrayObject):
            for value in list(names)[1::2]:
                add(value)
        kids = _resolve(node.get("/Kids"))
        if isinstance(kids, ArrayObject):
            for kid in list(kids)[: MAX_EMBEDDED_FILES + 1]:
                walk(kid, depth + 1)

    names = _resolve(catalog.get("/Names"))
    if isinstance(names, DictionaryObject) and "/EmbeddedFiles" in names:
        walk(names["/EmbeddedFiles"], 0)
    # PDF/A-3 (ISO 19005-3 6.8): associated files are listed in the catalog's /AF too (WeasyPrint 70
    # lists each one twice there), so they are counted once, by reference.
    associated = _resolve(catalog.get("/AF"))
    if isinstance(associated, ArrayObject):
        for value in list(associated)[: 2 * MAX_EMBEDDED_FILES + 2]:
            add(value)
    return list(found.values())


def _attached(specification) -> _Attached | None:
    """The embedded file of a file specification (ISO 32000-2 7.11.4), or None when it embeds none."""
    spec = _resolve(specification)
    if not isinstance(spec, DictionaryObject):
        return None
    embedded = _resolve(spec.get("/EF"))
    if not isinstance(embedded, DictionaryObject):
        return None
    reference = embedded.get("/UF") or embedded.get("/F")
    stream = _resolve(reference)
    if not isinstance(stream, StreamObject):
        return None
    name = _text(spec.get("/UF")) or _text(spec.get("/F")) or "attachment"
    subtype = stream.get("/Subtype")
    # A PDF name escapes "/" as #2F; pypdf gives back the decoded name.
    media_type = str(subtype).removeprefix("/").lower() if subtype is not None else ""
    params = _resolve(stream.get("/Params"))
    size = _resolve(params.get("/Size")) if isinstance(params, DictionaryObject) else None
    return _Attached(
        name=name[:200],
        media_type=media_type[:100],
        stream=stream,
        declared_size=int(size) if isinstance(size, int) else None,
    )


def _is_credential_file(attached: _Attached) -> bool:
    return (
        attached.name.lower().endswith(CREDENTIAL_SUFFIXES) or attached.media_type in CREDENTIAL_MEDIA_TYPES
    )


def _read_credential(reader: pypdf.PdfReader) -> PdfCredential:
    if reader.is_encrypted:
        raise PdfAttachmentError(
            "This PDF is encrypted (protected by a password), so what it carries cannot be read. A "
            "transcript companion is never encrypted: upload the PDF as it was issued, or the credential "
            "file itself."
        )
    catalog = _resolve(reader.trailer.get("/Root"))
    if not isinstance(catalog, DictionaryObject):
        raise PdfAttachmentError(
            "This PDF is damaged: its catalog, which lists what it carries, cannot be read.",
            reason="The trailer has no /Root dictionary.",
        )
    attached = [a for a in map(_attached, _file_specifications(catalog)) if a is not None]
    # Two file specifications may name one embedded stream; that is one file.
    unique = {id(a.stream): a for a in attached}
    attached = list(unique.values())
    credentials = [a for a in attached if _is_credential_file(a)]
    if not credentials:
        others = (
            f" It has {len(attached)} attached file{'s' if len(attached) != 1 else ''}, none of them a "
            "credential (JSON or a signed token)."
            if attached
            else ""
        )
        raise PdfAttachmentError(
            "This PDF carries no credential: nothing in it can be verified, whatever its pages say." + others
            + " A transcript companion of this portal carries its signed credential as the attached file "
            "clr.json; ask for the PDF as it was issued, or for the credential file itself."
        )  # fmt: skip
    if len(credentials) > 1:
        names = ", ".join(sorted(a.name for a in credentials))
        raise PdfAttachmentError(
            f"This PDF carries {len(credentials)} credentials ({names}); a transcript companion carries "
            "exactly one, so which one its pages describe cannot be told. Upload the credential file itself."
        )
    [found] = credentials
    if found.declared_size is not None and found.declared_size > MAX_ATTACHMENT_BYTES:
        raise _attachment_too_large(found.name, found.declared_size)
    data = found.stream.get_data()
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise _attachment_too_large(found.name, len(data))
    return PdfCredential(
        data=data, name=found.name, media_type=found.media_type, attached_files=len(attached)
    )


def _attachment_too_large(name: str, size: int) -> PdfAttachmentError:
    return PdfAttachmentError(
        f"The file {name} attached to this PDF is {size:,} bytes or more, over the limit of "
        f"{MAX_ATTACHMENT_BYTES:,} bytes for a credential; it was not examined.",
        too_large=True,
    )


def credential_in_pdf(data: bytes) -> PdfCredential:
    """The one credential file attached to the PDF `data` (PdfAttachmentError when there is not one)."""
    if not is_pdf(data):
        raise PdfAttachmentError(
            "This file is not a PDF: a PDF starts with “%PDF-”, and this one does not. Upload the PDF as it "
            "was issued, or the credential file itself."
        )
    # pypdf's decoders stop at these sizes for everything read here (a context variable: this thread only).
    limits = {
        "maximum_declared_stream_length": len(data),
        "zlib_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
        "zlib_maximum_recovery_input_length": 100_000,
        "lzw_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
        "run_length_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
        "brotli_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
        "array_based_stream_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
        "jbig2_maximum_output_length": MAX_ATTACHMENT_BYTES + 1,
        "jbig2dec_binary": None,  # never start another program for a stranger's file
        "stream_decoding_work_maximum_length": 4 * MAX_ATTACHMENT_BYTES,
        "array_maximum_element_count": 10_000,
        "dictionary_maximum_element_count": 10_000,
    }
    try:
        with pypdf.apply_configuration(**limits):
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            return _read_credential(reader)
    except PdfAttachmentError:
        raise
    except pypdf.errors.LimitReachedError as exc:
        raise PdfAttachmentError(
            "This PDF's attached file expands to more than the limit of "
            f"{MAX_ATTACHMENT_BYTES:,} bytes for a credential; it was not examined further.",
            reason=str(exc),
            too_large=True,
        ) from exc
    except Exception as exc:  # a stranger's file: pypdf raises more than PdfReadError on bad input
        logger.info("A PDF given to the verifier could not be read: %s: %s", type(exc).__name__, exc)
        raise PdfAttachmentError(
            "This PDF is damaged and cannot be read, so what it carries cannot be verified. Upload the "
            "PDF as it was issued, or the credential file itself.",
            reason=f"{type(exc).__name__}: {exc}"[:500],
        ) from exc
