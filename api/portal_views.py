"""The portal's REST API for institution systems (/api/v1/): the registrar's and admin's pages as endpoints.

Every view is scoped to the institution of the caller's token (another institution's object is 404),
lets the role do what the pages let it do (api.permissions), and hands its input to the same forms and
services the pages use; nothing here decides a rule of its own.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from achievements import selectors as achievement_selectors
from achievements import services as achievement_services
from achievements.forms import (
    AchievementForm,
    AlignmentForm,
    AwardForm,
    ImportUploadForm,
    LearnerForm,
    ResultDescriptionForm,
    WithdrawForm,
    alignment_data,
    result_description_data,
)
from achievements.imports import background
from achievements.models import Achievement, Association, Award, ImportRun, Learner
from credentials import selectors as credential_selectors
from credentials import services as credential_services
from credentials.forms import search_query
from credentials.models import IssuanceJob, IssuedCredential
from institutions import services as institution_services
from institutions.models import KeyAlgorithm

from . import portal_serializers as s
from .errors import Conflict, PayloadTooLarge, portal_api_exception_handler
from .permissions import Action, PortalApiPermission
from .tokens import PortalApiAuthentication

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="The input is not valid; `extra.fields` says why."),
    401: OpenApiResponse(s.ErrorSerializer, description="No token, or an unknown, revoked or expired one."),
    403: OpenApiResponse(s.ErrorSerializer, description="The token's role does not allow this."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such object at the token's institution."),
    413: OpenApiResponse(s.ErrorSerializer, description="The body is larger than the endpoint takes."),
    415: OpenApiResponse(s.ErrorSerializer, description="A body type the endpoint does not take."),
}
READ_ERRORS = {code: ERRORS[code] for code in (401, 403, 404)}


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in (401, 403, *codes)}


class BoundedJSONParser(JSONParser):
    """JSON, refusing nesting too deep for the decoder (Python's recursion limit) with a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("The JSON is nested too deeply.") from None


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


class PortalApiView(generics.GenericAPIView):
    """The base of every portal API endpoint: token authentication, role rules, one error shape, bounds."""

    authentication_classes = [PortalApiAuthentication]
    permission_classes = [PortalApiPermission]
    parser_classes = [BoundedJSONParser]
    pagination_class = Pagination
    permission_actions: dict = {}
    max_body_bytes = 1024 * 1024  # JSON bodies; the import upload takes its own bound

    def get_exception_handler(self):
        return portal_api_exception_handler

    def initial(self, request, *args, **kwargs):
        # A method the endpoint does not take is 405 for anyone (writes are POST, as on the pages).
        if request.method.lower() not in self.http_method_names or not hasattr(self, request.method.lower()):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)  # authentication and role first: a stranger learns nothing
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise exceptions.ParseError("The Content-Length header is not a number.") from None
        if length > self.max_body_bytes:
            raise PayloadTooLarge(
                f"The request body is larger than this endpoint takes ({self.max_body_bytes:,} bytes)."
            )

    @property
    def institution(self):
        return self.request.auth.institution

    @property
    def actor(self):
        return self.request.auth.actor

    def input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def page(self, queryset, serializer_class, **context):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=context).data
        return self.get_paginated_response(data)


def _form_problems(form) -> dict:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(message) for message in messages]
        for name, messages in form.errors.items()
    }


def _valid_form(form):
    if not form.is_valid():
        raise exceptions.ValidationError(_form_problems(form))
    return form


# --- the catalog --------------------------------------------------------------------------------------


def _no_separator(values, separator: str, what: str) -> None:
    for value in values:
        if separator in value:
            raise exceptions.ValidationError({what: [f"{value!r}: a value cannot contain {separator!r}."]})


def _version_input(data: dict, *, institution, achievement=None, instance=None):
    """The web form's checks on the catalog entry, its alignments and its result descriptions."""
    _no_separator(data["tags"], ",", "tags")
    identifiers = data["other_identifiers"]
    _no_separator([i["identifier_type"] + i["identifier"] for i in identifiers], "\n", "other_identifiers")
    fields = {name: data[name] for name in AchievementForm.Meta.fields if name in data}
    fields = {name: "" if value is None else value for name, value in fields.items()}
    form = AchievementForm(
        {
            **fields,
            "human_code": data["human_code"],
            "tags_text": ", ".join(data["tags"]),
            "identifiers_text": "\n".join(f"{i['identifier_type']}: {i['identifier']}" for i in identifiers),
            "retired": data.get("retired", False),
            "new_version": data.get("new_version", False),
        },
        institution=institution,
        achievement=achievement,
        instance=instance,
    )
    problems = _form_problems(form) if not form.is_valid() else {}
    alignments, alignment_problems = [], []
    for row in data["alignments"]:
        alignment = AlignmentForm(row)
        alignment_problems.append(_form_problems(alignment) if not alignment.is_valid() else {})
        if alignment.is_valid():
            alignments.append(alignment_data(alignment.cleaned_data))
    descriptions, description_problems = [], []
    for row in data["result_descriptions"]:
        _no_separator(row["allowed_values"], ",", "result_descriptions")
        _no_separator([level[key] for level in row["levels"] for key in level], "|", "result_descriptions")
        description = ResultDescriptionForm(
            {
                **row,
                "allowed_values": ", ".join(row["allowed_values"]),
                "levels": "\n".join(
                    " | ".join([level["name"], level["points"], level["description"]])
                    for level in row["levels"]
                ),
            }
        )
        description_problems.append(_form_problems(description) if not description.is_valid() else {})
        if description.is_valid():
            descriptions.append(result_description_data(description.cleaned_data))
    if any(alignment_problems):
        problems["alignments"] = alignment_problems
    if any(description_problems):
        problems["result_descriptions"] = description_problems
    if problems:
        raise exceptions.ValidationError(problems)
    return form, alignments, descriptions


def _achievement_or_404(view, achievement_id) -> Achievement:
    return get_object_or_404(
        Achievement.objects.select_related("current_version"), institution=view.institution, pk=achievement_id
    )


def _achievement_response(achievement: Achievement, *, status_code=status.HTTP_200_OK) -> Response:
    achievement = Achievement.objects.select_related("current_version").get(pk=achievement.pk)
    if achievement.current_version_id:
        achievement.current_version = achievement_selectors.version_with_details(
            version_id=achievement.current_version_id
        )
    associations = achievement_selectors.achievement_associations(achievement=achievement)
    data = s.AchievementSerializer(achievement, context={"associations": associations}).data
    return Response(data, status=status_code)


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_list",
        summary="The catalog",
        parameters=[
            OpenApiParameter("q", str, description="Code, name, description or tag contains this."),
            OpenApiParameter("type", str, description="Achievement type, e.g. Course."),
            OpenApiParameter("field", str, description="Field of study."),
            OpenApiParameter("retired", bool, description="Include retired achievements."),
        ],
        responses={200: s.AchievementSummarySerializer(many=True), **_errors()},
    ),
    post=extend_schema(
        operation_id="catalog_create",
        summary="Add an achievement to the catalog",
        request=s.AchievementInputSerializer,
        responses={201: s.AchievementSerializer, **_errors(400, 413, 415)},
    ),
)
class AchievementListView(PortalApiView):
    permission_actions = {"GET": Action.CATALOG_READ, "POST": Action.CATALOG_WRITE}
    serializer_class = s.AchievementSummarySerializer

    def get(self, request):
        achievements = achievement_selectors.achievements_for_catalog(
            institution=self.institution,
            query=search_query(request.query_params.get("q", "")),
            achievement_type=request.query_params.get("type", "")[:60],
            field_of_study=request.query_params.get("field", "")[:200],
            include_retired=request.query_params.get("retired") in ("1", "true"),
        )
        return self.page(achievements, s.AchievementSummarySerializer)

    def post(self, request):
        data = self.input(s.AchievementInputSerializer)
        form, alignments, descriptions = _version_input(data, institution=self.institution)
        achievement = achievement_services.achievement_create(
            institution=self.institution,
            human_code=form.cleaned_data["human_code"],
            fields=form.version_fields(),
            alignments=alignments,
            result_descriptions=descriptions,
            actor=self.actor,
        )
        return _achievement_response(achievement, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_retrieve",
        summary="An achievement with its current version",
        responses={200: s.AchievementSerializer, **READ_ERRORS},
    ),
    post=extend_schema(
        operation_id="catalog_update",
        summary="Edit an achievement",
        description="The whole content, as the edit page sends it (alignments and result descriptions are "
        "replaced). An awarded version is never changed: the edit becomes a new version.",
        request=s.AchievementUpdateSerializer,
        responses={200: s.AchievementSerializer, **_errors(400, 404, 413, 415)},
    ),
)
class AchievementDetailView(PortalApiView):
    permission_actions = {"GET": Action.CATALOG_READ, "POST": Action.CATALOG_WRITE}
    serializer_class = s.AchievementSerializer

    def get(self, request, achievement_id):
        return _achievement_response(_achievement_or_404(self, achievement_id))

    def post(self, request, achievement_id):
        achievement = _achievement_or_404(self, achievement_id)
        data = self.input(s.AchievementUpdateSerializer)
        version = achievement_selectors.version_with_details(version_id=achievement.current_version_id)
        form, alignments, descriptions = _version_input(
            data, institution=self.institution, achievement=achievement, instance=version
        )
        achievement_services.achievement_update(
            achievement=achievement,
            human_code=form.cleaned_data["human_code"],
            retired=form.cleaned_data["retired"],
            fields=form.version_fields(),
            alignments=alignments,
            result_descriptions=descriptions,
            new_version=form.cleaned_data["new_version"],
            actor=self.actor,
        )
        return _achievement_response(achievement)


@extend_schema_view(
    get=extend_schema(
        operation_id="associations_list",
        summary="The achievement's associations (CLR 2.0), both ways",
        responses={200: s.AssociationSerializer(many=True), **READ_ERRORS},
    ),
    post=extend_schema(
        operation_id="associations_create",
        summary="Relate the achievement to another of the catalog",
        request=s.AssociationInputSerializer,
        responses={201: s.AssociationSerializer, **_errors(400, 404, 413, 415)},
    ),
)
class AssociationListView(PortalApiView):
    permission_actions = {"GET": Action.CATALOG_READ, "POST": Action.CATALOG_WRITE}
    serializer_class = s.AssociationSerializer
    pagination_class = None

    def get(self, request, achievement_id):
        achievement = _achievement_or_404(self, achievement_id)
        associations = achievement_selectors.achievement_associations(achievement=achievement)
        return Response(s.AssociationSerializer(associations, many=True).data)

    def post(self, request, achievement_id):
        achievement = _achievement_or_404(self, achievement_id)
        data = self.input(s.AssociationInputSerializer)
        target = Achievement.objects.filter(institution=self.institution, pk=data["target"]).first()
        if target is None:
            raise exceptions.ValidationError({"target": ["No such achievement in this catalog."]})
        association = achievement_services.association_create(
            source=achievement, target=target, association_type=data["association_type"], actor=self.actor
        )
        return Response(s.AssociationSerializer(association).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        operation_id="associations_delete",
        summary="Remove an association",
        request=None,
        responses={204: None, **READ_ERRORS},
    )
)
class AssociationDeleteView(PortalApiView):
    permission_actions = {"POST": Action.CATALOG_WRITE}
    serializer_class = s.AssociationSerializer

    def post(self, request, achievement_id, association_id):
        achievement = _achievement_or_404(self, achievement_id)
        association = get_object_or_404(
            Association.objects.filter(source=achievement) | Association.objects.filter(target=achievement),
            institution=self.institution,
            pk=association_id,
        )
        achievement_services.association_delete(association=association, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- learners and awards -----------------------------------------------------------------------------


def _learner_or_404(view, learner_id) -> Learner:
    return get_object_or_404(Learner, institution=view.institution, pk=learner_id)


@extend_schema_view(
    get=extend_schema(
        operation_id="learners_list",
        summary="The institution's learners",
        parameters=[OpenApiParameter("q", str, description="Student id (exact), name or e-mail contains.")],
        responses={200: s.LearnerSerializer(many=True), **_errors()},
    ),
    post=extend_schema(
        operation_id="learners_create",
        summary="Add a learner",
        request=s.LearnerInputSerializer,
        responses={201: s.LearnerSerializer, **_errors(400, 413, 415)},
    ),
)
class LearnerListView(PortalApiView):
    permission_actions = {"GET": Action.LEARNERS_READ, "POST": Action.LEARNERS_WRITE}
    serializer_class = s.LearnerSerializer

    def get(self, request):
        learners = achievement_selectors.learners_search(
            institution=self.institution, query=search_query(request.query_params.get("q", ""))
        )
        return self.page(learners, s.LearnerSerializer)

    def post(self, request):
        data = self.input(s.LearnerInputSerializer)
        learner = Learner(institution=self.institution, student_id=data["student_id"].strip())
        form = _valid_form(LearnerForm(data, instance=learner))
        learner = achievement_services.learner_save(learner=form.save(commit=False), actor=self.actor)
        return Response(s.LearnerSerializer(learner).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="learners_retrieve",
        summary="A learner",
        responses={200: s.LearnerSerializer, **READ_ERRORS},
    )
)
class LearnerDetailView(PortalApiView):
    permission_actions = {"GET": Action.LEARNERS_READ}
    serializer_class = s.LearnerSerializer

    def get(self, request, learner_id):
        return Response(s.LearnerSerializer(_learner_or_404(self, learner_id)).data)


def _awards():
    return Award.objects.select_related("achievement", "achievement_version").prefetch_related(
        "results__result_description"
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="awards_list",
        summary="Awards of the institution",
        parameters=[
            OpenApiParameter("learner", int, description="Only this learner's."),
            OpenApiParameter("achievement", int, description="Only of this achievement."),
            OpenApiParameter("term", str, description="Only of this term, e.g. Fall 2025."),
            OpenApiParameter("withdrawn", bool, description="true: only withdrawn; false: only active."),
        ],
        responses={200: s.AwardSerializer(many=True), **_errors(400)},
    )
)
class AwardListView(PortalApiView):
    permission_actions = {"GET": Action.LEARNERS_READ}
    serializer_class = s.AwardSerializer

    def get(self, request):
        awards = _awards().filter(institution=self.institution).order_by("-awarded_date", "pk")
        params = request.query_params
        for name in ("learner", "achievement"):
            if params.get(name):
                value = params[name]
                if not (value.isascii() and value.isdigit() and len(value) <= 18):
                    raise exceptions.ValidationError({name: ["Give the id, a number."]})
                awards = awards.filter(**{f"{name}_id": int(value)})
        if params.get("term"):
            awards = awards.filter(term=params["term"][:60])
        if params.get("withdrawn") in ("true", "1"):
            awards = awards.filter(withdrawn_at__isnull=False)
        elif params.get("withdrawn") in ("false", "0"):
            awards = awards.filter(withdrawn_at__isnull=True)
        return self.page(awards, s.AwardSerializer)


@extend_schema_view(
    get=extend_schema(
        operation_id="learner_awards_list",
        summary="A learner's awards",
        responses={200: s.AwardSerializer(many=True), **READ_ERRORS},
    ),
    post=extend_schema(
        operation_id="learner_awards_create",
        summary="Record an award for the learner",
        description="As the learner page: under the achievement's current version, checked on its result "
        "descriptions (a result below the criteria is recorded as an attempt).",
        request=s.AwardInputSerializer,
        responses={201: s.AwardSerializer, **_errors(400, 404, 413, 415)},
    ),
)
class LearnerAwardListView(PortalApiView):
    permission_actions = {"GET": Action.LEARNERS_READ, "POST": Action.AWARDS_WRITE}
    serializer_class = s.AwardSerializer

    def get(self, request, learner_id):
        learner = _learner_or_404(self, learner_id)
        return self.page(_awards().filter(learner=learner).order_by("-awarded_date", "pk"), s.AwardSerializer)

    def post(self, request, learner_id):
        learner = _learner_or_404(self, learner_id)
        data = self.input(s.AwardInputSerializer)
        form_data = {name: "" if value is None else value for name, value in data.items()}
        form = _valid_form(AwardForm(form_data, institution=self.institution))
        cleaned = form.cleaned_data
        award = achievement_services.award_create(
            learner=learner,
            achievement=cleaned["achievement"],
            term=cleaned["term"].strip(),
            result=cleaned["result"],
            result_status=cleaned["result_status"],
            credits_earned=cleaned["credits_earned"],
            activity_start_date=cleaned["activity_start_date"],
            activity_end_date=cleaned["activity_end_date"],
            awarded_date=cleaned["awarded_date"],
            evidence=form.evidence(),
            actor=self.actor,
        )
        return Response(s.AwardSerializer(_awards().get(pk=award.pk)).data, status=status.HTTP_201_CREATED)


def _award_or_404(view, award_id) -> Award:
    return get_object_or_404(_awards(), institution=view.institution, pk=award_id)


@extend_schema_view(
    get=extend_schema(
        operation_id="awards_retrieve", summary="An award", responses={200: s.AwardSerializer, **READ_ERRORS}
    )
)
class AwardDetailView(PortalApiView):
    permission_actions = {"GET": Action.LEARNERS_READ}
    serializer_class = s.AwardSerializer

    def get(self, request, award_id):
        return Response(s.AwardSerializer(_award_or_404(self, award_id)).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="awards_withdraw",
        summary="Withdraw an award",
        description="Its credentials are revoked; the reason is kept in its history.",
        request=s.ReasonSerializer,
        responses={200: s.AwardSerializer, **_errors(400, 404, 413, 415)},
    )
)
class AwardWithdrawView(PortalApiView):
    permission_actions = {"POST": Action.AWARDS_WRITE}
    serializer_class = s.AwardSerializer

    def post(self, request, award_id):
        award = _award_or_404(self, award_id)
        form = _valid_form(WithdrawForm(self.input(s.ReasonSerializer)))
        achievement_services.award_withdraw(award=award, reason=form.cleaned_data["reason"], actor=self.actor)
        return Response(s.AwardSerializer(_award_or_404(self, award_id)).data)


# --- SIS imports ---------------------------------------------------------------------------------------


def _import_response(run: ImportRun, *, status_code=status.HTTP_200_OK) -> Response:
    progress = {run.pk: background.progress_of(run)} if run.in_progress else {}
    return Response(s.ImportRunSerializer(run, context={"progress": progress}).data, status=status_code)


@extend_schema_view(
    get=extend_schema(
        operation_id="imports_list",
        summary="SIS imports, newest first",
        responses={200: s.ImportRunSerializer(many=True), **_errors()},
    ),
    post=extend_schema(
        operation_id="imports_upload",
        summary="Upload an SIS file to be checked",
        description="A worker checks the file: read the import until its status is `previewed` (its rows' "
        "problems in `problems`, what it would change in `preview_rows`), then commit it. A file beyond a "
        "bound seen at once (e.g. a zip bomb) is `rejected` straight away.",
        request={"multipart/form-data": s.ImportUploadSerializer},
        responses={202: s.ImportRunSerializer, **_errors(400, 413, 415)},
    ),
)
class ImportListView(PortalApiView):
    permission_actions = {"GET": Action.IMPORTS, "POST": Action.IMPORTS}
    serializer_class = s.ImportRunSerializer
    parser_classes = [MultiPartParser]

    @property
    def max_body_bytes(self):
        return settings.PORTAL_IMPORT_MAX_BYTES + 64 * 1024  # the file and the multipart envelope

    def get(self, request):
        return self.page(ImportRun.objects.filter(institution=self.institution), s.ImportRunSerializer)

    def post(self, request):
        form = _valid_form(ImportUploadForm(request.POST, request.FILES))
        run = background.import_upload(
            institution=self.institution, upload=form.cleaned_data["file"], actor=self.actor
        )
        run.refresh_from_db()
        return _import_response(run, status_code=status.HTTP_202_ACCEPTED)


def _import_or_404(view, run_id) -> ImportRun:
    return get_object_or_404(ImportRun, institution=view.institution, pk=run_id)


@extend_schema_view(
    get=extend_schema(
        operation_id="imports_retrieve",
        summary="An import: its status, the preview with each row's problems, its progress",
        responses={200: s.ImportRunSerializer, **READ_ERRORS},
    )
)
class ImportDetailView(PortalApiView):
    permission_actions = {"GET": Action.IMPORTS}
    serializer_class = s.ImportRunSerializer

    def get(self, request, run_id):
        return _import_response(_import_or_404(self, run_id))


@extend_schema_view(
    post=extend_schema(
        operation_id="imports_commit",
        summary="Import a checked file",
        description="Only a `previewed` import is committed (409 otherwise). With problems in the file, "
        "nothing is written unless `valid_only` asks for the rows without problems.",
        request=s.ImportCommitSerializer,
        responses={
            202: s.ImportRunSerializer,
            409: OpenApiResponse(s.ErrorSerializer, description="Not waiting to be committed."),
            **_errors(400, 404, 413, 415),
        },
    )
)
class ImportCommitView(PortalApiView):
    permission_actions = {"POST": Action.IMPORTS}
    serializer_class = s.ImportRunSerializer

    def post(self, request, run_id):
        run = _import_or_404(self, run_id)
        data = self.input(s.ImportCommitSerializer)
        if not background.import_confirm(run=run, valid_only=data["valid_only"], actor=self.actor):
            raise Conflict(
                "This import is not waiting to be committed: it was handled, or is not checked yet."
            )
        return _import_response(_import_or_404(self, run_id), status_code=status.HTTP_202_ACCEPTED)


# --- issuing -------------------------------------------------------------------------------------------


def _credentials():
    return IssuedCredential.objects.select_related("institution")


@extend_schema_view(
    post=extend_schema(
        operation_id="awards_issue",
        summary="Issue the award's credential (an OB 3.0 AchievementCredential)",
        description="Answers with the credential (queued, then signed by a worker); an award already issued "
        "answers with its current credential.",
        request=None,
        responses={202: s.CredentialSerializer, **_errors(400, 404)},
    )
)
class AwardIssueView(PortalApiView):
    permission_actions = {"POST": Action.ISSUANCE}
    serializer_class = s.CredentialSerializer

    def post(self, request, award_id):
        award = _award_or_404(self, award_id)
        credential = credential_services.credential_issue(award=award, actor=self.actor)
        return Response(s.CredentialSerializer(credential).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    get=extend_schema(
        operation_id="learner_credentials_list",
        summary="The credentials issued to a learner",
        responses={200: s.CredentialSerializer(many=True), **READ_ERRORS},
    )
)
class LearnerCredentialListView(PortalApiView):
    permission_actions = {"GET": Action.ISSUANCE}
    serializer_class = s.CredentialSerializer

    def get(self, request, learner_id):
        learner = _learner_or_404(self, learner_id)
        return self.page(credential_selectors.credentials_of_learner(learner=learner), s.CredentialSerializer)


@extend_schema_view(
    post=extend_schema(
        operation_id="learner_clr_issue",
        summary="Issue the learner's Comprehensive Learner Record (CLR 2.0)",
        description="A CLR of every award that can be issued; when nothing changed since the current one, "
        "that one is the answer.",
        request=None,
        responses={202: s.CredentialSerializer, **_errors(400, 404)},
    )
)
class LearnerClrIssueView(PortalApiView):
    permission_actions = {"POST": Action.ISSUANCE}
    serializer_class = s.CredentialSerializer

    def post(self, request, learner_id):
        learner = _learner_or_404(self, learner_id)
        clr = credential_services.clr_issue(learner=learner, actor=self.actor)
        return Response(s.CredentialSerializer(clr).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    get=extend_schema(
        operation_id="jobs_list",
        summary="Bulk issuance jobs, newest first, with their progress",
        responses={200: s.JobSerializer(many=True), **_errors()},
    ),
    post=extend_schema(
        operation_id="jobs_create",
        summary="Issue in bulk: every award of a term and/or of chosen achievements not issued yet",
        description="Then a CLR for each learner whose record changed. Follow the job's progress with "
        "GET /api/v1/jobs/{job_id}.",
        request=s.JobInputSerializer,
        responses={202: s.JobSerializer, **_errors(400, 413, 415)},
    ),
)
class JobListView(PortalApiView):
    permission_actions = {"GET": Action.ISSUANCE, "POST": Action.ISSUANCE}
    serializer_class = s.JobSerializer

    def get(self, request):
        return self.page(IssuanceJob.objects.filter(institution=self.institution), s.JobSerializer)

    def post(self, request):
        data = self.input(s.JobInputSerializer)
        term = data["term"] or None
        # The issuance page's rules: a term must have awards; a choice naming nothing of this catalog is
        # refused, never widened to "all awards".
        if term and term not in credential_selectors.terms_of(institution=self.institution):
            raise exceptions.ValidationError({"term": [f"There are no awards in the term {term!r}."]})
        achievement_ids = tuple(
            Achievement.objects.filter(institution=self.institution, pk__in=data["achievements"]).values_list(
                "pk", flat=True
            )
        )
        if data["achievements"] and not achievement_ids:
            raise exceptions.ValidationError(
                {"achievements": ["None of the chosen achievements is in your catalog: nothing was issued."]}
            )
        job = credential_services.bulk_issue(
            institution=self.institution,
            selection=credential_services.Selection(term=term, achievement_ids=achievement_ids),
            actor=self.actor,
        )
        job.refresh_from_db()
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    get=extend_schema(
        operation_id="jobs_retrieve",
        summary="A bulk issuance job and its progress",
        responses={200: s.JobSerializer, **READ_ERRORS},
    )
)
class JobDetailView(PortalApiView):
    permission_actions = {"GET": Action.ISSUANCE}
    serializer_class = s.JobSerializer

    def get(self, request, job_id):
        job = get_object_or_404(IssuanceJob, institution=self.institution, pk=job_id)
        return Response(s.JobSerializer(job).data)


# --- credentials ---------------------------------------------------------------------------------------


def _credential_or_404(view, credential_id) -> IssuedCredential:
    return get_object_or_404(
        IssuedCredential.objects.select_related(
            "status_list", "institution", "learner__user", "award__achievement", "award__achievement_version"
        ),
        institution=view.institution,
        pk=credential_id,
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="credentials_list",
        summary="Issued credentials, newest first",
        parameters=[
            OpenApiParameter("learner", int, description="Only this learner's."),
            OpenApiParameter("kind", str, enum=["AchievementCredential", "ClrCredential"]),
            OpenApiParameter("state", str, enum=["queued", "signed", "failed"]),
        ],
        responses={200: s.CredentialSerializer(many=True), **_errors(400)},
    )
)
class CredentialListView(PortalApiView):
    permission_actions = {"GET": Action.ISSUANCE}
    serializer_class = s.CredentialSerializer

    def get(self, request):
        found = _credentials().filter(institution=self.institution).order_by("-created_at", "pk")
        params = request.query_params
        if params.get("learner"):
            if not (
                params["learner"].isascii() and params["learner"].isdigit() and len(params["learner"]) <= 18
            ):
                raise exceptions.ValidationError({"learner": ["Give the id, a number."]})
            found = found.filter(learner_id=int(params["learner"]))
        if params.get("kind"):
            found = found.filter(kind=params["kind"][:30])
        if params.get("state"):
            found = found.filter(state=params["state"][:10])
        return self.page(found, s.CredentialSerializer)


@extend_schema_view(
    get=extend_schema(
        operation_id="credentials_retrieve",
        summary="An issued credential, with its signed document",
        description="To verify a credential as an outside verifier would, POST it to /api/v1/verify.",
        responses={200: s.CredentialDetailSerializer, **READ_ERRORS},
    )
)
class CredentialDetailView(PortalApiView):
    permission_actions = {"GET": Action.ISSUANCE}
    serializer_class = s.CredentialDetailSerializer

    def get(self, request, credential_id):
        return Response(s.CredentialDetailSerializer(_credential_or_404(self, credential_id)).data)


class _CredentialStatusView(PortalApiView):
    permission_actions = {"POST": Action.CREDENTIAL_STATUS}
    serializer_class = s.CredentialSerializer

    def change(self, credential) -> None:
        raise NotImplementedError

    def post(self, request, credential_id):
        credential = _credential_or_404(self, credential_id)
        self.change(credential)
        return Response(s.CredentialSerializer(_credential_or_404(self, credential_id)).data)


_STATUS_RESPONSES = {200: s.CredentialSerializer, **_errors(400, 404, 413, 415)}


@extend_schema_view(
    post=extend_schema(
        operation_id="credentials_revoke",
        summary="Revoke a credential for good",
        description="Verifiers then report it revoked (its status list is re-signed); the learner is told.",
        request=s.ReasonSerializer,
        responses=_STATUS_RESPONSES,
    )
)
class CredentialRevokeView(_CredentialStatusView):
    def change(self, credential):
        reason = self.input(s.ReasonSerializer)["reason"]
        credential_services.credential_revoke(credential=credential, reason=reason, actor=self.actor)


@extend_schema_view(
    post=extend_schema(
        operation_id="credentials_suspend",
        summary="Suspend a credential until the suspension is lifted",
        request=s.ReasonSerializer,
        responses=_STATUS_RESPONSES,
    )
)
class CredentialSuspendView(_CredentialStatusView):
    def change(self, credential):
        reason = self.input(s.ReasonSerializer)["reason"]
        credential_services.credential_suspend(credential=credential, reason=reason, actor=self.actor)


@extend_schema_view(
    post=extend_schema(
        operation_id="credentials_unsuspend",
        summary="Lift a credential's suspension",
        request=None,
        responses={200: s.CredentialSerializer, **_errors(404)},
    )
)
class CredentialUnsuspendView(_CredentialStatusView):
    def change(self, credential):
        credential_services.credential_unsuspend(credential=credential, actor=self.actor)


# --- signing keys (administrators) -------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="keys_list",
        summary="The institution's signing keys (public parts)",
        responses={200: s.SigningKeySerializer(many=True), **_errors()},
    )
)
class KeyListView(PortalApiView):
    permission_actions = {"GET": Action.KEYS_READ}
    serializer_class = s.SigningKeySerializer
    pagination_class = None

    def get(self, request):
        keys = self.institution.signing_keys.select_related("institution")
        return Response(s.SigningKeySerializer(keys, many=True).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="keys_rotate",
        summary="Rotate the signing keys (administrators only)",
        description="A new active key per algorithm (or only `algorithm`'s); older keys stay published, so "
        "what they signed still verifies.",
        request=s.KeyRotateSerializer,
        responses={201: s.SigningKeySerializer(many=True), **_errors(400, 413, 415)},
    )
)
class KeyRotateView(PortalApiView):
    permission_actions = {"POST": Action.KEYS_ROTATE}
    serializer_class = s.SigningKeySerializer
    pagination_class = None

    def post(self, request):
        algorithm = self.input(s.KeyRotateSerializer).get("algorithm")
        created = institution_services.signing_keys_rotate(
            institution=self.institution,
            actor=self.actor,
            algorithms=[algorithm] if algorithm in KeyAlgorithm.values else None,
        )
        return Response(s.SigningKeySerializer(created, many=True).data, status=status.HTTP_201_CREATED)


@csrf_exempt  # no cookie is read: it only answers that nothing is here
def not_found(request, unknown_path):
    """Any other address under /api/v1/: the error shape, not the HTML 404 page."""
    if request.method not in ("GET", "HEAD", "POST", "OPTIONS"):
        response = JsonResponse(
            {"message": f"Method {request.method} is not allowed.", "extra": {}}, status=405
        )
        response["Allow"] = "GET, POST"
        return response
    return JsonResponse(
        {
            "message": "No such endpoint of the portal API: see /api/docs/.",
            "extra": {"path": request.path[:200]},
        },
        status=404,
    )
