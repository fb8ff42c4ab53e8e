from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import ArtifactKind, Level
from registry.models import Certificate, ProductVersion, Requirement, Scheme, Vendor

from .choices import (
    ApplicationAction,
    ApplicationStatus,
    CaseResultValue,
    CheckRunStatus,
    ConflictRelation,
)


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
    renewal_of = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="renewal_applications"
    )
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

    def __str__(self) -> str:
        return f"#{self.pk} {self.product_version} ({self.scheme.code}, {self.level})"


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

    class Meta:
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

    class Meta:
        ordering = ["requirement__order", "requirement__code"]
        verbose_name = _("case result")
        verbose_name_plural = _("case results")
        constraints = [
            models.UniqueConstraint(fields=["application", "requirement"], name="%(app_label)s_%(class)s_unique"),
        ]


class CaseResultVersion(models.Model):
    case = models.ForeignKey(CaseResult, on_delete=models.PROTECT, related_name="versions")
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
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "enqueued_at"], name="cert_checkrun_status_idx")]

    def __str__(self) -> str:
        return f"{self.check_key} for #{self.application_id}: {self.status}"
