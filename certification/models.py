from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certification.choices import (
    ApplicationAction,
    ApplicationKind,
    ApplicationStatus,
    CaseResultValue,
    CheckRunStatus,
    ConflictRelation,
    FindingStatus,
    ReportEdition,
    SeverityRating,
)
from registry.choices import ArtifactKind, Level
from registry.models import Certificate, ProductVersion, Requirement, Scheme, Vendor


class Application(models.Model):
    """One submission of one product version against one scheme version and level."""

    product_version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="applications")
    # Denormalised from product_version.product.vendor for scoping every query by vendor cheaply.
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="applications")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="applications")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="applications_created"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ApplicationKind.choices,
                            default=ApplicationKind.CERTIFICATION)
    renewal_of = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="renewal_applications"
    )
    # A maintenance application: the certificate the new version joins, the vendor's impact analysis and the
    # requirements it affects (re-evaluated with every automated check; the others stand as certified).
    maintenance_of = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="maintenance_applications"
    )
    impact_analysis = models.TextField(_("impact analysis"), blank=True)
    affected_requirements = models.JSONField(_("affected requirements"), default=list, blank=True)
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["status"], name="cert_application_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="certification", renewal_of__isnull=True, maintenance_of__isnull=True)
                           | models.Q(kind="renewal", renewal_of__isnull=False, maintenance_of__isnull=True)
                           | models.Q(kind="maintenance", renewal_of__isnull=True, maintenance_of__isnull=False)),
                name="%(app_label)s_%(class)s_kind_matches_certificate"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.product_version} ({self.scheme.code}, {self.level})"

    @property
    def target_certificate(self):
        """The certificate a renewal or maintenance application continues, else None."""
        return self.renewal_of or self.maintenance_of


class ApplicationEvent(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=12, choices=ApplicationAction.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="application_events"
    )
    actor_repr = models.CharField(max_length=254, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"#{self.application_id}: {self.action}"


def _artifact_path(instance: "Artifact", filename: str) -> str:
    # Never trust the client's file name on disk: the stored name is the content hash.
    return f"artifacts/{instance.application_id}/{instance.sha256}"


class CurrentArtifactManager(models.Manager):
    """The artifacts in force: a replaced or removed one stays on record (Artifact.history) but no check,
    guard, page or report reads it as part of the application any more."""

    def get_queryset(self):
        return super().get_queryset().filter(retired_at__isnull=True)


class ArtifactHistoryManager(models.Manager):
    """Every artifact ever uploaded, replaced and removed ones too: the record."""


class Artifact(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="artifacts")
    kind = models.CharField(_("kind"), max_length=20, choices=ArtifactKind.choices)
    file = models.FileField(upload_to=_artifact_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("detected content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="artifacts_uploaded"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Replaced by a new version, or removed by the vendor: kept, with when and what replaced it.
    retired_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="earlier_versions")
    # Sent as part of an answer to a question from the certification body (during the evaluation).
    clarification = models.ForeignKey("Clarification", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="artifacts")

    objects = CurrentArtifactManager()
    history = ArtifactHistoryManager()

    class Meta:
        base_manager_name = "history"
        ordering = ["uploaded_at", "id"]
        verbose_name = _("artifact")
        verbose_name_plural = _("artifacts")

    def __str__(self) -> str:
        return f"{self.kind}: {self.original_name}"


class Assignment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="assignments")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="assignments_made"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["application", "evaluator"], name="%(app_label)s_%(class)s_unique"),
        ]


class ConflictDeclaration(models.Model):
    """An evaluator's declared relation with a vendor; blocks assignment during the cooling-off period."""

    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conflict_declarations"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="conflict_declarations")
    relation = models.CharField(_("relation"), max_length=20, choices=ConflictRelation.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")


class CaseResult(models.Model):
    """The current result of one requirement in one application; every change is kept as a version."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="cases")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="case_results")
    result = models.CharField(
        _("result"), max_length=16, choices=CaseResultValue.choices, default=CaseResultValue.PENDING
    )
    notes = models.TextField(_("notes"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="case_results"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # A certifier's justified deviation from the recorded result (an automated check's false positive,
    # say): the pass rule then reads this result, and the report shows both.
    deviation_result = models.CharField(_("deviation"), max_length=16, choices=CaseResultValue.choices,
                                        blank=True)
    deviation_justification = models.TextField(_("justification"), blank=True)
    deviation_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    deviation_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requirement__order", "requirement__code"]
        verbose_name = _("case result")
        verbose_name_plural = _("case results")
        constraints = [
            models.UniqueConstraint(fields=["application", "requirement"], name="%(app_label)s_%(class)s_unique"),
        ]

    @property
    def effective_result(self) -> str:
        """What the pass rule reads: a certifier's deviation where one was recorded, else the result."""
        return self.deviation_result or self.result


class CaseResultVersion(models.Model):
    case = models.ForeignKey(CaseResult, on_delete=models.PROTECT, related_name="versions")
    # result: an evaluator's; check: an automated check's run; deviation: a certifier's justified
    # deviation; reopened: put back to pending when an appeal was upheld.
    kind = models.CharField(max_length=10, default="result")
    old_result = models.CharField(max_length=16, blank=True)
    new_result = models.CharField(max_length=16)
    old_notes = models.TextField(blank=True)
    new_notes = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_repr = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class CheckRun(models.Model):
    """A durable record of one automated check; the queue message is only a hint to run it."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="check_runs")
    case = models.OneToOneField(CaseResult, on_delete=models.PROTECT, related_name="check_run")
    check_key = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=CheckRunStatus.choices, default=CheckRunStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Bumped on every (re)submission so a late message for an earlier round does nothing.
    generation = models.PositiveIntegerField(default=1)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    executions = models.PositiveIntegerField(default=0)  # completed executions, to prove exactly-once
    # Why it could not run, as a code pages translate (certification.checks.errors), and the reference
    # under which the raw error went to the log; raw exception text is never stored where people read.
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    incident = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "enqueued_at"], name="cert_checkrun_status_idx")]

    def __str__(self) -> str:
        return f"{self.check_key} for #{self.application_id}: {self.status}"


# Vulnerability database and SBOM inventory -------------------------------------------------------

class Advisory(models.Model):
    """One OSV record, imported from OSV JSON files or archives; re-imported only when `modified` is newer."""

    osv_id = models.CharField(_("advisory id"), max_length=100, unique=True)
    modified = models.DateTimeField(_("modified"))
    published = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    details = models.TextField(_("details"), blank=True)  # truncated on import; the source keeps the rest
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    severity_score = models.DecimalField(_("CVSS base score"), max_digits=3, decimal_places=1, null=True, blank=True)
    severity_rating = models.CharField(
        _("severity"), max_length=10, choices=SeverityRating.choices, default=SeverityRating.UNKNOWN
    )
    cvss_vector = models.CharField(_("CVSS vector"), max_length=200, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)  # first few {type, url}
    # Which database published the record, with its licence: CC-BY-4.0 sources need attribution where shown.
    source = models.CharField(_("source"), max_length=100, blank=True)
    schema_version = models.CharField(max_length=20, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        ordering = ["osv_id"]
        verbose_name = _("advisory")
        verbose_name_plural = _("advisories")

    def __str__(self) -> str:
        return self.osv_id


class AdvisoryImport(models.Model):
    """One run of import_osv: when the local vulnerability database was last brought up to date."""

    finished_at = models.DateTimeField(_("finished at"))
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-finished_at", "-id"]
        verbose_name = _("advisory import")
        verbose_name_plural = _("advisory imports")


class AdvisoryPackage(models.Model):
    """One affected package of an advisory, keyed the way SBOM components are looked up."""

    # Replaced wholesale when the advisory is re-imported with a newer `modified`.
    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="packages")
    ecosystem = models.CharField(_("ecosystem"), max_length=100)
    # Normalised per ecosystem (PyPI lower-case with -_. folded, Maven group:artifact, Go module path).
    name = models.CharField(_("package"), max_length=300)
    purl_type = models.CharField(_("package-URL type"), max_length=30)
    ranges = models.JSONField(default=list, blank=True)  # the OSV ranges with their events, as published
    versions = models.JSONField(default=list, blank=True)  # the explicit affected versions, as published
    fixed_version = models.CharField(_("fixed version"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("affected package")
        verbose_name_plural = _("affected packages")
        indexes = [models.Index(fields=["purl_type", "name"], name="cert_advpkg_type_name_idx")]

    def __str__(self) -> str:
        return f"{self.advisory_id}: {self.ecosystem}/{self.name}"


class SbomComponent(models.Model):
    """The normalised inventory of an application's SBOM artifacts: one row per component."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="sbom_components")
    artifact = models.ForeignKey(Artifact, on_delete=models.PROTECT, related_name="sbom_components")
    name = models.CharField(_("name"), max_length=300)
    version = models.CharField(_("version"), max_length=200, blank=True)
    purl = models.TextField(_("package URL"), blank=True)
    purl_type = models.CharField(max_length=30, blank=True)
    purl_namespace = models.CharField(max_length=300, blank=True)
    purl_name = models.CharField(max_length=300, blank=True)
    cpe = models.TextField(_("CPE"), blank=True)
    licenses = models.JSONField(_("licences"), default=list, blank=True)
    hashes = models.JSONField(_("hashes"), default=dict, blank=True)
    bom_ref = models.TextField(blank=True)  # the SBOM's own reference, which VEX statements point at

    class Meta:
        ordering = ["name", "version", "id"]
        verbose_name = _("SBOM component")
        verbose_name_plural = _("SBOM components")
        indexes = [models.Index(fields=["application", "artifact"], name="cert_sbomcomp_app_idx")]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}" if self.version else self.name


class SbomVexStatement(models.Model):
    """A VEX statement found in an application's SBOM artifacts, kept so later re-matching honours it."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="sbom_vex_statements")
    artifact = models.ForeignKey(Artifact, on_delete=models.PROTECT, related_name="sbom_vex_statements")
    vulnerability_id = models.CharField(max_length=100)
    affects = models.JSONField(default=list, blank=True)  # bom-refs (or BOM-links / purls) it applies to
    state = models.CharField(max_length=40, blank=True)
    justification = models.CharField(max_length=100, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("VEX statement")
        verbose_name_plural = _("VEX statements")


class Finding(models.Model):
    """A component that falls in an advisory's affected ranges. Denormalised so evidence survives changes."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="findings")
    # Set once the application's product is certified, so watching can tell findings new to a certificate.
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    # A finding belongs to one inventory row; replacing the inventory drops findings of removed components.
    component = models.ForeignKey(SbomComponent, on_delete=models.CASCADE, related_name="findings")
    # Advisories are never deleted (withdrawn ones are kept); PROTECT makes that a rule.
    advisory = models.ForeignKey(Advisory, on_delete=models.PROTECT, related_name="findings")
    purl = models.TextField(blank=True)
    component_name = models.CharField(_("component"), max_length=300)
    version = models.CharField(_("version"), max_length=200, blank=True)
    # The advisory's OSV id (the API's `advisory_id`; `advisory_id` itself is the foreign key's column).
    osv_id = models.CharField(_("advisory"), max_length=100)
    aliases = models.JSONField(default=list, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=SeverityRating.choices,
                                default=SeverityRating.UNKNOWN)
    score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    fixed_version = models.CharField(_("fixed version"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    vex_justification = models.CharField(max_length=100, blank=True)
    vex_detail = models.TextField(blank=True)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        ordering = ["osv_id", "component_name", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(fields=["component", "advisory"], name="%(app_label)s_%(class)s_unique"),
        ]
        indexes = [models.Index(fields=["application", "status"], name="cert_finding_app_status_idx")]

    def __str__(self) -> str:
        return f"{self.osv_id} in {self.component_name}@{self.version}"


class IndependenceStatement(models.Model):
    """An assigned evaluator's statement, before seeing the application, that they have no relation
    with its vendor (relations are recorded as ConflictDeclaration rows)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="independence_statements")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "evaluator"], name="%(app_label)s_%(class)s_unique"),
        ]


class Clarification(models.Model):
    """A question from an evaluator to the vendor, or a reply in its thread (parent set)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="clarifications")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    requirement_code = models.CharField(max_length=40, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_repr = models.CharField(max_length=254)
    # Written by the vendor's side (a question's answer), as opposed to the certification body.
    from_vendor = models.BooleanField(default=False)
    body = models.TextField()
    # A question the body closed without an answer (it no longer holds back completion), and why.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


def _evidence_path(instance: "EvidenceFile", filename: str) -> str:
    return f"evidence/{instance.case.application_id}/{instance.sha256}"


class EvidenceFile(models.Model):
    """A file an evaluator attaches to a case result (screenshots, logs, captures)."""

    case = models.ForeignKey(CaseResult, on_delete=models.PROTECT, related_name="evidence_files")
    file = models.FileField(upload_to=_evidence_path, max_length=300)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]


def _evaluation_report_path(instance: "EvaluationReport", filename: str) -> str:
    # One file per completion; the time stamp tells completions apart when listing the folder.
    return f"reports/{instance.application_id}/{filename}"


class EvaluationReport(models.Model):
    """The bilingual evaluation report PDF rendered when an evaluation is completed: per completion, one
    copy for the certification body and one for the vendor (which does not name the body's people)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reports")
    # The number of the completion it reports on (the count of 'complete' events), so a task delivered
    # twice for the same completion finds the report already there.
    generation = models.PositiveIntegerField(default=1)
    edition = models.CharField(_("edition"), max_length=10, choices=ReportEdition.choices)
    file = models.FileField(upload_to=_evaluation_report_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        ordering = ["application", "-generation", "edition"]
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")
        constraints = [
            models.UniqueConstraint(fields=["application", "generation", "edition"],
                                    name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.application_id} report {self.generation} ({self.edition})"
