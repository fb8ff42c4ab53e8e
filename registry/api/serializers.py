"""Serializers of the public registry API. They shape data only; rules live in services and selectors."""

import re

from django.conf import settings
from django.db.models import Count, Window
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import BoundedDateField, drf_datetime
from config.api.pagination import TOTAL_FIELD
from config.api.serializers import CachedFieldsModelSerializer
from config.bounds import TEXT_MAX_LENGTH
from registry.choices import Category, Level, Province
from registry.models import Certificate, Product, ProductVersion, Requirement, Scheme, Vendor


def _site_url(name: str, serial: str, fallback: str) -> str:
    try:
        path = reverse(name, args=[serial])
    except NoReverseMatch:  # the public pages are not mounted (API-only deployment): the documented path
        path = fallback
    return settings.SITE_URL + path


def certificate_verify_url(serial: str) -> str:
    return _site_url("registry:certificate_verify", serial, f"/verify/{serial}/")


_PLAIN_SERIAL = re.compile(r"[A-Za-z0-9-]+")


def certificate_verify_url_maker():
    """certificate_verify_url for many serials: the route is reversed once and plain serials (letters, digits
    and dashes, which reversing leaves as they are) are put in its place; anything else is reversed."""
    marker = "SERIALMARKER0"
    template = certificate_verify_url(marker)

    def make(serial: str) -> str:
        return template.replace(marker, serial) if _PLAIN_SERIAL.fullmatch(serial) else certificate_verify_url(serial)

    return make


def certificate_pdf_url(serial: str) -> str:
    return _site_url("registry:certificate_pdf", serial, f"/certificates/{serial}/pdf/")


# Small nested references -----------------------------------------------------------------------

class VendorRefSerializer(CachedFieldsModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "legal_name", "name_en", "tax_code"]


class ProductRefSerializer(CachedFieldsModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "name_en"]


class ProductVersionRefSerializer(CachedFieldsModelSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "version"]


class SchemeRefSerializer(CachedFieldsModelSerializer):
    class Meta:
        model = Scheme
        fields = ["code", "version", "name_vi", "name_en"]


# Certificates ----------------------------------------------------------------------------------

class CertificateUrlsMixin(serializers.Serializer):
    verify_url = serializers.SerializerMethodField(help_text=_("Public verification page of the certificate."))
    pdf_url = serializers.SerializerMethodField(help_text=_("The certificate as a PDF document."))

    def get_verify_url(self, obj: Certificate) -> str:
        return certificate_verify_url(obj.serial)

    def get_pdf_url(self, obj: Certificate) -> str:
        return certificate_pdf_url(obj.serial)


class CertificateSummarySerializer(CertificateUrlsMixin, CachedFieldsModelSerializer):
    """A certificate as listed under a product (its scheme and version are prefetched)."""

    scheme = SchemeRefSerializer()
    product_version = ProductVersionRefSerializer()

    class Meta:
        model = Certificate
        fields = ["serial", "status", "level", "scheme", "product_version", "issued_at", "valid_until",
                  "verify_url"]


class CertificateVendorSerializer(serializers.Serializer):
    """The vendor as the certificate was issued to it: a later approved change of name or tax code does not
    rewrite the certificate."""

    id = serializers.IntegerField(source="vendor_id")
    legal_name = serializers.CharField(source="vendor_legal_name")
    name_en = serializers.CharField(source="vendor.name_en")
    tax_code = serializers.CharField(source="vendor_tax_code")


class CertificateSerializer(CertificateUrlsMixin, CachedFieldsModelSerializer):
    product = ProductRefSerializer()
    product_version = ProductVersionRefSerializer()
    vendor = CertificateVendorSerializer(source="*")
    scheme = SchemeRefSerializer()

    class Meta:
        model = Certificate
        fields = ["serial", "status", "status_reason", "issued_at", "valid_until", "product", "product_version",
                  "vendor", "scheme", "level", "verify_url", "pdf_url"]


class StrictCharField(serializers.CharField):
    """A string and only a string: numbers are not silently turned into serials."""

    default_error_messages = {"invalid": _("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CertificateStatusRequestSerializer(serializers.Serializer):
    serials = serializers.ListField(
        child=StrictCharField(max_length=64), allow_empty=False,
        help_text=format_lazy(_("Certificate serials to check, at most {max}."), max=settings.BULK_STATUS_MAX_SERIALS),
    )


class CertificateStatusResultSerializer(serializers.Serializer):
    serial = serializers.CharField()
    status = serializers.CharField(help_text=_("active, suspended, revoked, expired or not_found"))
    valid_until = serializers.DateTimeField(allow_null=True)
    product = serializers.CharField(allow_null=True)
    vendor = serializers.CharField(allow_null=True)


class CertificateStatusResponseSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField()
    results = CertificateStatusResultSerializer(many=True)


class CertificateActionSerializer(serializers.Serializer):
    # a plain string: the service answers an unknown action with the allowed ones
    action = serializers.CharField(max_length=20, help_text=_("suspend, reinstate or revoke"))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH,
                                   help_text=_("Required to suspend or revoke."))


# Products --------------------------------------------------------------------------------------

class ProductVersionSerializer(CachedFieldsModelSerializer):
    release_date = BoundedDateField(required=False, allow_null=True)

    class Meta:
        model = ProductVersion
        fields = ["id", "version", "release_date", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"notes": {"max_length": TEXT_MAX_LENGTH}}
        # uniqueness per product is checked by the service (the product is not in the payload)
        validators: list = []


class ProductVendorSerializer(CachedFieldsModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "legal_name", "name_en", "tax_code", "province", "website"]


class ProductListSerializer(CachedFieldsModelSerializer):
    vendor = VendorRefSerializer()
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    certificates = CertificateSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "name_en", "category", "category_display", "made_in_vietnam", "vendor",
                  "certificates"]


class ProductListRows:
    """ProductListSerializer's output for a page of products, built from plain values in two queries (the
    page's rows, then their certificates with scheme and version) instead of model instances run through
    nested serializers, which were most of the cost of a search. Same keys, order and formats
    (tests/api/test_api_product_list_rows.py holds the two equal)."""

    PRODUCT = ("pk", "name", "name_en", "category", "made_in_vietnam", "vendor_id", "vendor__legal_name",
               "vendor__name_en", "vendor__tax_code")
    CERTIFICATE = ("product_id", "serial", "status", "level", "scheme__code", "scheme__version", "scheme__name_vi",
                   "scheme__name_en", "product_version_id", "product_version__version", "issued_at", "valid_until")

    @classmethod
    def queryset(cls, products, *, with_total: bool = False):
        """The products (filtered and ordered) as the rows `data` takes. `with_total`: each row also carries
        how many products match (COUNT(*) OVER (), config.api.pagination.TOTAL_FIELD), for a query that
        reads every match anyway (sorted by relevance), so the paginator needs no count query."""
        products = products.prefetch_related(None)
        if with_total:
            return products.annotate(**{TOTAL_FIELD: Window(Count("*"))}).values_list(*cls.PRODUCT, TOTAL_FIELD)
        return products.values_list(*cls.PRODUCT)

    @classmethod
    def data(cls, rows) -> list[dict]:
        rows = list(rows)
        certificates: dict[int, list] = {row[0]: [] for row in rows}
        if rows:
            found = (Certificate.objects.filter(product_id__in=list(certificates))
                     .order_by("-issued_at", "-pk").values_list(*cls.CERTIFICATE))
            zone = timezone.get_current_timezone()
            verify_url = certificate_verify_url_maker()
            for (product_id, serial, status, level, code, version, name_vi, name_en, version_id, version_name,
                 issued_at, valid_until) in found:
                certificates[product_id].append({
                    "serial": serial, "status": status, "level": level,
                    "scheme": {"code": code, "version": version, "name_vi": name_vi, "name_en": name_en},
                    "product_version": {"id": version_id, "version": version_name},
                    "issued_at": drf_datetime(issued_at, zone), "valid_until": drf_datetime(valid_until, zone),
                    "verify_url": verify_url(serial),
                })
        categories = {value: str(label) for value, label in Category.choices}
        return [{
            "id": pk, "name": name, "name_en": name_en, "category": category,
            "category_display": categories.get(category, category), "made_in_vietnam": made_in_vietnam,
            "vendor": {"id": vendor_id, "legal_name": legal_name, "name_en": vendor_name_en, "tax_code": tax_code},
            "certificates": certificates[pk],
        } for pk, name, name_en, category, made_in_vietnam, vendor_id, legal_name, vendor_name_en, tax_code, *_total
            in rows]


class ProductDetailSerializer(ProductListSerializer):
    vendor = ProductVendorSerializer()
    versions = ProductVersionSerializer(many=True, read_only=True)

    class Meta(ProductListSerializer.Meta):
        fields = ["id", "name", "name_en", "category", "category_display", "description_vi", "description_en",
                  "made_in_vietnam", "mvn_researched", "mvn_developed", "mvn_produced", "mvn_source_owner",
                  "vendor", "versions", "certificates", "created_at", "updated_at"]


class ProductCreateSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=Category.choices)

    class Meta:
        model = Product
        fields = ["name", "name_en", "category", "description_vi", "description_en",
                  "mvn_researched", "mvn_developed", "mvn_produced", "mvn_source_owner"]
        extra_kwargs = {"description_vi": {"max_length": TEXT_MAX_LENGTH},
                        "description_en": {"max_length": TEXT_MAX_LENGTH}}
        # uniqueness per vendor is checked by the service (the vendor is the caller's, not in the payload)
        validators: list = []

    def validate(self, attrs):
        if "vendor" in self.initial_data:
            raise serializers.ValidationError(
                {"vendor": [_("Products are always created under your own vendor; do not send a vendor.")]}
            )
        return attrs


# Vendors ---------------------------------------------------------------------------------------

class CertifiedProductSerializer(CachedFieldsModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "name_en", "category", "category_display", "made_in_vietnam"]


class VendorSerializer(CachedFieldsModelSerializer):
    province_display = serializers.CharField(source="get_province_display", read_only=True)
    verified = serializers.SerializerMethodField()
    certified_products = CertifiedProductSerializer(many=True, read_only=True)

    class Meta:
        model = Vendor
        fields = ["id", "legal_name", "name_en", "tax_code", "province", "province_display", "address", "website",
                  "security_contact_email", "verified", "certified_products"]

    def get_verified(self, obj: Vendor) -> bool:
        return obj.verified_at is not None


class VendorProfileSerializer(CachedFieldsModelSerializer):
    """A vendor's full profile, as its own members see it (unverified vendors included)."""

    province_display = serializers.CharField(source="get_province_display", read_only=True)
    # declared so the schema says they may be empty (read-only model fields lose allow_blank)
    province = serializers.ChoiceField(choices=Province.choices, allow_blank=True, read_only=True)
    website = serializers.URLField(allow_blank=True, read_only=True)
    security_contact_email = serializers.EmailField(allow_blank=True, read_only=True)

    class Meta:
        model = Vendor
        fields = ["id", "legal_name", "name_en", "tax_code", "province", "province_display", "address", "website",
                  "security_contact_email", "publish_evaluations", "verified_at", "created_at", "updated_at"]
        read_only_fields = fields


class VendorProfileUpdateSerializer(serializers.Serializer):
    """Shape only: the service validates the values and refuses a changed tax code."""

    legal_name = serializers.CharField(required=False, max_length=300)
    name_en = serializers.CharField(required=False, allow_blank=True, max_length=300)
    tax_code = serializers.CharField(
        required=False, max_length=100,
        help_text=_("Only the certification body may change it: a different value is refused with "
                    "'tax_code_locked'."),
    )
    province = serializers.ChoiceField(required=False, allow_blank=True, choices=Province.choices)
    address = serializers.CharField(required=False, allow_blank=True, max_length=500)
    website = serializers.URLField(required=False, allow_blank=True)
    security_contact_email = serializers.EmailField(required=False, allow_blank=True)
    publish_evaluations = serializers.BooleanField(required=False, help_text=_(
        "Show your products under evaluation (product, scheme, stage, since when) in the public list."))


# Schemes ---------------------------------------------------------------------------------------

class RequirementSerializer(CachedFieldsModelSerializer):
    class Meta:
        model = Requirement
        fields = ["code", "group", "title_vi", "title_en", "mandatory", "weight", "method", "check_key", "levels"]


class SchemeSerializer(CachedFieldsModelSerializer):
    levels = serializers.SerializerMethodField()
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = ["code", "version", "name_vi", "name_en", "description_vi", "description_en", "category",
                  "validity_months", "levels", "thresholds", "required_documents", "published_at", "requirements"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Level.choices)))
    def get_levels(self, obj: Scheme) -> list[str]:
        return obj.levels()


# Trust: signed records, the status list, PDF verification -------------------------------------------

class RecordSignatureSerializer(serializers.Serializer):
    alg = serializers.CharField()
    key_id = serializers.CharField()
    value = serializers.CharField(help_text=_("Ed25519 signature over the RFC 8785 form of `record`, base64url."))


class ProofLinkSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    leaf_index = serializers.IntegerField()
    action = serializers.CharField()
    created_at = serializers.DateTimeField()
    proof_url = serializers.CharField(help_text=_("Inclusion proof of the entry in the latest signed tree."))


class CertificateDetailSerializer(CertificateSerializer):
    """A certificate with its signed record, the signature and links to the inclusion proofs of its events."""

    record = serializers.SerializerMethodField(help_text=_("The signed record (null until the signing service "
                                                           "signed it)."))
    signature = serializers.SerializerMethodField()
    record_fingerprint = serializers.SerializerMethodField(help_text=_("SHA-256 of the RFC 8785 record, hex."))
    record_current = serializers.SerializerMethodField(help_text=_(
        "Whether the signed record states the certificate as it stands now (false for a few seconds after a "
        "change, until the new record is signed)."))
    covered_versions = serializers.SerializerMethodField()
    proofs = serializers.SerializerMethodField()

    class Meta(CertificateSerializer.Meta):
        fields = [*CertificateSerializer.Meta.fields, "covered_versions", "record", "signature", "record_fingerprint",
                  "record_current", "proofs"]

    def _check(self, obj: Certificate):
        if not hasattr(obj, "_record_check"):
            from registry.verification import certificate_record_check

            obj._record_check = certificate_record_check(certificate=obj)
        return obj._record_check

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_record(self, obj: Certificate):
        signed = self._check(obj).signed
        return signed.record if signed else None

    @extend_schema_field(RecordSignatureSerializer(allow_null=True))
    def get_signature(self, obj: Certificate):
        signed = self._check(obj).signed
        return signed.signature if signed else None

    def get_record_fingerprint(self, obj: Certificate) -> str | None:
        signed = self._check(obj).signed
        return signed.fingerprint if signed else None

    def get_record_current(self, obj: Certificate) -> bool:
        return self._check(obj).current

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_covered_versions(self, obj: Certificate) -> list[str]:
        from registry.records import covered_versions

        check = self._check(obj)
        if check.current:  # the signed record states the certificate as it stands: its versions are these
            return list(check.signed.record["versions"])
        return covered_versions(obj)

    @extend_schema_field(ProofLinkSerializer(many=True))
    def get_proofs(self, obj: Certificate) -> list[dict]:
        from registry.selectors import certificate_proof_links

        return certificate_proof_links(certificate=obj)


class StatusListEntrySerializer(serializers.Serializer):
    serial = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    effective_at = serializers.DateTimeField(allow_null=True)


class StatusListSerializer(serializers.Serializer):
    issued_at = serializers.DateTimeField()
    next_update = serializers.DateTimeField()
    entries = StatusListEntrySerializer(many=True)
    signature = RecordSignatureSerializer()


class PdfVerifyRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("The certificate PDF to check."))


class PdfVerifySignatureSerializer(serializers.Serializer):
    signed_by = serializers.CharField(allow_blank=True)
    signed_at = serializers.DateTimeField(allow_null=True)


class PdfVerifyCertificateSerializer(serializers.Serializer):
    serial = serializers.CharField()
    status = serializers.CharField(help_text=_("The live status, now."))
    status_reason = serializers.CharField(allow_blank=True)
    valid_until = serializers.DateTimeField()
    document_status = serializers.CharField(help_text=_("The status the PDF states."))
    is_current_document = serializers.BooleanField(
        help_text=_("Whether the PDF states the certificate's newest record (false: it has changed since)."))
    record_fingerprint = serializers.CharField()
    verify_url = serializers.CharField()


class PdfVerifyResponseSerializer(serializers.Serializer):
    valid = serializers.BooleanField(help_text=_("An unmodified certificate PDF the registry issued."))
    result = serializers.ChoiceField(choices=["valid", "not_pdf", "not_signed", "modified", "invalid", "untrusted",
                                              "not_issued"])
    message = serializers.CharField()
    sha256 = serializers.CharField()
    signature = PdfVerifySignatureSerializer()
    certificate = PdfVerifyCertificateSerializer(allow_null=True)
# Watchlists ------------------------------------------------------------------------------------

class WatchlistSerializer(serializers.Serializer):
    """A watchlist as its owner sees it (the webhook secret is answered once, when made or changed)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    serials = serializers.SerializerMethodField()
    products = serializers.SerializerMethodField()
    vendors = serializers.SerializerMethodField()
    email = serializers.BooleanField()
    webhook_url = serializers.CharField(allow_blank=True)
    webhook_active = serializers.BooleanField(read_only=True)
    webhook_disabled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    webhook_disabled_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_serials(self, obj) -> list[str]:
        return [s.serial for s in obj.watched_serials.all()]

    def get_products(self, obj) -> list[int]:
        return [p.pk for p in obj.products.all()]

    def get_vendors(self, obj) -> list[int]:
        return [v.pk for v in obj.vendors.all()]


class WatchlistCreatedSerializer(WatchlistSerializer):
    secret = serializers.CharField(read_only=True, allow_blank=True, help_text=_(
        "The webhook's signing secret, answered only now (empty without a webhook): keep it."))


class WatchlistWriteSerializer(serializers.Serializer):
    """Shape only; the service checks serials, ids and the webhook URL."""

    name = serializers.CharField(max_length=200)
    serials = serializers.ListField(child=StrictCharField(max_length=64), required=False,
                                    max_length=settings.BULK_STATUS_MAX_SERIALS)
    products = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                     required=False, max_length=10_000)
    vendors = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
                                    required=False, max_length=10_000)
    email = serializers.BooleanField(required=False, default=True)
    webhook_url = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text=_(
        "https:// URL on a public address; each delivery carries X-Registry-Signature "
        "(t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">) and X-Registry-Event-Id."))


class AttestationSerializer(serializers.Serializer):
    """The signed attestation document (RFC 8785 form signed, without `signature`)."""

    type = serializers.CharField()
    version = serializers.IntegerField()
    id = serializers.UUIDField()
    issuer = serializers.DictField()
    checked_at = serializers.DateTimeField()
    requested_by = serializers.CharField()
    serial_count = serializers.IntegerField()
    summary = serializers.DictField(child=serializers.IntegerField())
    results = CertificateStatusResultSerializer(many=True)
    statement = serializers.CharField()
    url = serializers.URLField()
    signature = serializers.DictField(help_text=_("{alg, key_id, value}; value base64url"))
