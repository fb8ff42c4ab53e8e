"""Public trust API of the registry: the signed status list and PDF verification (ARCHITECTURE §6)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import ERROR_413, ERROR_415, ERRORS_400, ErrorSerializer
from config.documents import PDF
from config.uploads import upload_inspect
from registry.api.serializers import (
    PdfVerifyRequestSerializer,
    PdfVerifyResponseSerializer,
    StatusListSerializer,
    certificate_verify_url,
)
from registry.signing import status_list_latest
from registry.verification import certificate_pdf_check
from trust.api.views import NotYetPublished, cached

PDF_VERIFY_MAX_BYTES = 20 * 1024 * 1024


class RevocationsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary=_("The signed status list"),
        description=_("Every certificate that is not active (suspended, revoked, expired) with its reason and since "
                      "when, signed with the registry's key; re-issued on every change and at least every 10 "
                      "minutes (`next_update`)."),
        responses={200: StatusListSerializer, 503: OpenApiResponse(ErrorSerializer, description=_(
            "Not yet published: try again shortly."))},
        tags=["trust"],
    )
    def get(self, request):
        latest = status_list_latest()
        if latest is None:
            from registry.outbox import status_list_publish_enqueue

            status_list_publish_enqueue(reason="missing")
            latest = status_list_latest()
            if latest is None:
                raise NotYetPublished(_("The status list has not been signed yet; try again shortly."))
        return cached(Response(latest.document))


def pdf_check_answer(check) -> dict:
    certificate, document = check.certificate, check.document
    return {
        "valid": check.ok,
        "result": check.code,
        "message": check.message,
        "sha256": check.sha256,
        "signature": {"signed_by": check.signature.signer, "signed_at": check.signature.signed_at},
        "certificate": None if certificate is None else {
            "serial": certificate.serial, "status": certificate.status, "status_reason": certificate.status_reason,
            "valid_until": certificate.valid_until, "document_status": document.status,
            "is_current_document": check.is_current_document, "record_fingerprint": document.record_fingerprint,
            "verify_url": certificate_verify_url(certificate.serial),
        },
    }


def pdf_upload_read(file) -> bytes:
    upload_inspect(file, max_bytes=PDF_VERIFY_MAX_BYTES, allowed_types={PDF}, accepted_as="PDF",
                   default_name="certificate.pdf")
    file.seek(0)
    return file.read()


class PdfVerifyView(APIView):
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]
    throttle_scope = "bulk"

    @extend_schema(
        summary=_("Check a certificate PDF"),
        description=_("Upload a PDF: is it an unmodified certificate document the registry issued (its PAdES "
                      "signature valid, by the certification body, covering the whole file), and what is the "
                      "certificate's live status? Every verdict answers 200 with `valid` and `result`."),
        request={"multipart/form-data": PdfVerifyRequestSerializer},
        responses={200: PdfVerifyResponseSerializer, **ERRORS_400, **ERROR_413, **ERROR_415},
        tags=["trust"],
    )
    def post(self, request):
        data = pdf_upload_read(request.FILES.get("file"))
        response = Response(PdfVerifyResponseSerializer(pdf_check_answer(certificate_pdf_check(data=data))).data)
        response["Cache-Control"] = f"no-store, max-age={min(60, settings.STATUS_MAX_AGE_SECONDS)}"
        return response
