import uuid

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Replace, Upper
from django.utils.translation import gettext_lazy as _

from registry.choices import (
    Category,
    CertificateAction,
    CertificateStatus,
    Level,
    Province,
    RequirementMethod,
    ReviewStatus,
)
from registry.validators import validate_tax_code


class Vendor(models.Model):
    """A company, identified by its Vietnamese tax code, that owns products."""

    legal_name = models.CharField(_("legal name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, unique=True, validators=[validate_tax_code])
    province = models.CharField(_("province or city"), max_length=2, choices=Province.choices, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    website = models.URLField(_("website"), blank=True)
    security_contact_email = models.EmailField(_("security contact e-mail"), blank=True)
    # The vendor's consent to show its products under evaluation (product, scheme, stage) in public.
    publish_evaluations = models.BooleanField(
        _("show our products under evaluation in the public list"), default=False,
        help_text=_("The public sees the product, the scheme, the stage and since when; nothing else."))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # Who verified it: a staff member, or None with `verified_by_repr` naming the operator's command.
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verified_by_repr = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self) -> str:
        return self.legal_name


class VendorChangeRequest(models.Model):
    """A verified vendor's request to change its legal name or tax code; only staff approval changes them."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="change_requests")
    legal_name = models.CharField(_("new legal name"), max_length=300, blank=True)
    tax_code = models.CharField(_("new tax code"), max_length=14, blank=True, validators=[validate_tax_code])
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_by_repr = models.CharField(max_length=254)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_by_repr = models.CharField(max_length=254, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    # The identity before the change, kept with the request.
    previous = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("vendor change request")
        verbose_name_plural = _("vendor change requests")
        constraints = [
            models.UniqueConstraint(fields=["vendor"], condition=models.Q(status="pending"),
                                    name="%(app_label)s_%(class)s_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} ({self.status})"


class VendorMembership(models.Model):
    """Links a vendor user to the one vendor they act for."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_membership")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vendor membership")
        verbose_name_plural = _("vendor memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.vendor}"


class Product(models.Model):
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description_vi = models.TextField(_("description (Vietnamese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # The vendor's Make in Viet Nam claims, as last attested (MvnAttestation). The mark itself,
    # made_in_vietnam, is set only when staff approve an attestation that makes all four claims.
    mvn_researched = models.BooleanField(_("researched in Viet Nam"), default=False)
    mvn_developed = models.BooleanField(_("developed in Viet Nam"), default=False)
    mvn_produced = models.BooleanField(_("produced in Viet Nam"), default=False)
    mvn_source_owner = models.BooleanField(_("vendor owns the source code"), default=False)
    made_in_vietnam = models.BooleanField(_("Make in Viet Nam"), default=False, editable=False)
    # In the public registry: holds or held a certificate (set by certificate_issue, never unset), so the
    # public list filters one column instead of probing certificates row by row.
    listed = models.BooleanField(default=False, editable=False)
    # Folded words of the names, the vendor's names and tax code (registry.search.document), maintained by
    # the product and vendor services; a trigram GIN index answers word and prefix searches on PostgreSQL.
    search_document = models.TextField(default="", editable=False)
    # Folded names alone, for ranking exact and prefix matches first (registry.search.name_key).
    search_name = models.CharField(max_length=200, default="", editable=False)
    search_name_en = models.CharField(max_length=200, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["vendor", "name"], name="%(app_label)s_%(class)s_unique_name_per_vendor"),
        ]
        indexes = [
            models.Index(fields=["category"], name="registry_product_category_idx"),
            models.Index(fields=["name", "id"], name="registry_product_listed_idx", condition=models.Q(listed=True)),
        ]

    def __str__(self) -> str:
        return self.name

    def mvn_attested(self) -> bool:
        return self.mvn_researched and self.mvn_developed and self.mvn_produced and self.mvn_source_owner


def _mvn_evidence_path(instance: "MvnAttestation", filename: str) -> str:
    return f"mvn/{instance.product_id}/{instance.evidence_sha256}"


class SearchWord(models.Model):
    """Every word of every product's search document, for typo tolerance: a query word that matches nothing
    is replaced by the similar words of this table (trigram word similarity), which then match exactly.
    Kept by a statement-level trigger on the product table (migration 0007), so bulk writes fill it too;
    words are never removed (a word no product has any more matches nothing). PostgreSQL only."""

    word = models.TextField(primary_key=True)

    class Meta:
        verbose_name = "search word"


class MvnAttestation(models.Model):
    """A vendor's "Make in Viet Nam" attestation for a product, with its evidence; the mark shows only once
    staff approved it."""

    product = models.ForeignKey("Product", on_delete=models.PROTECT, related_name="mvn_attestations")
    researched = models.BooleanField(_("researched in Viet Nam"))
    developed = models.BooleanField(_("developed in Viet Nam"))
    produced = models.BooleanField(_("produced in Viet Nam"))
    source_owner = models.BooleanField(_("vendor owns the source code"))
    statement = models.TextField(_("statement"))
    evidence = models.FileField(upload_to=_mvn_evidence_path, max_length=300)
    evidence_name = models.CharField(max_length=255)
    evidence_sha256 = models.CharField(max_length=64)
    evidence_size = models.PositiveBigIntegerField()
    evidence_content_type = models.CharField(max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by_repr = models.CharField(max_length=254)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_by_repr = models.CharField(max_length=254, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("Make in Viet Nam attestation")
        verbose_name_plural = _("Make in Viet Nam attestations")
        constraints = [
            models.UniqueConstraint(fields=["product"], condition=models.Q(status="pending"),
                                    name="%(app_label)s_%(class)s_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.status})"

    def all_claims(self) -> bool:
        return self.researched and self.developed and self.produced and self.source_owner


class ProductVersion(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(_("version"), max_length=100)
    release_date = models.DateField(_("release date"), null=True, blank=True)
    notes = models.TextField(_("release notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "-created_at"]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="%(app_label)s_%(class)s_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.version}"


class Scheme(models.Model):
    """A versioned set of requirements for a product category; applications pin the version they started with."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    description_vi = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    validity_months = models.PositiveSmallIntegerField(_("certificate validity (months)"), default=36)
    # Per level: the weighted-score threshold in percent, e.g. {"basic": 60, "substantial": 75, "high": 90}.
    thresholds = models.JSONField(_("pass thresholds"), default=dict)
    # Per level: artifact kinds that must be uploaded, e.g. {"basic": ["sbom", "user_guide"]}.
    required_documents = models.JSONField(_("required documents"), default=dict)
    # Per level: the lowest advisory severity that fails the vulnerability check, e.g. {"basic": "critical"}.
    vulnerability_thresholds = models.JSONField(_("vulnerability thresholds"), default=dict, blank=True)
    is_current = models.BooleanField(_("current version"), default=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-published_at"]
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="%(app_label)s_%(class)s_unique_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(is_current=True), name="%(app_label)s_%(class)s_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    def levels(self) -> list[str]:
        return [lvl for lvl in Level.values if lvl in self.thresholds]

    def documents_for(self, level: str) -> list[str]:
        return list(self.required_documents.get(level, []))


class Requirement(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="requirements")
    code = models.CharField(_("code"), max_length=40)
    group = models.CharField(_("group"), max_length=40)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    guidance_vi = models.TextField(_("guidance (Vietnamese)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    method = models.CharField(_("method"), max_length=10, choices=RequirementMethod.choices)
    check_key = models.CharField(_("automated check"), max_length=60, blank=True)
    levels = models.JSONField(_("levels"), default=list)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "order", "code"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="%(app_label)s_%(class)s_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"

    def applies_to(self, level: str) -> bool:
        return level in self.levels


class SerialCounter(models.Model):
    """Per-year counter behind readable, gap-free certificate serials."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Certificate(models.Model):
    """The published record. Never deleted; status changes only through certificate_transition."""

    serial = models.CharField(_("serial"), max_length=40, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="certificates")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="certificates")
    product_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="certificates")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="certificates")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    # The vendor's identity as issued: a later approved change of name or tax code does not rewrite it.
    vendor_legal_name = models.CharField(_("vendor (as issued)"), max_length=300)
    vendor_tax_code = models.CharField(_("vendor tax code (as issued)"), max_length=14)
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.ACTIVE
    )
    status_reason = models.TextField(_("status reason"), blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateTimeField(_("valid until"))
    status_changed_at = models.DateTimeField(null=True, blank=True)
    needs_review = models.BooleanField(_("flagged for staff review"), default=False)
    review_reason = models.TextField(blank=True)
    # SHA-256 of the SBOM evaluated for the newest covered version (empty when none was submitted).
    sbom_sha256 = models.CharField(_("SBOM digest"), max_length=64, blank=True)
    # The current PDF (CertificateDocument keeps every rendition): the certificate as issued while it is
    # active, a notice that says the status while it is not.
    pdf = models.FileField(upload_to="certificates/", blank=True, max_length=200)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [
            models.Index(fields=["status"], name="registry_cert_status_idx"),
            models.Index(fields=["valid_until"], name="registry_cert_valid_until_idx"),
            # Serials match whatever their case and with or without dashes (registry.search.serial_key).
            models.Index(Upper(Replace("serial", Value("-"), Value(""))), name="registry_cert_serial_key_idx"),
            models.Index(fields=["product", "status"], name="registry_cert_product_idx"),
        ]

    def __str__(self) -> str:
        return self.serial


class CertificateEvent(models.Model):
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=12, choices=CertificateAction.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="certificate_events"
    )
    actor_repr = models.CharField(max_length=254, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")
        indexes = [models.Index(fields=["-created_at", "-id"], name="registry_certevent_recent_idx")]

    def __str__(self) -> str:
        return f"{self.certificate.serial}: {self.action}"



class CertificateVersion(models.Model):
    """A product version a certificate covers: the one first certified, then each joined by maintenance."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="covered_versions")
    product_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="certificate_coverage")
    sbom_sha256 = models.CharField(max_length=64, blank=True)
    added_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)  # the application that brought it, its impact analysis

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("covered version")
        verbose_name_plural = _("covered versions")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "product_version"],
                                    name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.product_version_id}"


class CertificateRecord(models.Model):
    """A signed record of a certificate: one per issuance and status change (append-only). `record` is the
    JSON whose RFC 8785 form `signature` covers; `fingerprint` is that form's SHA-256."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="records")
    version = models.PositiveIntegerField()  # 1, 2, ... per certificate; a re-signature keeps the number
    record = models.JSONField()
    signature = models.JSONField()
    key_id = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64, db_index=True)
    resigned_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["certificate", "-version", "-id"]
        verbose_name = _("signed certificate record")
        verbose_name_plural = _("signed certificate records")
        indexes = [models.Index(fields=["certificate", "-version", "-id"], name="registry_certrec_latest_idx"),
                   models.Index(fields=["key_id"], name="registry_certrec_key_idx")]

    def __str__(self) -> str:
        return f"{self.certificate_id} v{self.version} ({self.key_id})"


class CertificateDocument(models.Model):
    """One rendition of a certificate's PDF, signed (PAdES) and kept: the hash identifies an issued file."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="documents")
    status = models.CharField(max_length=10, choices=CertificateStatus.choices)  # the status it states
    record_fingerprint = models.CharField(max_length=64)
    key_id = models.CharField(max_length=40)
    file = models.FileField(upload_to="certificates/", max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certificate document")
        verbose_name_plural = _("certificate documents")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "record_fingerprint"],
                                    name="%(app_label)s_%(class)s_one_per_record"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.status} {self.record_fingerprint[:12]}"


class CertificateReminder(models.Model):
    """An expiry reminder sent to the vendor: at most one per threshold and validity period."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="reminders")
    days = models.PositiveSmallIntegerField()
    valid_until = models.DateTimeField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "days", "valid_until"],
                                    name="%(app_label)s_%(class)s_once"),
        ]
# Procurement: watchlists, webhook deliveries, status attestations ------------------------------------

class Watchlist(models.Model):
    """A signed-in person's list of certificate serials, products and vendors to follow; any status change
    of a certificate it covers is e-mailed and, where configured, sent to a webhook."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlists")
    name = models.CharField(_("name"), max_length=200)
    email = models.BooleanField(_("e-mail me on every status change"), default=True)
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    # Needed in clear to sign each delivery (HMAC-SHA256); shown to the owner once, when it is made.
    webhook_secret = models.CharField(max_length=100, blank=True, editable=False)
    webhook_failures = models.PositiveIntegerField(default=0, editable=False)  # consecutive failed attempts
    webhook_disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    webhook_disabled_reason = models.TextField(blank=True, editable=False)
    products = models.ManyToManyField(Product, blank=True, related_name="watchlists")
    vendors = models.ManyToManyField(Vendor, blank=True, related_name="watchlists")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("watchlist")
        verbose_name_plural = _("watchlists")

    def __str__(self) -> str:
        return self.name

    @property
    def webhook_active(self) -> bool:
        return bool(self.webhook_url) and self.webhook_disabled_at is None


class WatchedSerial(models.Model):
    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="watched_serials")
    serial = models.CharField(max_length=64)  # as the person wrote it
    key = models.CharField(max_length=64, db_index=True)  # registry.search.serial_key

    class Meta:
        ordering = ["serial", "id"]
        constraints = [models.UniqueConstraint(fields=["watchlist", "key"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self) -> str:
        return self.serial


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one watchlist's webhook: durable, retried with exponential backoff for a day; the event
    id is the idempotency key (unique per watchlist) and is sent in X-Registry-Event-Id."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    body = models.TextField()  # the exact JSON sent, the same on every attempt
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["watchlist", "event_id"], name="%(app_label)s_%(class)s_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="registry_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} -> #{self.watchlist_id} ({self.status})"


class WebhookAttempt(models.Model):
    """The delivery log: every attempt with its answer."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    manual = models.BooleanField(default=False)  # a re-send asked for by the owner

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at}: {self.status_code or self.error[:40]}"


class StatusAttestation(models.Model):
    """A signed "status as of" statement of many certificates, kept so anyone can check it was issued."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_by_repr = models.CharField(max_length=254)
    checked_at = models.DateTimeField()
    serial_count = models.PositiveIntegerField()
    summary = models.JSONField(default=dict)
    document = models.JSONField()  # the signed document, signature included
    sha256 = models.CharField(max_length=64)  # of the RFC 8785 form of `document`
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("status attestation")
        verbose_name_plural = _("status attestations")

    def __str__(self) -> str:
        return str(self.id)


class OpenDataDump(models.Model):
    """A nightly full dump of the public registry (CSV or JSON, gzip), with its checksum."""

    format = models.CharField(max_length=10)
    file = models.FileField(upload_to="open-data/", max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    rows = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "format"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return self.file.name
