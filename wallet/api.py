"""POST /api/v1/verify: a credential (JSON, VC-JWT, an uploaded file, or a PDF carrying one) in, the verdict
and every check out."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from clrportal.ratelimits import ClientRateThrottle
from vc.verify import CHECK_NAMES

from .verification import (
    PDF_WARNING,
    Submission,
    SubmissionError,
    credential_from_text,
    submission_from_file,
    submission_from_pdf,
    submission_result,
    upload_max_bytes,
    upload_too_large,
)


class _RawBodyParser(BaseParser):
    """The body as bytes, read at most one byte past the upload limit (the size check says the rest)."""

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(upload_max_bytes() + 1) if stream is not None else b""


def _raw_parser(media: str) -> type[BaseParser]:
    return type(f"RawParser[{media}]", (_RawBodyParser,), {"media_type": media})


JSON_TYPES = ("application/json", "application/ld+json", "application/vc", "application/vc+ld+json")
JWT_TYPES = ("application/vc+jwt", "application/jwt", "text/plain")
PDF_TYPES = ("application/pdf",)
ACCEPTED = [*JSON_TYPES, *JWT_TYPES, *PDF_TYPES, "multipart/form-data (field `file`)"]


class CheckSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(CHECK_NAMES))
    status = serializers.ChoiceField(choices=["passed", "failed", "could_not_check"])
    message = serializers.CharField(help_text="What was found, in plain language.")
    details = serializers.ListField(child=serializers.CharField(), required=False)


class NestedVerificationSerializer(serializers.Serializer):
    verified = serializers.BooleanField(help_text="True only when the verdict is `verified`.")
    verdict = serializers.ChoiceField(choices=["verified", "could_not_check", "not_valid"])
    checks = CheckSerializer(many=True)
    credential = serializers.DictField(help_text="id, type, name and issuer of the credential.")


class VerificationSerializer(NestedVerificationSerializer):
    nested = NestedVerificationSerializer(many=True, help_text="The credentials inside a CLR, each verified.")
    source = serializers.CharField(
        required=False,
        help_text="Only for a PDF: where the verified credential came from, e.g. `pdf attachment clr.json`.",
    )
    warning = serializers.CharField(
        required=False,
        help_text=f"Only for a PDF: what the verdict does not cover. “{PDF_WARNING}”",
    )


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    extra = serializers.DictField()


class VerifyView(APIView):
    """Verify an OB 3.0 / CLR 2.0 credential the way any outside verifier would."""

    authentication_classes: list = []  # anonymous, so no session and no CSRF token needed
    permission_classes = [AllowAny]
    throttle_classes = [ClientRateThrottle]  # per client address, counted in the shared cache
    throttle_scope = "verify"
    parser_classes = [
        *(_raw_parser(media) for media in (*JSON_TYPES, *JWT_TYPES, *PDF_TYPES)),
        MultiPartParser,
    ]

    @extend_schema(
        operation_id="verify_credential",
        summary="Verify a credential",
        description=(
            "The body is the credential JSON (`application/json`, `application/ld+json`), a VC-JWT "
            "(`application/vc+jwt`, `application/jwt`, `text/plain`), a PDF (`application/pdf`), or a "
            "multipart upload whose `file` is a JSON, VC-JWT, baked PNG/SVG badge or PDF. From a PDF (a "
            "transcript companion) the one credential attached to it is verified, and the answer adds "
            "`source` (`pdf attachment clr.json`) and `warning`: the PDF's pages are not what is verified. "
            "The answer has a top-level `verified` boolean, "
            "a `verdict` (`verified`, `could_not_check` — something could not be reached — or "
            "`not_valid`) and every check with a message in plain language. Input that is not a "
            "credential at all is answered with 400 (413 when too large, 415 for unsupported types)."
        ),
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/ld+json": OpenApiTypes.OBJECT,
            "application/vc+jwt": OpenApiTypes.STR,
            "text/plain": OpenApiTypes.STR,
            "application/pdf": OpenApiTypes.BINARY,
            "multipart/form-data": inline_serializer("VerifyUpload", {"file": serializers.FileField()}),
        },
        responses={
            200: VerificationSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Not a credential (not JSON, not a VC-JWT, no baked data; a PDF that is damaged, "
                "encrypted, or carries no credential or more than one).",
            ),
            413: OpenApiResponse(
                ErrorSerializer, description="Larger than the limit (or a PDF's attachment is)."
            ),
            415: OpenApiResponse(ErrorSerializer, description="A body or file type that is not accepted."),
            429: OpenApiResponse(ErrorSerializer, description="Too many requests; try again later."),
        },
        examples=[
            OpenApiExample(
                "Revoked",
                response_only=True,
                value={
                    "verified": False,
                    "verdict": "not_valid",
                    "checks": [
                        {"name": "proof", "status": "passed", "message": "The signature is valid."},
                        {"name": "status", "status": "failed", "message": "The credential has been revoked."},
                    ],
                    "credential": {
                        "id": "https://portal.example/credentials/…",
                        "type": ["VerifiableCredential"],
                    },
                    "nested": [],
                },
            )
        ],
    )
    def post(self, request):
        try:
            body = request.data
        except exceptions.UnsupportedMediaType:
            return Response(
                {
                    "message": f"A body of type {request.content_type or '(none)'} is not accepted; send the "
                    "credential as JSON, a VC-JWT as text, or a file in a multipart upload.",
                    "extra": {"accepted": ACCEPTED},
                },
                status=415,
            )
        try:
            submission = self._submission(request, body)
        except SubmissionError as exc:
            return Response({"message": exc.message, "extra": exc.extra}, status=exc.status)
        return Response(submission_result(submission=submission))

    @staticmethod
    def _submission(request, body) -> Submission:
        if isinstance(body, bytes):
            if not body.strip():
                raise SubmissionError(
                    "The request body is empty: send the credential JSON, a VC-JWT, or a file.",
                    extra={"accepted": ACCEPTED},
                )
            if len(body) > upload_max_bytes():
                raise SubmissionError(
                    f"The request body is over the limit of {upload_max_bytes():,} bytes; "
                    "it was not examined.",
                    status=413,
                    extra={"max_bytes": upload_max_bytes()},
                )
            if request.content_type in PDF_TYPES or body.startswith(b"%PDF-"):
                return submission_from_pdf(data=body)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise SubmissionError(
                    "The request body is not UTF-8 text, so it is neither JSON nor a VC-JWT."
                ) from None
            return Submission(credential_from_text(text))
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size is not None and upload.size > upload_max_bytes():
                raise upload_too_large(upload.size)
            return submission_from_file(data=upload.read(upload_max_bytes() + 1), filename=upload.name or "")
        if hasattr(body, "get") and body.get("credential"):
            return Submission(credential_from_text(body["credential"]))
        raise SubmissionError(
            "Nothing to verify: the body is empty or has no `file` field. Send the credential as the body, "
            "or upload it as the field `file`.",
            extra={"accepted": ACCEPTED},
        )
