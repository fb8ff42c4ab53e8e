"""Serializers of the certification API. Shapes only: the rules are in services, workflow and selectors."""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certification.choices import ApplicationAction
from certification.models import (
    Application,
    ApplicationEvent,
    Artifact,
    CaseResult,
    CaseResultVersion,
)
from certification.workflow import available_actions
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
                  "updated_at"]

    def get_title(self, obj: CaseResult) -> str:
        req = obj.requirement
        return (req.title_en or req.title_vi) if _english() else (req.title_vi or req.title_en)


class CaseVersionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_repr", read_only=True)

    class Meta:
        model = CaseResultVersion
        fields = ["old_result", "new_result", "old_notes", "new_notes", "actor", "created_at"]


class CaseWithHistorySerializer(CaseSerializer):
    history = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "history"]

    @extend_schema_field(CaseVersionSerializer(many=True))
    def get_history(self, obj: CaseResult) -> list:
        return CaseVersionSerializer(self.context.get("history", []), many=True).data


class CaseResultInputSerializer(serializers.Serializer):
    # a plain string: the service checks it and names the allowed values
    result = serializers.CharField(max_length=16, help_text=_("pass, fail or not_applicable"))
    notes = serializers.CharField(required=False, allow_blank=True, default="")


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
    actor = serializers.CharField(source="actor_repr", read_only=True)

    class Meta:
        model = ApplicationEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "created_at"]


class FindingSerializer(serializers.Serializer):
    """A vulnerable component found in the application's SBOM."""

    purl = serializers.CharField()
    component = serializers.SerializerMethodField()
    version = serializers.CharField()
    advisory_id = serializers.SerializerMethodField()
    aliases = serializers.ListField(child=serializers.CharField())
    severity = serializers.CharField()
    fixed_version = serializers.CharField()
    status = serializers.CharField()

    def get_component(self, obj) -> str:
        return getattr(obj, "component_name", None) or str(getattr(obj, "component", ""))

    def get_advisory_id(self, obj) -> str:
        return getattr(obj, "osv_id", None) or str(getattr(obj, "advisory", ""))


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
    findings = serializers.SerializerMethodField()
    artifacts = ArtifactSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "status", "product_version", "product", "vendor", "scheme", "scheme_version", "level",
                  "available_actions", "cases", "findings", "artifacts", "events", "certificate", "created_at",
                  "submitted_at"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ApplicationAction.choices)))
    def get_available_actions(self, obj: Application) -> list[str]:
        request = self.context.get("request")
        return available_actions(obj, request.user if request else None)

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, obj: Application) -> list:
        findings = getattr(obj, "findings", None)
        if findings is None:
            return []
        return FindingSerializer(findings.all(), many=True).data

    @extend_schema_field(OpenApiTypes.STR)
    def get_certificate(self, obj: Application) -> str | None:
        return obj.certificate.serial if obj.certificate_id else None


class ApplicationCreateSerializer(serializers.Serializer):
    product_version = serializers.IntegerField(help_text=_("Id of one of your product versions."))
    scheme = serializers.CharField(max_length=40, help_text=_("Scheme code, e.g. tcvn-fw."))
    level = serializers.ChoiceField(choices=Level.choices)

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
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text=_("Required to return, reject, appeal, uphold or overturn."))
    evaluators = serializers.ListField(child=serializers.EmailField(), required=False, default=list,
                                       help_text=_("For assign: the evaluators' e-mail addresses."))
