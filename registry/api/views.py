"""Public registry API: thin views that parse input, call one selector or service and render."""

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import drf_datetime
from config.api.pagination import SearchPagination
from config.api.parsers import JSONParser
from config.api.schema import ERROR_404, ERROR_409, ERRORS_400, ERRORS_AUTH, ErrorSerializer
from config.errors import ApplicationError, NotFoundError, PayloadTooLarge, PermissionDeniedError
from registry.access import caller_vendor_id, certificate_access
from registry.api.filtersets import CertificateFilterSet, ProductFilterSet
from registry.api.serializers import (
    AttestationSerializer,
    CertificateActionSerializer,
    CertificateDetailSerializer,
    CertificateSerializer,
    CertificateStatusRequestSerializer,
    CertificateStatusResponseSerializer,
    ProductCreateSerializer,
    ProductDetailSerializer,
    ProductListRows,
    ProductListSerializer,
    ProductVersionSerializer,
    SchemeSerializer,
    VendorProfileSerializer,
    VendorProfileUpdateSerializer,
    VendorSerializer,
    WatchlistCreatedSerializer,
    WatchlistSerializer,
    WatchlistWriteSerializer,
)
from registry.attestations import attestation_create
from registry.exports import OPEN_DATA_LICENCE, csv_stream, json_stream, product_records
from registry.models import Vendor, Watchlist
from registry.selectors import (
    certificate_get,
    certificate_list,
    certificate_status_bulk,
    product_get,
    product_owned_get,
    product_visible_list,
    scheme_get,
    scheme_list,
    vendor_for_user,
    vendor_public_list,
)
from registry.services import (
    certificate_transition,
    product_create,
    product_version_create,
    vendor_update,
)
from registry.watch import (
    watchlist_create,
    watchlist_delete,
    watchlist_get,
    watchlist_list,
    watchlist_update,
)
from trust.api.views import cached


def caller_vendor(user) -> Vendor:
    """The caller's own vendor; records are only ever created under it."""
    if caller_vendor_id(user) is None:
        raise PermissionDeniedError(_("Only a vendor's members may do this."))
    return vendor_for_user(user)


class PublicReadMixin:
    """Anyone may read (still throttled); writing on the same URL needs an account."""

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsAuthenticated()]


# Products --------------------------------------------------------------------------------------

@extend_schema_view(
    get=extend_schema(
        summary=_("List and search products"),
        description=_("Certified products, plus your own vendor's products when signed in as a vendor. "
                      "`q` ignores Vietnamese accents and letter case."),
        responses={200: ProductListSerializer(many=True), **ERRORS_400},
        tags=["registry"],
    ),
    post=extend_schema(
        summary=_("Create a product under your vendor"),
        request=ProductCreateSerializer,
        responses={201: ProductDetailSerializer, **ERRORS_400, **ERRORS_AUTH},
        tags=["vendor"],
    ),
)
class ProductListView(PublicReadMixin, generics.ListCreateAPIView):
    filterset_class = ProductFilterSet
    pagination_class = SearchPagination
    serializer_class = ProductListSerializer

    def get_queryset(self):
        return product_visible_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        """As ListAPIView, with the page's rows read as plain values and shaped by ProductListRows (the same
        JSON as ProductListSerializer, at a fraction of the cost: this is the registry's busiest answer).
        The first page of a search reads the exact matches first and only looks for similar words when
        there are none (instead of asking the database whether any exist before reading them)."""
        first_page = request.query_params.get(self.paginator.page_query_param, "1") in ("", "1")
        filterset = self._filterset(request, defer_similar=first_page)
        rows = self._rows(request, filterset)
        if first_page and not rows and filterset.similar_words_apply():
            rows = self._rows(request, filterset)
        return self.get_paginated_response(ProductListRows.data(rows))

    def _filterset(self, request, *, defer_similar: bool):
        backend = DjangoFilterBackend()
        filterset = backend.get_filterset(request, self.get_queryset(), self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        filterset.defer_similar = defer_similar
        return filterset

    def _rows(self, request, filterset):
        queryset = filterset.qs
        # sorted by relevance, every match is read to be ranked: the count comes with the page's rows
        by_relevance = ("search_rank" in queryset.query.annotations
                        and request.query_params.get("ordering", "relevance") in ("", "relevance"))
        return self.paginate_queryset(ProductListRows.queryset(queryset, with_total=by_relevance))

    def create(self, request, *args, **kwargs):
        vendor = caller_vendor(request.user)
        serializer = ProductCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_create(vendor=vendor, actor=request.user, **serializer.validated_data)
        product = product_get(user=request.user, pk=product.pk)
        return Response(ProductDetailSerializer(product, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class ProductExportView(APIView):
    """Every product a search matches, streamed as CSV or JSON (not one page: all of them)."""

    permission_classes = [AllowAny]
    throttle_scope = "export"

    def perform_content_negotiation(self, request, force=False):
        # `format` names the export format here, not a DRF renderer; errors are JSON
        from rest_framework.renderers import JSONRenderer

        return JSONRenderer(), "application/json"

    @extend_schema(
        summary=_("Export a product search as CSV or JSON"),
        description=_("Takes the list's filters (`q`, `category`, `vendor`, `made_in_vietnam`, "
                      "`certificate_status`, `scheme`, `level`, `province`, `ordering`) and answers every matching "
                      "product, streamed: CSV (one row per product, its newest certificate and a list of all) "
                      "or JSON (an array of products with their certificates)."),
        parameters=[OpenApiParameter("format", str, enum=["csv", "json"], required=True),
                    OpenApiParameter("q", str, required=False)],
        responses={(200, "text/csv"): OpenApiTypes.STR,
                   (200, "application/json"): {"type": "array", "items": {"type": "object"}}, **ERRORS_400},
        tags=["registry"],
    )
    def get(self, request):
        fmt = request.query_params.get("format", "")
        if fmt not in ("csv", "json"):
            raise ApplicationError(_("Choose the export format: format=csv or format=json."), code="invalid",
                                   details={"format": [_("Must be csv or json.")]})
        filterset = ProductFilterSet(request.query_params, queryset=product_visible_list(user=request.user))
        if not filterset.is_valid():
            raise ApplicationError(_("Some parameters are not valid."), code="invalid",
                                   details={k: [str(m) for m in v] for k, v in filterset.errors.items()})
        records = product_records(filterset.qs)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        if fmt == "csv":
            response = StreamingHttpResponse(csv_stream(records), content_type="text/csv; charset=utf-8")
        else:
            response = StreamingHttpResponse(json_stream(records), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="products-{stamp}.{fmt}"'
        response["X-Licence"] = OPEN_DATA_LICENCE["url"]
        return response


@extend_schema_view(
    get=extend_schema(summary=_("A product with its vendor, versions and certificates"),
                      responses={200: ProductDetailSerializer, **ERROR_404}, tags=["registry"]),
)
class ProductDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProductDetailSerializer

    def get_object(self):
        return product_get(user=self.request.user, pk=self.kwargs["pk"])


@extend_schema_view(
    post=extend_schema(summary=_("Add a version to one of your products"), request=ProductVersionSerializer,
                       responses={201: ProductVersionSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404},
                       tags=["vendor"]),
)
class ProductVersionCreateView(generics.GenericAPIView):
    serializer_class = ProductVersionSerializer

    def post(self, request, pk: int):
        product = product_owned_get(user=request.user, pk=pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = product_version_create(product=product, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)


# Vendors ---------------------------------------------------------------------------------------

@extend_schema_view(get=extend_schema(summary=_("Vendors with certified products"), tags=["registry"]))
class VendorListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = VendorSerializer

    def get_queryset(self):
        return vendor_public_list().order_by("legal_name", "pk")


@extend_schema_view(get=extend_schema(summary=_("A vendor and its certified products"),
                                      responses={200: VendorSerializer, **ERROR_404}, tags=["registry"]))
class VendorDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = VendorSerializer

    def get_queryset(self):
        return vendor_public_list()


class VendorMeView(APIView):
    """The caller's own vendor, verified or not; anyone who is not a vendor member gets 404."""

    permission_classes = [IsAuthenticated]

    def _vendor(self, request) -> Vendor:
        vendor = vendor_for_user(request.user) if caller_vendor_id(request.user) is not None else None
        if vendor is None:
            raise NotFoundError(_("Your account is not linked to a vendor."))
        return vendor

    @extend_schema(
        summary=_("Your own vendor's profile"),
        description=_("The full profile of the caller's vendor, including `verified_at` (null until the "
                      "certification body verifies the company)."),
        responses={200: VendorProfileSerializer, **ERRORS_AUTH, **ERROR_404},
        tags=["vendor"],
    )
    def get(self, request):
        return Response(VendorProfileSerializer(self._vendor(request)).data)

    @extend_schema(
        summary=_("Update your own vendor's profile"),
        description=_("Send only the fields to change. The tax code cannot be changed here: a different value "
                      "is refused with 400 `tax_code_locked`."),
        request=VendorProfileUpdateSerializer,
        responses={200: VendorProfileSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404},
        tags=["vendor"],
    )
    def patch(self, request):
        vendor = self._vendor(request)
        serializer = VendorProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        vendor = vendor_update(vendor=vendor, actor=request.user, **serializer.validated_data)
        return Response(VendorProfileSerializer(vendor).data)


# Certificates ----------------------------------------------------------------------------------

@extend_schema_view(get=extend_schema(summary=_("List certificates"), responses={
    200: CertificateSerializer(many=True), **ERRORS_400}, tags=["registry"]))
class CertificateListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet

    def get_queryset(self):
        return certificate_list().order_by("-issued_at", "-pk")


@extend_schema_view(get=extend_schema(summary=_("A certificate by its serial"),
                                      description=_("With its signed record, the Ed25519 signature over the record's "
                                                    "RFC 8785 form, and the inclusion proofs of its events."),
                                      responses={200: CertificateDetailSerializer, **ERROR_404}, tags=["registry"]))
class CertificateDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = CertificateDetailSerializer

    def get_object(self):
        return certificate_get(serial=self.kwargs["serial"])

    def retrieve(self, request, *args, **kwargs):
        return cached(super().retrieve(request, *args, **kwargs))


def bulk_serials_parse(data) -> list[str]:
    """`{"serials": [...]}`: a non-empty list of strings of at most 64 characters, at most the limit (413).
    Checked by hand: the same rules as CertificateStatusRequestSerializer, at a fraction of its cost."""
    limit = settings.BULK_STATUS_MAX_SERIALS
    serials = data.get("serials") if isinstance(data, dict) else None
    if isinstance(serials, list) and len(serials) > limit:
        raise PayloadTooLarge(
            _("At most %(limit)s serials may be checked in one request.") % {"limit": limit},
            details={"limit": limit, "count": len(serials)},
        )
    if not isinstance(serials, list) or not serials or not all(
            isinstance(s, str) and 0 < len(s) <= 64 for s in serials):
        serializer = CertificateStatusRequestSerializer(data=data)  # says precisely what is wrong
        serializer.is_valid(raise_exception=True)
        serials = serializer.validated_data["serials"]
    return serials


class CertificateStatusBulkView(APIView):
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_scope = "bulk"

    @extend_schema(
        summary=_("Check the status of many certificates at once"),
        description=_("Up to 10,000 serials per request. Unknown serials answer status 'not_found'."),
        request=CertificateStatusRequestSerializer,
        responses={200: CertificateStatusResponseSerializer, **ERRORS_400,
                   413: OpenApiResponse(ErrorSerializer, description=_("Too many serials."))},
        tags=["registry"],
    )
    def post(self, request):
        serials = bulk_serials_parse(request.data)
        checked_at = timezone.now()
        results = certificate_status_bulk(serials=serials)
        # plain values, not a serializer per row: 10,000 rows are answered within the 300 ms budget
        zone = timezone.get_current_timezone()
        for row in results:
            if row["valid_until"] is not None:
                row["valid_until"] = drf_datetime(row["valid_until"], zone)
        return cached(Response({"checked_at": drf_datetime(checked_at), "results": results}))


class CertificateStatusAttestationView(APIView):
    """The same check as certificates/status/, answered as a signed "status as of" attestation (kept, with
    a PDF at its `url`)."""

    parser_classes = [JSONParser]
    throttle_scope = "bulk"

    @extend_schema(
        summary=_("A signed attestation of many certificates' statuses"),
        description=_("Up to 10,000 serials. The answer is signed with the registry's key over its RFC 8785 form "
                      "without `signature`; `url` shows it, with its PDF, to anyone it is given to."),
        request=CertificateStatusRequestSerializer,
        responses={201: AttestationSerializer, **ERRORS_400, **ERRORS_AUTH,
                   413: OpenApiResponse(ErrorSerializer, description=_("Too many serials.")),
                   503: OpenApiResponse(ErrorSerializer, description=_("The signing key is not available."))},
        tags=["registry"],
    )
    def post(self, request):
        limit = settings.BULK_STATUS_MAX_SERIALS
        serials = request.data.get("serials") if isinstance(request.data, dict) else None
        if isinstance(serials, list) and len(serials) > limit:
            raise PayloadTooLarge(
                _("At most %(limit)s serials may be checked in one request.") % {"limit": limit},
                details={"limit": limit, "count": len(serials)},
            )
        serializer = CertificateStatusRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attestation = attestation_create(serials=serializer.validated_data["serials"], actor=request.user)
        return Response(attestation.document, status=status.HTTP_201_CREATED,
                        headers={"Location": attestation.document["url"]})


class CertificateActionView(APIView):
    @extend_schema(
        summary=_("Suspend, reinstate or revoke a certificate (staff)"),
        request=CertificateActionSerializer,
        responses={200: CertificateSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404, **ERROR_409},
        tags=["staff"],
    )
    def post(self, request, serial: str):
        certificate = certificate_get(serial=serial)
        certificate_access(user=request.user).require_change()  # deny before reading the input
        serializer = CertificateActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = certificate_transition(certificate=certificate, actor=request.user, **serializer.validated_data)
        certificate = certificate_get(serial=certificate.serial)
        return Response(CertificateSerializer(certificate).data)


# Watchlists ------------------------------------------------------------------------------------

class WatchlistListView(generics.GenericAPIView):
    """The caller's own watchlists."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    serializer_class = WatchlistSerializer
    throttle_scope = "watchlists"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Watchlist.objects.none()
        return watchlist_list(user=self.request.user).order_by("name", "pk")

    @extend_schema(summary=_("Your watchlists"), responses={200: WatchlistSerializer(many=True), **ERRORS_AUTH},
                   tags=["procurement"])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WatchlistSerializer(page, many=True).data)

    @extend_schema(summary=_("Make a watchlist"), description=_(
        "Follow certificate serials, products or vendors: every status change of a certificate they cover is "
        "e-mailed to you (`email`) and POSTed to `webhook_url`. The answer carries the webhook's `secret` once."),
        request=WatchlistWriteSerializer, responses={201: WatchlistCreatedSerializer, **ERRORS_400, **ERRORS_AUTH},
        tags=["procurement"])
    def post(self, request):
        serializer = WatchlistWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        watchlist, secret = watchlist_create(owner=request.user, **serializer.validated_data)
        watchlist = watchlist_get(user=request.user, pk=watchlist.pk)
        data = WatchlistSerializer(watchlist).data
        return Response({**data, "secret": secret}, status=status.HTTP_201_CREATED)


class WatchlistDetailView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    throttle_scope = "watchlists"

    @extend_schema(summary=_("One of your watchlists"), responses={200: WatchlistSerializer, **ERRORS_AUTH,
                                                                   **ERROR_404}, tags=["procurement"])
    def get(self, request, pk: int):
        return Response(WatchlistSerializer(watchlist_get(user=request.user, pk=pk)).data)

    @extend_schema(summary=_("Change one of your watchlists"), description=_(
        "Send only what changes; lists replace the old ones. A new `webhook_url` gets a new `secret`, answered "
        "once."), request=WatchlistWriteSerializer(partial=True),
        responses={200: WatchlistCreatedSerializer, **ERRORS_400, **ERRORS_AUTH, **ERROR_404}, tags=["procurement"])
    def patch(self, request, pk: int):
        watchlist = watchlist_get(user=request.user, pk=pk)
        serializer = WatchlistWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        watchlist, secret = watchlist_update(watchlist=watchlist, actor=request.user, **fields)
        # `secret` is the new one when the webhook URL changed, else empty (a secret is never shown twice)
        return Response({**WatchlistSerializer(watchlist).data, "secret": secret})

    @extend_schema(summary=_("Delete one of your watchlists"), responses={204: None, **ERRORS_AUTH, **ERROR_404},
                   tags=["procurement"])
    def delete(self, request, pk: int):
        watchlist_delete(watchlist=watchlist_get(user=request.user, pk=pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Schemes ---------------------------------------------------------------------------------------

@extend_schema_view(get=extend_schema(summary=_("Certification schemes with their requirements"),
                                      tags=["registry"]))
class SchemeListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = SchemeSerializer

    def get_queryset(self):
        return scheme_list().order_by("code", "pk")


@extend_schema_view(get=extend_schema(summary=_("A scheme by its code, with its requirements"),
                                      responses={200: SchemeSerializer, **ERROR_404}, tags=["registry"]))
class SchemeDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = SchemeSerializer

    def get_object(self):
        return scheme_get(code=self.kwargs["code"])
