"""Public trust API: the published keys and the transparency log (ARCHITECTURE §6). No login, no key:
everything here is read from the database; heads are signed by the signing worker."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import ERRORS_400, ErrorSerializer
from config.errors import ApplicationError
from trust.keys import keys_document
from trust.transparency import (
    ENTRIES_MAX,
    consistency_proof,
    entries_get,
    inclusion_proof,
    tree_head_latest,
)

from .serializers import (
    ConsistencyProofSerializer,
    ConsistencyQuerySerializer,
    EntriesQuerySerializer,
    EntriesSerializer,
    InclusionProofSerializer,
    KeysSerializer,
    ProofQuerySerializer,
    TreeHeadSerializer,
)

ERROR_503 = {503: OpenApiResponse(ErrorSerializer, description=_("Not yet published: the signing service has not "
                                                                 "signed it yet; try again shortly."))}


class NotYetPublished(ApplicationError):
    status_code = 503
    code = "not_yet_published"


def cached(response: Response, seconds: int | None = None) -> Response:
    """Public, short-lived caching: status information is never more than STATUS_MAX_AGE_SECONDS old."""
    response["Cache-Control"] = f"public, max-age={settings.STATUS_MAX_AGE_SECONDS if seconds is None else seconds}"
    return response


class KeysView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary=_("The registry's signing keys"),
                   description=_("Every Ed25519 public key the registry has signed with, its validity and status; "
                                 "verify signed records, status lists and tree heads offline against these."),
                   responses={200: KeysSerializer}, tags=["trust"])
    def get(self, request):
        return cached(Response(keys_document()), 300)


class TreeHeadView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary=_("The latest signed tree head of the transparency log"),
                   responses={200: TreeHeadSerializer, **ERROR_503}, tags=["trust"])
    def get(self, request):
        head = tree_head_latest()
        if head is None:
            from trust.services import _tree_head_enqueue

            _tree_head_enqueue()
            head = tree_head_latest()
            if head is None:
                raise NotYetPublished(_("No tree head has been signed yet; try again shortly."))
        return cached(Response(head.document))


class InclusionProofView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary=_("Inclusion proof of an audit entry"),
                   description=_("RFC 9162 audit path of leaf `leaf_index` (the entry's sequence minus one) in the "
                                 "tree of `tree_size` leaves, to check against a signed tree head."),
                   parameters=[ProofQuerySerializer], responses={200: InclusionProofSerializer, **ERRORS_400},
                   tags=["trust"])
    def get(self, request):
        query = ProofQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return cached(Response(inclusion_proof(leaf_index=query.validated_data["leaf_index"],
                                               size=query.validated_data["tree_size"])), 3600)


class ConsistencyProofView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary=_("Consistency proof between two tree sizes"),
                   description=_("RFC 9162 proof that the tree of `second` leaves extends the tree of `first` "
                                 "leaves: a monitor that kept an earlier head checks the log was only appended to."),
                   parameters=[ConsistencyQuerySerializer],
                   responses={200: ConsistencyProofSerializer, **ERRORS_400}, tags=["trust"])
    def get(self, request):
        query = ConsistencyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return cached(Response(consistency_proof(first=query.validated_data["first"],
                                                 second=query.validated_data["second"])), 3600)


class EntriesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary=_("Entries of the transparency log"),
                   description=_("The audit entries with leaf indexes start..end-1 (at most 1,000), as the leaves "
                                 "hash them: the RFC 8785 form of each entry is its leaf."),
                   parameters=[EntriesQuerySerializer],
                   responses={200: EntriesSerializer, **ERRORS_400}, tags=["trust"])
    def get(self, request):
        query = EntriesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data["start"]
        end = query.validated_data.get("end", start + ENTRIES_MAX)
        return cached(Response(entries_get(start=start, end=end)))
