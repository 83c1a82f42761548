"""What a person or an API client hands to /verify/, read into a credential and verified.

Input is pasted JSON or a VC-JWT, an uploaded file (JSON, VC-JWT, a baked PNG or SVG badge, or a PDF
carrying a credential as its attached file, such as a transcript companion's `clr.json`), or a link
to a credential or share of this portal. Links elsewhere are refused: the verify page never
fetches an address it is given. Anything that cannot be read as a credential at all raises
SubmissionError with a message for a person; anything that can is verified and gets a verdict.
"""

import dataclasses
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from credentials import selectors as credential_selectors
from credentials.models import CredentialState, IssuedCredential
from credentials.verification import credential_verify, issued_credential_verify
from vc import json_text
from vc import jwt as vc_jwt
from vc.documents import IdentityObject
from vc.errors import DocumentError, VcError
from vc.verify import Limits, VerificationResult

from .baking import PNG_SIGNATURE, extract_credential
from .display import CredentialView, credential_view, plain_words

MAX_CREDENTIAL_BYTES = Limits().max_bytes
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_CREDENTIAL_URL_NAMES = {"detail", "download_json", "download_jwt"}
NOT_A_CREDENTIAL = "This is not a credential: it is not JSON and not a signed token."
PDF_SOURCE_PREFIX = "pdf attachment "
PDF_WARNING = (
    "You uploaded a PDF. What is verified is the credential embedded in it; the pages of the PDF are only "
    "as trustworthy as their match with what is shown here."
)
NOT_PUBLIC = (
    "No credential of this portal is public at that link: a credential is shown only to its learner and "
    "its institution's staff. Ask the learner for a share link, or for the credential file to upload here."
)


class SubmissionError(Exception):
    """Input that is not a credential at all; `message` is for a person, `status` for the API."""

    def __init__(self, message: str, *, status: int = 400, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra or {}


@dataclass(frozen=True)
class Submission:
    """A credential as submitted, and where it came from when it was inside another file (a PDF)."""

    credential: dict | str
    # "pdf attachment clr.json" for the credential attached to a PDF; empty for the file or text itself.
    source: str = ""
    # What a person must know about where it came from (PDF_WARNING), shown beside the verdict.
    warning: str = ""


@dataclass(frozen=True)
class Verification:
    """One verified credential, what to call it on the page, and what it says (for people to read)."""

    label: str
    result: VerificationResult
    view: CredentialView | None = None
    document: dict | None = None
    # What was submitted, as text, so that the page can send it again (the e-mail check).
    submitted: str = ""
    # The answer of the e-mail check, when one was asked: True, False, or None (named by no e-mail).
    recipient_email_checked: bool = False
    recipient_email_match: bool | None = None
    # Where the credential came from when it was inside what was uploaded, and what that means.
    source: str = ""
    warning: str = ""

    @property
    def pdf_attachment(self) -> str:
        """The name of the PDF's attached file the credential came from, or "" when it was not in a PDF."""
        return (
            self.source.removeprefix(PDF_SOURCE_PREFIX) if self.source.startswith(PDF_SOURCE_PREFIX) else ""
        )


def recipient_email_check(*, verification: Verification, email: str) -> Verification:
    """The verification with the answer to "is `email` its recipient?" (recipient_email_matches)."""
    return dataclasses.replace(
        verification,
        recipient_email_checked=True,
        recipient_email_match=recipient_email_matches(document=verification.document, email=email),
    )


def recipient_email_matches(*, document: dict | None, email: str) -> bool | None:
    """Whether `email` is the recipient a credential names by a (salted, hashed) e-mail identifier.

    None when the credential names no recipient by e-mail. Only the answer is given: no hash of what
    was typed is ever shown. Addresses are compared as given and in lower case (a learner record may
    hold an address in either form).
    """
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    if not isinstance(subject, dict):
        return None
    email = email.strip()
    candidates = {email, email.lower()}
    named = False
    identities = subject.get("identifier")
    for identity in identities if isinstance(identities, list) else [identities]:
        if not isinstance(identity, dict) or identity.get("identityType") != "emailAddress":
            continue
        try:
            # OB 3.0 B.1.2 IdentityObject: identityHash of the address and salt when hashed.
            identity_object = IdentityObject(
                identity_hash=str(identity.get("identityHash") or ""),
                identity_type="emailAddress",
                hashed=identity.get("hashed") is True,
                salt=identity.get("salt") if isinstance(identity.get("salt"), str) else None,
            )
        except DocumentError:
            continue
        named = True
        if any(identity_object.matches(candidate) for candidate in candidates):
            return True
    return False if named else None


def recipient_email_matches_every(*, documents: list[dict], email: str) -> bool | None:
    """Whether `email` is the recipient of every credential that names one by e-mail (a share's records)."""
    answers = [recipient_email_matches(document=document, email=email) for document in documents]
    named = [answer for answer in answers if answer is not None]
    return all(named) if named else None


def credential_document(credential: dict | str) -> dict | None:
    """The credential as a dict for display: itself, or the `vc` claim of a VC-JWT (unverified)."""
    if isinstance(credential, dict):
        return credential
    try:
        _header, claims, _input, _signature = vc_jwt.decode_unverified(credential)
    except VcError:
        return None
    document = claims.get("vc")
    return document if isinstance(document, dict) else None


def verification_of(
    *, credential: dict | str, label: str = "", source: str = "", warning: str = ""
) -> Verification:
    """Verify what was submitted and say what it claims (the verdict says whether to believe it)."""
    result = submission_verify(credential=credential)
    document = credential_document(credential)
    view = credential_view(document) if document else None
    submitted = credential if isinstance(credential, str) else json.dumps(credential, ensure_ascii=False)
    return Verification(
        label or result.credential.get("name") or "The credential",
        result,
        view,
        document,
        submitted,
        source=source,
        warning=warning,
    )


def submission_verification(*, submission: Submission) -> Verification:
    """verification_of a Submission, with where it came from."""
    return verification_of(
        credential=submission.credential, source=submission.source, warning=submission.warning
    )


def submission_result(*, submission: Submission) -> dict:
    """The API's answer: the verification's dict, with `source` and `warning` for a PDF's attachment."""
    answer = submission_verify(credential=submission.credential).to_dict()
    if submission.source:
        answer["source"] = submission.source
        answer["warning"] = submission.warning
    return answer


def upload_max_bytes() -> int:
    """The largest credential file accepted (imports, /verify/, the API): PORTAL_UPLOAD_MAX_BYTES."""
    # A baked image is bigger than the credential it carries, so this exceeds MAX_CREDENTIAL_BYTES.
    return settings.PORTAL_UPLOAD_MAX_BYTES


def upload_max_text() -> str:
    """The upload limit for people: "5 MB"."""
    limit = upload_max_bytes()
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    return f"{limit / 1024:.3g} KB"


def upload_too_large_message(size: int) -> str:
    """What every upload path says about a file over the limit."""
    limit = upload_max_bytes()
    return (
        f"The file is {size:,} bytes, over the limit of {limit:,} bytes ({upload_max_text()}); "
        "it was not examined."
    )


def upload_too_large(size: int) -> SubmissionError:
    return SubmissionError(
        upload_too_large_message(size), status=413, extra={"size": size, "max_bytes": upload_max_bytes()}
    )


def _too_large(size: int, limit: int, what: str) -> SubmissionError:
    return SubmissionError(
        f"The {what} is {size:,} bytes, over the limit of {limit:,} bytes (about {limit / 1e6:.0f} MB); "
        "it was not examined.",
        status=413,
        extra={"size": size, "max_bytes": limit},
    )


def credential_from_text(text: str) -> dict | str:
    """A credential from pasted or posted text: a JSON object (dict) or a compact JWS (str)."""
    size = len(text.encode("utf-8"))
    if size > MAX_CREDENTIAL_BYTES:
        raise _too_large(size, MAX_CREDENTIAL_BYTES, "credential")
    text = text.strip().removeprefix("\ufeff")
    if not text:
        raise SubmissionError("Nothing was given to verify: paste a credential or choose a file.")
    if _COMPACT_JWS.match(text):
        try:
            vc_jwt.decode_unverified(text)
        except VcError as exc:
            raise SubmissionError(
                "This looks like a signed token, but it cannot be read.", extra={"jwt_error": exc.reason}
            ) from exc
        return text
    try:
        value = json_text.loads(text)
    except DocumentError as exc:
        # The parser's own words ("Expecting value: line 1 column 1") are for technical details.
        not_json = exc.reason.startswith(json_text.NOT_JSON_REASON)
        raise SubmissionError(
            NOT_A_CREDENTIAL if not_json else f"This cannot be read as a credential. {exc.reason}",
            extra={"json_error": exc.reason},
        ) from exc
    if not isinstance(value, dict):
        raise SubmissionError(
            "This is JSON, but not a credential: a credential is one JSON object ({…}).",
            extra={"json_error": f"The JSON is a {type(value).__name__}."},
        )
    return value


def _is_pdf(data: bytes, filename: str) -> bool:
    # credentials.pdf_attachment (and pypdf) are imported when a PDF is read, not by every process that
    # loads the URLconf: a Celery worker never reads one.
    from credentials.pdf_attachment import is_pdf

    return is_pdf(data) or filename.lower().endswith(".pdf")


def credential_from_file(*, data: bytes, filename: str = "") -> dict | str:
    """A credential from an uploaded file: JSON, VC-JWT, a baked PNG or SVG badge, or a PDF's attachment."""
    if len(data) > upload_max_bytes():
        raise upload_too_large(len(data))
    if not data.strip():
        raise SubmissionError("The file is empty.")
    if _is_pdf(data, filename):
        return submission_from_pdf(data=data).credential
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(PNG_SIGNATURE) or stripped.startswith(b"<") or filename.lower().endswith(".svg"):
        try:
            return extract_credential(data, filename)
        except ValueError as exc:
            raise SubmissionError(plain_words(str(exc)), extra={"image_error": str(exc)}) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(
            "The file is not a credential: it is not text (JSON or a signed token), and not a PNG or SVG "
            "badge image.",
            status=415,
        ) from None
    return credential_from_text(text)


def submission_from_file(*, data: bytes, filename: str = "") -> Submission:
    """What an uploaded file submits: the credential it is or carries, and whether it came out of a PDF."""
    if len(data) > upload_max_bytes():
        raise upload_too_large(len(data))
    if _is_pdf(data, filename):
        return submission_from_pdf(data=data)
    return Submission(credential_from_file(data=data, filename=filename))


def submission_from_pdf(*, data: bytes) -> Submission:
    """The credential attached to a PDF (a transcript companion's clr.json), read as an uploaded file is."""
    from credentials.pdf_attachment import PdfAttachmentError, credential_in_pdf

    if len(data) > upload_max_bytes():
        raise upload_too_large(len(data))
    try:
        attachment = credential_in_pdf(data)
    except PdfAttachmentError as exc:
        extra = {"pdf_error": exc.reason} if exc.reason else {}
        raise SubmissionError(exc.message, status=413 if exc.too_large else 400, extra=extra) from exc
    try:
        text = attachment.data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(
            f"This PDF carries the file {attachment.name}, but it is not a credential: it is not text "
            "(JSON or a signed token).",
            extra={"attachment": attachment.name},
        ) from None
    carries = f"This PDF carries the file {attachment.name}"
    if not text.strip():
        raise SubmissionError(f"{carries}, but it is empty.", extra={"attachment": attachment.name})
    try:
        credential = credential_from_text(text)
    except SubmissionError as exc:
        if exc.message == NOT_A_CREDENTIAL:
            message = f"{carries}, but it is not a credential: it is not JSON and not a signed token."
        else:
            message = f"{carries}, but it cannot be read as a credential. {exc.message}"
        raise SubmissionError(
            message,
            status=exc.status,
            extra={**exc.extra, "attachment": attachment.name},
        ) from exc
    return Submission(credential, source=f"{PDF_SOURCE_PREFIX}{attachment.name}", warning=PDF_WARNING)


def submission_verify(*, credential: dict | str) -> VerificationResult:
    """Verify what was submitted, with this portal's issuers resolved locally."""
    return credential_verify(document_or_jwt=credential)


def _portal_path(url: str) -> str:
    """The path of a link to this portal; SubmissionError for a link anywhere else."""
    url = url.strip()
    parts = urlsplit(url)
    base = urlsplit(settings.PORTAL_BASE_URL)
    if url.startswith("/") and not url.startswith("//"):
        return parts.path
    if parts.scheme in {"http", "https"} and parts.netloc == base.netloc:
        return parts.path
    raise SubmissionError(
        f"Only links to this portal ({settings.PORTAL_BASE_URL}/…) can be checked here; this page never "
        "fetches other sites. Download the credential and upload the file instead.",
        extra={"url": url[:500]},
    )


def _credential_verification(credential: IssuedCredential, states: dict | None = None) -> Verification:
    if credential.state != CredentialState.SIGNED:
        raise SubmissionError("That credential is not signed yet; try again in a moment.", status=409)
    label = credential.name or credential.get_kind_display()
    result = issued_credential_verify(credential=credential, states=states)
    return Verification(label, result, credential_view(credential.document), credential.document)


def portal_link_verify(*, url: str, user) -> list[Verification]:
    """Verify the credential(s) a link of this portal points at, if the visitor may see them."""
    path = _portal_path(url)
    try:
        match = resolve(path)
    except Resolver404:
        raise SubmissionError(
            "That link is not a credential or share link of this portal.", status=404
        ) from None
    if match.namespace == "credentials" and match.url_name in _CREDENTIAL_URL_NAMES:
        credential = (
            IssuedCredential.objects.select_related("institution", "learner")
            .filter(pk=match.kwargs["credential_id"])
            .first()
        )
        if credential is None or not credential_selectors.credential_visible_to(
            credential=credential, user=user
        ):
            raise SubmissionError(NOT_PUBLIC, status=404)
        return [_credential_verification(credential)]
    if match.namespace == "wallet" and "token" in match.kwargs:
        return _share_verifications(match.kwargs["token"])
    raise SubmissionError("That link is not a credential or share link of this portal.", status=404)


def _share_verifications(token: str) -> list[Verification]:
    from wallet import selectors as wallet_selectors

    share = wallet_selectors.share_by_token(token=token)
    if share is None:
        raise SubmissionError("There is no share at that link.", status=404)
    if not share.is_active:
        state = "revoked by its owner" if share.is_revoked else "expired"
        raise SubmissionError(
            f"That share link was {state}, so what it showed can no longer be verified from it. "
            "The credentials themselves are unaffected; ask the learner for a new link.",
            status=410,
        )
    states: dict = {}
    return [
        _credential_verification(credential, states)
        for credential in wallet_selectors.share_credentials(share=share)
        if credential.state == CredentialState.SIGNED
    ]
