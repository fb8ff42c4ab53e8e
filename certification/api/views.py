"""Certification API: thin views over certification.services and certification.selectors."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.selectors import (
    application_get,
    application_list,
    case_history,
    product_version_get,
)
from certification.services import (
    application_create,
    application_transition,
    artifact_upload,
    case_result_record,
)
from config.errors import PayloadTooLarge
from registry.api.serializers import ErrorSerializer
from registry.api.views import ERROR_404, ERROR_409, ERRORS_400, ERRORS_AUTH

from .filtersets import ApplicationFilterSet
from .serializers import (
    ApplicationActionSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    ArtifactSerializer,
    ArtifactUploadSerializer,
    CaseResultInputSerializer,
    CaseWithHistorySerializer,
)

# Room for the multipart boundaries and the small form fields around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
ERROR_413 = {413: OpenApiResponse(ErrorSerializer, description=_("The file is larger than the limit."))}
ERROR_415 = {415: OpenApiResponse(ErrorSerializer, description=_("This type of file is not accepted here."))}


def _too_large(limit: int, **details) -> PayloadTooLarge:
    return PayloadTooLarge(
        _("The file is larger than the limit of %(mb)s MB.") % {"mb": max(limit // (1024 * 1024), 1)},
        details={"limit": limit, **details},
    )


class _UploadSizeLimit(FileUploadHandler):
    """Stops reading an uploaded file once it passes the limit, whatever Content-Length claimed."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


@extend_schema_view(
    get=extend_schema(summary=_("Applications you may see"),
                      description=_("Vendor members see their vendor's applications, evaluators the ones "
                                    "assigned to them, staff and certifiers all."),
                      responses={200: ApplicationSerializer(many=True), **ERRORS_AUTH}, tags=["applications"]),
    post=extend_schema(summary=_("Open a draft application for one of your product versions"),
                       request=ApplicationCreateSerializer,
                       responses={201: ApplicationSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404},
                       tags=["applications"]),
)
class ApplicationListView(generics.ListCreateAPIView):
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilterSet

    def get_queryset(self):
        return application_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = product_version_get(pk=data["product_version"])
        app = application_create(actor=request.user, product_version=version, scheme=data["scheme"],
                                 level=data["level"])
        app = application_get(user=request.user, pk=app.pk)
        return Response(self.get_serializer(app).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(summary=_("One application with its cases, findings, artifacts and events"),
                                      responses={200: ApplicationSerializer, **ERRORS_AUTH, **ERROR_404},
                                      tags=["applications"]))
class ApplicationDetailView(generics.RetrieveAPIView):
    serializer_class = ApplicationSerializer

    def get_object(self):
        return application_get(user=self.request.user, pk=self.kwargs["pk"])


class ApplicationArtifactView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # Refuse an announced oversize upload before anything (authentication included) reads the body.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.ARTIFACT_MAX_BYTES
        if length > limit + MULTIPART_OVERHEAD:
            raise _too_large(limit, content_length=length)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        summary=_("Upload an artifact (multipart: kind, file)"),
        request={"multipart/form-data": ArtifactUploadSerializer},
        responses={201: ArtifactSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409, **ERROR_413,
                   **ERROR_415},
        tags=["applications"],
    )
    def post(self, request, pk: int):
        app = application_get(user=request.user, pk=pk)
        limit = settings.ARTIFACT_MAX_BYTES
        guard = _UploadSizeLimit(request._request, limit=limit)
        request._request.upload_handlers.insert(0, guard)
        data = request.data  # reads the upload
        if guard.exceeded:
            raise _too_large(limit)
        serializer = ArtifactUploadSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        artifact = artifact_upload(application=app, actor=request.user, **serializer.validated_data)
        return Response(ArtifactSerializer(artifact).data, status=status.HTTP_201_CREATED)


class ApplicationActionView(APIView):
    @extend_schema(
        summary=_("Take a workflow action (submit, assign, complete, certify, ...)"),
        request=ApplicationActionSerializer,
        responses={200: ApplicationSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409},
        tags=["applications"],
    )
    def post(self, request, pk: int):
        app = application_get(user=request.user, pk=pk)
        serializer = ApplicationActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application_transition(application=app, actor=request.user, **serializer.validated_data)
        app = application_get(user=request.user, pk=pk)
        return Response(ApplicationSerializer(app, context={"request": request}).data)


class ApplicationCaseView(APIView):
    @extend_schema(
        summary=_("Record the result of one test case (assigned evaluator)"),
        description=_("Every change is kept; the response carries the case and its history."),
        request=CaseResultInputSerializer,
        responses={200: CaseWithHistorySerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409},
        tags=["applications"],
    )
    def put(self, request, pk: int, requirement_code: str):
        app = application_get(user=request.user, pk=pk)
        serializer = CaseResultInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = case_result_record(application=app, requirement_code=requirement_code, actor=request.user,
                                  **serializer.validated_data)
        context = {"request": request, "history": case_history(case=case)}
        return Response(CaseWithHistorySerializer(case, context=context).data)
