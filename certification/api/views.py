"""Certification API: thin views over certification.services and certification.process.selectors."""


from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.access import (
    application_access_get,
    application_light_queryset,
    may_apply,
    may_declare_conflicts,
)
from certification.api.filtersets import (
    ApplicationFilterSet,
    ConflictFilterSet,
    SbomComponentFilterSet,
)
from certification.api.serializers import (
    ApplicationActionSerializer,
    ApplicationCreateSerializer,
    ApplicationDetailSerializer,
    ApplicationLiveStateSerializer,
    ApplicationSerializer,
    ArtifactSerializer,
    ArtifactUploadSerializer,
    CaseDeviationInputSerializer,
    CaseResultInputSerializer,
    CaseWithHistorySerializer,
    CheckSerializer,
    ClarificationCloseSerializer,
    ClarificationInputSerializer,
    ClarificationSerializer,
    ConflictInputSerializer,
    ConflictSerializer,
    EvidenceFileSerializer,
    EvidenceUploadSerializer,
    IndependenceStatementSerializer,
    SbomComponentSerializer,
)
from certification.checks.runs import check_run_retry
from certification.models import Clarification, ConflictDeclaration, SbomComponent
from certification.process.selectors import (
    application_access_full,
    application_list,
    application_live_state,
    artifact_get,
    case_get,
    check_run_row,
    check_runs_by_key,
    clarification_get,
    clarification_list,
    conflict_list,
    evaluation_report_latest,
    evidence_file_get,
    product_version_get,
    sbom_component_list,
    vendor_member_ids,
)
from certification.process.services import (
    application_create,
    application_transition,
    artifact_upload,
    case_deviation_record,
    case_result_record,
)
from certification.process.workbench import (
    clarification_ask,
    clarification_close,
    clarification_reply,
    conflict_declare,
    evidence_file_attach,
    independence_declare,
)
from certification.reports.views import evaluation_report_response
from config.api.parsers import FormParser, JSONParser, MultiPartParser
from config.api.schema import (
    ERROR_404,
    ERROR_409,
    ERROR_413,
    ERROR_415,
    ERRORS_400,
    ERRORS_AUTH,
    ErrorSerializer,
)
from config.api.uploads import LimitedUploadMixin
from config.downloads import stored_file_response
from config.errors import PermissionDeniedError
from registry.selectors import certificate_get


@extend_schema_view(
    get=extend_schema(summary=_("Applications you may see"),
                      description=_("Vendor members see their vendor's applications, evaluators the ones "
                                    "assigned to them, staff and certifiers all."),
                      responses={200: ApplicationSerializer(many=True), **ERRORS_AUTH}, tags=["applications"]),
    post=extend_schema(summary=_("Open a draft application for one of your product versions"),
                       request=ApplicationCreateSerializer,
                       responses={201: ApplicationDetailSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404},
                       tags=["applications"]),
)
class ApplicationListView(generics.ListCreateAPIView):
    # The list carries no pass rule: that is computed for one application at a time (detail).
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilterSet

    def get_queryset(self):
        return application_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        if not may_apply(request.user):  # deny before reading the input
            raise PermissionDeniedError(_("Only a vendor's members may apply for certification."))
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = product_version_get(pk=data["product_version"])
        certificates = {}
        for field in ("renewal_of", "maintenance_of"):  # another vendor's serial is 'not found' in the service
            if data.get(field):
                certificates[field] = certificate_get(serial=data[field])
        app = application_create(actor=request.user, product_version=version, scheme=data["scheme"],
                                 level=data["level"], impact_analysis=data.get("impact_analysis", ""),
                                 affected_requirements=data.get("affected_requirements"), **certificates)
        access = application_access_full(user=request.user, pk=app.pk)
        return Response(ApplicationDetailSerializer(access.application, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(
    summary=_("One application with its cases, findings, artifacts and events"),
    description=_("Also the progress per requirement group, the live state of the automated checks and, for "
                  "those who may see it, the pass rule's breakdown by group."),
    responses={200: ApplicationDetailSerializer, **ERRORS_AUTH, **ERROR_404}, tags=["applications"]))
class ApplicationDetailView(generics.RetrieveAPIView):
    serializer_class = ApplicationDetailSerializer

    def get_object(self):
        access = application_access_full(user=self.request.user, pk=self.kwargs["pk"])
        self.request.application_access = access
        return access.application


class ApplicationScopedMixin:
    """Views under applications/{id}/: the caller's access to the application (another vendor's is 404;
    an assigned evaluator sees details only after stating independence: 403), read once."""

    access_details = True

    def get_access(self):
        if not hasattr(self, "_access"):
            self._access = application_access_get(user=self.request.user, pk=self.kwargs["pk"],
                                                  queryset=application_light_queryset(user=self.request.user),
                                                  details=self.access_details)
        return self._access

    def get_application(self):
        return self.get_access().application


class ApplicationArtifactView(ApplicationScopedMixin, LimitedUploadMixin, APIView):

    @extend_schema(
        summary=_("Upload an artifact (multipart: kind, file)"),
        request={"multipart/form-data": ArtifactUploadSerializer},
        responses={201: ArtifactSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409, **ERROR_413,
                   **ERROR_415},
        tags=["applications"],
    )
    def post(self, request, pk: int):
        access = self.get_access()
        access.require(access.is_vendor, _("Only the vendor's members upload its artifacts."))
        app = access.application
        serializer = ArtifactUploadSerializer(data=self.upload_data(request))
        serializer.is_valid(raise_exception=True)
        artifact = artifact_upload(application=app, actor=request.user, **serializer.validated_data)
        return Response(ArtifactSerializer(artifact).data, status=status.HTTP_201_CREATED)


class ApplicationActionView(ApplicationScopedMixin, APIView):
    @extend_schema(
        summary=_("Take a workflow action (submit, assign, complete, certify, ...)"),
        request=ApplicationActionSerializer,
        responses={200: ApplicationDetailSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409},
        tags=["applications"],
    )
    def post(self, request, pk: int):
        app = self.get_application()  # the service locks and re-reads the row; the full one is read after it
        serializer = ApplicationActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application_transition(application=app, actor=request.user, **serializer.validated_data)
        access = application_access_full(user=request.user, pk=pk)
        return Response(ApplicationDetailSerializer(access.application, context={"request": request}).data)


def _case_response(request, app, requirement_code: str) -> Response:
    case = case_get(application=app, requirement_code=requirement_code)
    case.application = app  # the scoped row: who the caller is to it is already known
    return Response(CaseWithHistorySerializer(case, context={"request": request}).data)


class ApplicationCaseView(ApplicationScopedMixin, APIView):
    @extend_schema(
        summary=_("One test case with its history and evidence files"),
        description=_("History lists every change, oldest first: who, when, the old and the new result and notes."),
        responses={200: CaseWithHistorySerializer, **ERRORS_AUTH, **ERROR_404},
        tags=["workbench"],
    )
    def get(self, request, pk: int, requirement_code: str):
        return _case_response(request, self.get_application(), requirement_code)

    @extend_schema(
        summary=_("Record the result of one test case (assigned evaluator)"),
        description=_("Every change is kept; the response carries the case and its history."),
        request=CaseResultInputSerializer,
        responses={200: CaseWithHistorySerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409},
        tags=["applications"],
    )
    def put(self, request, pk: int, requirement_code: str):
        access = self.get_access()
        access.require(access.is_assigned_evaluator,
                       _("Only an evaluator assigned to this application may record results."))
        app = access.application
        serializer = CaseResultInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case_result_record(application=app, requirement_code=requirement_code, actor=request.user,
                           **serializer.validated_data)
        return _case_response(request, app, requirement_code)


# Evaluator's workbench -------------------------------------------------------------------------

@extend_schema_view(
    get=extend_schema(
        summary=_("Conflict-of-interest declarations"),
        description=_("An evaluator sees their own declarations; staff see everyone's (filter with `evaluator`). "
                      "A relation blocks assignment to the vendor's applications while it lasts and for the "
                      "cooling-off period after it ends."),
        responses={200: ConflictSerializer(many=True), **ERRORS_AUTH}, tags=["workbench"]),
    post=extend_schema(
        summary=_("Declare a relation with a vendor (evaluator)"),
        description=_("`vendor` is the vendor's id or its tax code."),
        request=ConflictInputSerializer,
        responses={201: ConflictSerializer, **ERRORS_400, **ERRORS_AUTH}, tags=["workbench"]),
)
class ConflictListView(generics.ListCreateAPIView):
    serializer_class = ConflictSerializer
    filterset_class = ConflictFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return ConflictDeclaration.objects.none()
        return conflict_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        if not may_declare_conflicts(request.user):
            raise PermissionDeniedError(_("Only evaluators declare conflicts of interest."))
        serializer = ConflictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # the new row already carries the evaluator and vendor objects the serializer reads
        declaration = conflict_declare(evaluator=request.user, **serializer.validated_data)
        return Response(ConflictSerializer(declaration).data, status=status.HTTP_201_CREATED)


class IndependenceView(ApplicationScopedMixin, APIView):
    access_details = False  # the statement is what opens the details
    @extend_schema(
        summary=_("Declare independence from the application's vendor (assigned evaluator)"),
        description=_("Needed before working on the application. Refused with 409 and the reason when the "
                      "evaluator declared a relation with the vendor that is ongoing or ended within the "
                      "cooling-off period. Declaring again changes nothing and answers 200."),
        request=None,
        responses={201: IndependenceStatementSerializer, 200: IndependenceStatementSerializer, **ERRORS_AUTH,
                   **ERROR_404, 409: OpenApiResponse(ErrorSerializer, description=_("A declared conflict of "
                                                                                   "interest."))},
        tags=["workbench"],
    )
    def post(self, request, pk: int):
        access = self.get_access()
        existed = access.independence_stated
        statement = independence_declare(application=access.application, evaluator=request.user)
        return Response(IndependenceStatementSerializer(statement).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary=_("Questions to the vendor, each with its replies"),
                      responses={200: ClarificationSerializer(many=True), **ERRORS_AUTH, **ERROR_404},
                      tags=["workbench"]),
    post=extend_schema(
        summary=_("Ask the vendor a question, or reply in a thread"),
        description=_("Without `parent`: a new question (assigned evaluators and staff). With `parent`: a reply "
                      "in that thread (the vendor, assigned evaluators and staff). Answers with the whole thread."),
        request=ClarificationInputSerializer,
        responses={201: ClarificationSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404}, tags=["workbench"]),
)
class ClarificationListView(ApplicationScopedMixin, generics.ListCreateAPIView):
    serializer_class = ClarificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no application
            return Clarification.objects.none()
        return clarification_list(application=self.get_application())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            access = self.get_access()
            if access.sees_as_vendor:
                context["vendor_side_ids"] = vendor_member_ids(application=access.application)
        return context

    def create(self, request, *args, **kwargs):
        access = self.get_access()
        access.require(access.may_ask or access.may_reply,
                       _("Only the vendor, the assigned evaluators and staff reply to questions."))
        app = access.application
        serializer = ClarificationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["parent"] is not None:
            parent = clarification_get(application=app, pk=data["parent"])
            item = clarification_reply(parent=parent, actor=request.user, body=data["body"])
        else:
            item = clarification_ask(application=app, actor=request.user, body=data["body"],
                                     requirement_code=data["requirement_code"].strip())
        thread = clarification_list(application=app).get(pk=item.parent_id or item.pk)
        return Response(self.get_serializer(thread).data, status=status.HTTP_201_CREATED)


class EvidenceUploadView(ApplicationScopedMixin, LimitedUploadMixin, APIView):
    @extend_schema(
        summary=_("Attach an evidence file to a test case (assigned evaluator, multipart: file)"),
        description=_("Stored under its SHA-256; the case's evidence files list it with a download link."),
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409,
                   **ERROR_413},
        tags=["workbench"],
    )
    def post(self, request, pk: int, requirement_code: str):
        access = self.get_access()
        access.require(access.is_assigned_evaluator,
                       _("Only an evaluator assigned to this application may attach evidence."))
        app = access.application
        serializer = EvidenceUploadSerializer(data=self.upload_data(request))
        serializer.is_valid(raise_exception=True)
        item = evidence_file_attach(application=app, requirement_code=requirement_code, actor=request.user,
                                    file=serializer.validated_data["file"])
        context = {"request": request, "application_id": app.pk}
        return Response(EvidenceFileSerializer(item, context=context).data, status=status.HTTP_201_CREATED)


class EvidenceDownloadView(ApplicationScopedMixin, APIView):
    @extend_schema(
        summary=_("Download an evidence file"),
        description=_("Staff, certifiers, the assigned evaluators and the vendor. The Content-Digest header "
                      "carries the file's SHA-256."),
        # the file is served with the content type recorded at upload (an installer, a PDF, JSON, ...)
        responses={(200, "*/*"): OpenApiTypes.BINARY, **ERRORS_AUTH, **ERROR_404},
        tags=["workbench"],
    )
    def get(self, request, pk: int, evidence_id: int):
        app = self.get_application()
        item = evidence_file_get(application=app, pk=evidence_id)
        return stored_file_response(field_file=item.file, name=item.original_name, content_type=item.content_type,
                                    sha256=item.sha256)


class ArtifactDownloadView(ApplicationScopedMixin, APIView):
    @extend_schema(
        summary=_("Download an artifact (installer, SBOM, manual, ...)"),
        description=_("The vendor, staff, certifiers and the assigned evaluators (after their statement of "
                      "independence). The Content-Digest header carries the SHA-256 recorded at upload."),
        # the file is served with the content type recorded at upload (an installer, a PDF, JSON, ...)
        responses={(200, "*/*"): OpenApiTypes.BINARY, **ERRORS_AUTH, **ERROR_404},
        tags=["applications"],
    )
    def get(self, request, pk: int, artifact_id: int):
        app = self.get_application()
        item = artifact_get(application=app, pk=artifact_id)
        return stored_file_response(field_file=item.file, name=item.original_name, content_type=item.content_type,
                                    sha256=item.sha256)


@extend_schema_view(get=extend_schema(
    summary=_("The component inventory of the application's SBOMs"),
    description=_("For the vendor, the assigned evaluators, staff and certifiers. Filter with `q` (name or "
                  "package URL) and `purl_type`."),
    responses={200: SbomComponentSerializer(many=True), **ERRORS_AUTH, **ERROR_404}, tags=["workbench"]))
class ApplicationComponentListView(ApplicationScopedMixin, generics.ListAPIView):
    serializer_class = SbomComponentSerializer
    filterset_class = SbomComponentFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SbomComponent.objects.none()
        return sbom_component_list(application=self.get_application())


class ApplicationLiveStateView(APIView):
    @extend_schema(
        summary=_("Live state of an application, for polling"),
        description=_("The status, the automated checks and each case's result, in a few queries; a page "
                      "refreshes from it while checks run."),
        responses={200: ApplicationLiveStateSerializer, **ERRORS_AUTH, **ERROR_404},
        tags=["workbench"],
    )
    def get(self, request, pk: int):
        state = application_live_state(user=request.user, pk=pk)
        return Response(ApplicationLiveStateSerializer(state).data, headers={"Cache-Control": "no-store"})


class CheckRetryView(ApplicationScopedMixin, APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary=_("Run an automated check again (staff or an assigned evaluator)"),
        description=_("Only a check that ended in error; it is queued again and the answer is the check's new "
                      "state."),
        request=None,
        responses={202: CheckSerializer, **ERRORS_AUTH, **ERROR_404, **ERROR_409},
        tags=["workbench"],
        parameters=[OpenApiParameter("check_key", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     description=_("The check's key, e.g. artifact.integrity."))],
    )
    def post(self, request, pk: int, check_key: str):
        runs = check_runs_by_key(application=self.get_application(), check_key=check_key)
        run = check_run_retry(check_run=runs[0], actor=request.user)  # the one in error, if any
        run.case = runs[0].case
        return Response(CheckSerializer(check_run_row(run=run)).data, status=status.HTTP_202_ACCEPTED)


class ApplicationReportView(APIView):
    @extend_schema(
        summary=_("Download the evaluation report (PDF)"),
        description=_("The bilingual report rendered when the evaluation was completed. Staff, certifiers and "
                      "the assigned evaluators get the certification body's copy; the vendor gets its own copy, "
                      "which names none of the body's people, once a decision was taken. The Content-Digest "
                      "header carries the file's SHA-256."),
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS_AUTH, **ERROR_404},
        tags=["applications"],
    )
    def get(self, request, pk: int):
        return evaluation_report_response(evaluation_report_latest(user=request.user, application_id=pk))


class ClarificationCloseView(ApplicationScopedMixin, APIView):
    @extend_schema(
        summary=_("Close a question the vendor has not answered (assigned evaluator or staff)"),
        description=_("With a reason, kept on record. A closed question no longer holds back completing the "
                      "evaluation. Answers with the whole thread."),
        request=ClarificationCloseSerializer,
        responses={200: ClarificationSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409},
        tags=["workbench"],
    )
    def post(self, request, pk: int, clarification_id: int):
        access = self.get_access()
        access.require(access.may_close_question, _("Only the assigned evaluators and staff close questions."))
        serializer = ClarificationCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = clarification_get(application=access.application, pk=clarification_id)
        root = clarification_close(question=question, actor=request.user, reason=serializer.validated_data["reason"])
        thread = clarification_list(application=access.application).get(pk=root.pk)
        context = {"request": request}
        if access.sees_as_vendor:
            context["vendor_side_ids"] = vendor_member_ids(application=access.application)
        return Response(ClarificationSerializer(thread, context=context).data)


class CaseDeviationView(ApplicationScopedMixin, APIView):
    @extend_schema(
        summary=_("Record a justified deviation from a case's result (certifier)"),
        description=_("Only a certifier who took no part in the evaluation, after it was completed and before the "
                      "decision. The recorded result stays as it was; the pass rule reads the deviation; the "
                      "evaluation report shows both."),
        request=CaseDeviationInputSerializer,
        responses={200: CaseWithHistorySerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409},
        tags=["applications"],
    )
    def post(self, request, pk: int, requirement_code: str):
        access = self.get_access()
        access.require(access.may_decide, _("Only a certifier who took no part in the evaluation records a "
                                            "deviation."))
        app = access.application
        serializer = CaseDeviationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case_deviation_record(application=app, requirement_code=requirement_code, actor=request.user,
                              **serializer.validated_data)
        return _case_response(request, app, requirement_code)
