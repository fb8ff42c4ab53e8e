"""Serializers of the certification API. Shapes only: the rules are in services, workflow and selectors."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certification.access import application_access
from certification.choices import (
    EVALUATOR_RESULTS,
    ApplicationAction,
    CaseResultValue,
    CheckRunStatus,
    ConflictRelation,
    FindingStatus,
    SeverityRating,
)
from certification.models import (
    Application,
    ApplicationEvent,
    Artifact,
    CaseResult,
    CaseResultVersion,
    Clarification,
    ConflictDeclaration,
    EvidenceFile,
    Finding,
    SbomComponent,
)
from certification.process.scoring import application_pass_outcome
from certification.process.selectors import (
    VENDOR_SIDE_ACTIONS,
    application_checks,
    application_progress,
    conflict_blocking,
    conflict_cooling_off_until,
    conflict_vendor_get,
)
from config.api.fields import BoundedDateField, IdField
from config.bounds import INT64_MAX, TEXT_MAX_LENGTH
from config.errors import NotFoundError
from registry.api.serializers import (
    ProductRefSerializer,
    ProductVersionRefSerializer,
    VendorRefSerializer,
)
from registry.choices import ArtifactKind, Level
from registry.selectors import scheme_get


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


# To a vendor, the certification body's people act as one: their names are not shown (as on the pages).
BODY_LABEL = _("Certification body")


def _caller(context):
    request = context.get("request")
    return request.user if request else None


def _access(context, application):
    """The caller's access to the application (certification.access), computed once per application."""
    cache = context.setdefault("_access", {})
    if application.pk not in cache:
        cache[application.pk] = application_access(user=_caller(context), application=application)
    return cache[application.pk]


def _vendor_view(context, application) -> bool:
    """Whether the serializer renders for the application's vendor."""
    return _access(context, application).sees_as_vendor


class DeviationSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=CaseResultValue.choices)
    justification = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class CaseSerializer(serializers.ModelSerializer):
    requirement_code = serializers.CharField(source="requirement.code", read_only=True)
    group = serializers.CharField(source="requirement.group", read_only=True)
    title = serializers.SerializerMethodField()
    method = serializers.CharField(source="requirement.method", read_only=True)
    mandatory = serializers.BooleanField(source="requirement.mandatory", read_only=True)
    evidence = serializers.JSONField(read_only=True)

    class Meta:
        model = CaseResult
        fields = ["requirement_code", "group", "title", "method", "mandatory", "result", "notes", "evidence",
                  "deviation", "updated_at"]

    deviation = serializers.SerializerMethodField(
        help_text=_("A certifier's justified deviation from the result, which the pass rule then reads; null when "
                    "there is none."))

    @extend_schema_field(DeviationSerializer(allow_null=True))
    def get_deviation(self, obj: CaseResult) -> dict | None:
        if not obj.deviation_result:
            return None
        return {"result": obj.deviation_result, "justification": obj.deviation_justification,
                "recorded_at": obj.deviation_at}

    def get_title(self, obj: CaseResult) -> str:
        req = obj.requirement
        return (req.title_en or req.title_vi) if _english() else (req.title_vi or req.title_en)


class CaseVersionSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text=_("Who made the change: an e-mail address, "
                                                          "'system:<check>' for an automated check, or "
                                                          "'Certification body' when a vendor reads it."))

    class Meta:
        model = CaseResultVersion
        fields = ["old_result", "new_result", "old_notes", "new_notes", "actor", "created_at"]

    def get_actor(self, obj: CaseResultVersion) -> str:
        if self.context.get("vendor_view") and not obj.actor_repr.startswith("system:"):
            return str(BODY_LABEL)
        return obj.actor_repr


class EvidenceFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "sha256", "size", "content_type", "uploaded_by", "uploaded_at", "download_url"]

    def get_uploaded_by(self, obj: EvidenceFile) -> str:
        if self.context.get("vendor_view"):
            return str(BODY_LABEL)
        return obj.uploaded_by.email if obj.uploaded_by_id else ""

    def get_download_url(self, obj: EvidenceFile) -> str:
        application_id = self.context.get("application_id") or obj.case.application_id
        return settings.SITE_URL + reverse("certification_api:evidence_download", args=[application_id, obj.pk])


class CaseWithHistorySerializer(CaseSerializer):
    """A case with every change kept (oldest first) and the files attached to it as evidence."""

    history = serializers.SerializerMethodField()
    evidence_files = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "history", "evidence_files"]

    def _child_context(self, obj: CaseResult) -> dict:
        return {**self.context, "application_id": obj.application_id,
                "vendor_view": _vendor_view(self.context, obj.application)}

    @extend_schema_field(CaseVersionSerializer(many=True))
    def get_history(self, obj: CaseResult) -> list:
        return CaseVersionSerializer(obj.versions.all(), many=True, context=self._child_context(obj)).data

    @extend_schema_field(EvidenceFileSerializer(many=True))
    def get_evidence_files(self, obj: CaseResult) -> list:
        return EvidenceFileSerializer(obj.evidence_files.all(), many=True, context=self._child_context(obj)).data


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)  # the service answers an empty file


class CaseResultInputSerializer(serializers.Serializer):
    # a plain string: the service checks it and names the allowed values
    result = serializers.CharField(max_length=16, help_text=_("pass, fail or not_applicable"))
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH)


class ArtifactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Artifact
        fields = ["id", "kind", "original_name", "sha256", "size", "content_type", "uploaded_at"]


class ArtifactUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ArtifactKind.choices)
    file = serializers.FileField(allow_empty_file=True, use_url=False)  # the service answers an empty file
    declared_sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False, allow_blank=True, default="",
                                             help_text=_("Optional: the SHA-256 you expect, checked on upload."))


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "created_at"]

    def get_actor(self, obj: ApplicationEvent) -> str:
        # The vendor sees who acted on its own side; the certification body acts as one.
        if self.context.get("vendor_view") and obj.action not in VENDOR_SIDE_ACTIONS:
            return str(BODY_LABEL)
        return obj.actor_repr


class FindingSerializer(serializers.ModelSerializer):
    """A component of the application's SBOM that falls in an advisory's affected ranges."""

    component = serializers.CharField(source="component_name", read_only=True)
    advisory_id = serializers.CharField(source="osv_id", read_only=True,
                                        help_text=_("The advisory's OSV id (GHSA-..., PYSEC-..., CVE-...)."))
    aliases = serializers.ListField(child=serializers.CharField(), read_only=True)
    severity = serializers.ChoiceField(choices=SeverityRating.choices, read_only=True)
    score = serializers.FloatField(read_only=True, allow_null=True, help_text=_("CVSS base score, when published."))
    status = serializers.ChoiceField(choices=FindingStatus.choices, read_only=True)
    source = serializers.SerializerMethodField(help_text=_("The database that published the advisory."))

    class Meta:
        model = Finding
        fields = ["purl", "component", "version", "advisory_id", "aliases", "severity", "score", "fixed_version",
                  "status", "source"]

    def get_source(self, obj: Finding) -> str:
        source = getattr(obj, "advisory_source", None)  # annotated by the application selectors
        return source if source is not None else obj.advisory.source


def _keyword_renamed(fields: dict) -> dict:
    """Fields declared as `pass_` (a Python keyword) are sent as `pass`, in their place."""
    renamed = {}
    for name, field in fields.items():
        if name == "pass_":
            name = "pass"
        renamed[name] = field
    return renamed


class CheckSerializer(serializers.Serializer):
    """The live state of one automated check."""

    requirement_code = serializers.CharField()
    check_key = serializers.CharField()
    status = serializers.ChoiceField(choices=CheckRunStatus.choices)
    attempts = serializers.IntegerField()
    enqueued_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


class GroupProgressSerializer(serializers.Serializer):
    group = serializers.CharField()
    total = serializers.IntegerField()
    final = serializers.IntegerField(help_text=_("Cases with a final result: pass + fail + na."))
    pass_ = serializers.IntegerField()
    fail = serializers.IntegerField()
    na = serializers.IntegerField(help_text=_("Cases marked not applicable."))
    open = serializers.IntegerField(help_text=_("Cases still pending, running or in error."))

    def get_fields(self):
        return _keyword_renamed(super().get_fields())


class GroupScoreSerializer(serializers.Serializer):
    group = serializers.CharField()
    total = serializers.IntegerField()
    pass_ = serializers.IntegerField(source="passed")
    fail = serializers.IntegerField(source="failed")
    na = serializers.IntegerField(source="not_applicable")
    open = serializers.IntegerField()
    weight_passed = serializers.IntegerField()
    weight_counted = serializers.IntegerField(help_text=_("Weight of the cases not marked not applicable."))
    score = serializers.FloatField(allow_null=True, help_text=_("Weighted score of the group in percent."))

    def get_fields(self):
        return _keyword_renamed(super().get_fields())


class PassRuleSerializer(serializers.Serializer):
    """The scheme's pass rule applied to the current results, with the breakdown by group."""

    passed = serializers.BooleanField()
    score = serializers.FloatField(help_text=_("Weighted score in percent."))
    threshold = serializers.FloatField(help_text=_("The level's threshold in percent."))
    explanation = serializers.SerializerMethodField()
    failed_mandatory = serializers.ListField(child=serializers.CharField())
    open_cases = serializers.ListField(child=serializers.CharField())
    groups = GroupScoreSerializer(many=True)

    def get_explanation(self, obj) -> str:
        return obj.explain()


class ApplicationSerializer(serializers.ModelSerializer):
    product_version = ProductVersionRefSerializer(read_only=True)
    product = ProductRefSerializer(source="product_version.product", read_only=True)
    vendor = VendorRefSerializer(read_only=True)
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    scheme_version = serializers.CharField(source="scheme.version", read_only=True)
    available_actions = serializers.SerializerMethodField(
        help_text=_("Actions the caller may take now, in the order of the workflow.")
    )
    cases = CaseSerializer(many=True, read_only=True)
    progress = serializers.SerializerMethodField(help_text=_("Progress of the evaluation per requirement group."))
    checks = serializers.SerializerMethodField(help_text=_("Live state of the automated checks."))
    findings = serializers.SerializerMethodField()
    artifacts = ArtifactSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "status", "kind", "product_version", "product", "vendor", "scheme", "scheme_version", "level",
                  "available_actions", "cases", "progress", "checks", "findings", "artifacts", "events",
                  "certificate", "created_at", "submitted_at"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ApplicationAction.choices)))
    def get_available_actions(self, obj: Application) -> list[str]:
        return _access(self.context, obj).actions

    @extend_schema_field(GroupProgressSerializer(many=True))
    def get_progress(self, obj: Application) -> list:
        return GroupProgressSerializer(application_progress(application=obj), many=True).data

    @extend_schema_field(CheckSerializer(many=True))
    def get_checks(self, obj: Application) -> list:
        rows = application_checks(application=obj)
        if not _access(self.context, obj).sees_check_errors:
            rows = [{**row, "error": ""} for row in rows]
        return CheckSerializer(rows, many=True).data

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, obj: Application) -> list:
        return FindingSerializer(obj.findings.all(), many=True).data

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, obj: Application) -> list:
        context = {**self.context, "vendor_view": _vendor_view(self.context, obj)}
        return EventSerializer(obj.events.all(), many=True, context=context).data

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=_("The certificate's serial, or null.")))
    def get_certificate(self, obj: Application) -> str | None:
        return obj.certificate.serial if obj.certificate_id else None


class IndependenceSerializer(serializers.Serializer):
    declared = serializers.BooleanField()
    declared_at = serializers.DateTimeField(allow_null=True)


class ApplicationDetailSerializer(ApplicationSerializer):
    """One application: the list's fields, plus the pass rule and the caller's statement of independence."""

    pass_rule = serializers.SerializerMethodField(
        help_text=_("The pass rule on the current results, by group. Staff, certifiers and the assigned "
                    "evaluators see it at any time; the vendor once the application is certified, rejected or "
                    "appealed. Null for anyone else, and before submission (there are no cases yet).")
    )
    independence = serializers.SerializerMethodField(
        help_text=_("For an assigned evaluator: whether they have declared independence from the vendor "
                    "(null for anyone else).")
    )

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "pass_rule", "independence"]

    @extend_schema_field(PassRuleSerializer(allow_null=True))
    def get_pass_rule(self, obj: Application) -> dict | None:
        if not _access(self.context, obj).sees_pass_rule or not obj.cases.all():
            return None
        return PassRuleSerializer(application_pass_outcome(application=obj)).data

    @extend_schema_field(IndependenceSerializer(allow_null=True))
    def get_independence(self, obj: Application) -> dict | None:
        user = _caller(self.context)
        if not _access(self.context, obj).is_assigned_evaluator:
            return None
        # from the rows the application selectors prefetched (the independence gate reads them too)
        statement = next((s for s in obj.independence_statements.all() if s.evaluator_id == user.pk), None)
        return {"declared": statement is not None, "declared_at": statement.declared_at if statement else None}


class ApplicationCreateSerializer(serializers.Serializer):
    product_version = IdField(help_text=_("Id of one of your product versions."))
    scheme = serializers.CharField(max_length=40, help_text=_("Scheme code, e.g. tcvn-fw."))
    level = serializers.ChoiceField(choices=Level.choices)
    renewal_of = serializers.CharField(required=False, max_length=64, help_text=_(
        "Serial of your certificate this application renews (a new evaluation; certified, the certificate "
        "continues with a new validity period)."))
    maintenance_of = serializers.CharField(required=False, max_length=64, help_text=_(
        "Serial of your active certificate the new product version should join (maintenance)."))
    impact_analysis = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH,
                                            help_text=_("Maintenance: what changed in this version and what it "
                                                        "affects."))
    affected_requirements = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=500,
        help_text=_("Maintenance: the requirement codes the change affects (evaluated again, with every automated "
                    "check)."))

    def validate_scheme(self, value: str):
        try:
            return scheme_get(code=value.strip())
        except NotFoundError:
            raise serializers.ValidationError(
                _("There is no current scheme with the code %(code)s.") % {"code": value}
            ) from None


class ApplicationActionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=20, help_text=_("submit, return, assign, complete, certify, reject, "
                                                              "withdraw, appeal, uphold or overturn"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH,
                                 help_text=_("Required to return, reject, appeal, uphold or overturn."))
    evaluators = serializers.ListField(child=serializers.EmailField(), required=False, default=list,
                                       help_text=_("For assign: the evaluators' e-mail addresses."))
    requirements = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=200,
        help_text=_("For appeal: the requirement codes the vendor contests. For overturn: those to evaluate again "
                    "(default: the appeal's); with none, the decision is taken again directly."))


# Evaluator's workbench -------------------------------------------------------------------------

class ClarificationReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text=_("An e-mail address; to the vendor, the certification "
                                                           "body's people show as 'Certification body'."))

    class Meta:
        model = Clarification
        fields = ["id", "author", "body", "created_at"]

    def get_author(self, obj: Clarification) -> str:
        vendor_side = self.context.get("vendor_side_ids")
        if vendor_side is not None and obj.author_id not in vendor_side:
            return str(BODY_LABEL)
        return obj.author_repr


class ClarificationSerializer(ClarificationReplySerializer):
    """A question to the vendor and its replies, oldest first."""

    replies = ClarificationReplySerializer(many=True, read_only=True)

    class Meta(ClarificationReplySerializer.Meta):
        fields = ["id", "requirement_code", "author", "body", "created_at", "resolved_at", "resolution", "replies"]


class ClarificationCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text=_("Why the question is closed without an answer."))


class CaseDeviationInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=[(str(v), str(v)) for v in EVALUATOR_RESULTS],
                                     help_text=_("The result the decision relies on."))
    justification = serializers.CharField(max_length=5000, help_text=_("Why; printed in the evaluation report."))


class ClarificationInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, help_text=_("The question or the reply."))
    requirement_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                             help_text=_("Optional, for a question: the requirement it is about."))
    parent = IdField(required=False, allow_null=True, default=None,
                                      help_text=_("To reply: the id of the question (or of any reply in its "
                                                  "thread)."))


class SbomComponentSerializer(serializers.ModelSerializer):
    licenses = serializers.ListField(child=serializers.CharField(), read_only=True)
    hashes = serializers.DictField(child=serializers.CharField(), read_only=True,
                                   help_text=_("Algorithm to hex digest, as the SBOM gives them."))

    class Meta:
        model = SbomComponent
        fields = ["id", "name", "version", "purl", "purl_type", "cpe", "licenses", "hashes"]


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}],
                      "description": "The vendor's id, or its tax code."})
class VendorRefField(serializers.Field):
    """A vendor named by its id (a number) or its tax code (text)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or (isinstance(data, str) and not data.strip()):
            raise serializers.ValidationError(_("Give the vendor's id or tax code."))
        if isinstance(data, int) and not 1 <= data <= INT64_MAX or isinstance(data, str) and len(data) > 100:
            raise serializers.ValidationError(_("No vendor has this id or tax code."))
        return data

    def to_representation(self, value):
        return VendorRefSerializer(value).data


class ConflictSerializer(serializers.ModelSerializer):
    evaluator = serializers.EmailField(source="evaluator.email", read_only=True)
    vendor = VendorRefSerializer(read_only=True)
    relation = serializers.ChoiceField(choices=ConflictRelation.choices, read_only=True)
    relation_label = serializers.CharField(source="get_relation_display", read_only=True)
    cooling_off_until = serializers.SerializerMethodField(
        help_text=_("The last day this relation keeps the evaluator off the vendor's applications; null while "
                    "the relation is ongoing.")
    )
    blocking = serializers.SerializerMethodField(
        help_text=_("Whether the relation keeps the evaluator off the vendor's applications today.")
    )

    class Meta:
        model = ConflictDeclaration
        fields = ["id", "evaluator", "vendor", "relation", "relation_label", "started_on", "ended_on", "note",
                  "declared_at", "cooling_off_until", "blocking"]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_cooling_off_until(self, obj: ConflictDeclaration):
        return conflict_cooling_off_until(declaration=obj)

    def get_blocking(self, obj: ConflictDeclaration) -> bool:
        return conflict_blocking(declaration=obj)


class ConflictInputSerializer(serializers.Serializer):
    vendor = VendorRefField()
    relation = serializers.ChoiceField(choices=ConflictRelation.choices)
    started_on = BoundedDateField()
    ended_on = BoundedDateField(required=False, allow_null=True, default=None,
                                     help_text=_("Empty while the relation is ongoing."))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_vendor(self, value):
        try:
            return conflict_vendor_get(ref=value)
        except NotFoundError as exc:
            raise serializers.ValidationError(exc.message) from None


class IndependenceStatementSerializer(serializers.Serializer):
    application = serializers.IntegerField(source="application_id")
    evaluator = serializers.EmailField(source="evaluator.email")
    declared_at = serializers.DateTimeField()


class CaseStateSerializer(serializers.Serializer):
    requirement_code = serializers.CharField()
    result = serializers.ChoiceField(choices=CaseResultValue.choices)
    updated_at = serializers.DateTimeField()


class ApplicationLiveStateSerializer(serializers.Serializer):
    """What a page polls while the checks run: cheap to compute, small to send."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    updated_at = serializers.DateTimeField()
    checks = CheckSerializer(many=True)
    cases = CaseStateSerializer(many=True)
    progress = GroupProgressSerializer(many=True)
