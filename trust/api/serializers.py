"""Shapes of the trust API (ARCHITECTURE §6): published keys, signed tree heads, proofs and entries."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.bounds import INT64_MAX


class SignatureSerializer(serializers.Serializer):
    alg = serializers.CharField(help_text=_("Always Ed25519."))
    key_id = serializers.CharField(help_text=_("The key, as listed by keys/."))
    value = serializers.CharField(help_text=_("The signature, base64url without padding."))


class PublishedKeySerializer(serializers.Serializer):
    key_id = serializers.CharField()
    alg = serializers.CharField()
    public_key = serializers.CharField(help_text=_("The raw 32-byte Ed25519 public key, base64url."))
    not_before = serializers.DateTimeField()
    not_after = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(
        choices=["active", "inactive", "retired", "compromised"],
        help_text=_("active signs now; inactive was rotated out and its signatures stay valid; signatures of a "
                    "retired or compromised key are not accepted."))


class KeysSerializer(serializers.Serializer):
    keys = PublishedKeySerializer(many=True)


class TreeHeadSerializer(serializers.Serializer):
    tree_size = serializers.IntegerField()
    root_hash = serializers.CharField(help_text=_("SHA-256 root of the RFC 9162 tree, base64."))
    timestamp = serializers.DateTimeField()
    signature = SignatureSerializer()


class InclusionProofSerializer(serializers.Serializer):
    leaf_index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    leaf_hash = serializers.CharField(help_text=_("SHA-256(0x00 || RFC 8785 entry), base64."))
    audit_path = serializers.ListField(child=serializers.CharField(), help_text=_("Base64 hashes, leaf first."))


class ConsistencyProofSerializer(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    proof = serializers.ListField(child=serializers.CharField(), help_text=_("Base64 hashes (RFC 9162 2.1.4)."))


@extend_schema_field(OpenApiTypes.OBJECT)
class EntryField(serializers.DictField):
    pass


class EntriesSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField(help_text=_("Exclusive."))
    tree_size = serializers.IntegerField()
    entries = serializers.ListField(child=EntryField(), help_text=_(
        "The audit entries of leaf indexes start..end-1; the RFC 8785 form of each is its leaf."))


class ProofQuerySerializer(serializers.Serializer):
    leaf_index = serializers.IntegerField(min_value=0, max_value=INT64_MAX)
    tree_size = serializers.IntegerField(min_value=1, max_value=INT64_MAX)


class ConsistencyQuerySerializer(serializers.Serializer):
    first = serializers.IntegerField(min_value=1, max_value=INT64_MAX)
    second = serializers.IntegerField(min_value=1, max_value=INT64_MAX)


class EntriesQuerySerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0, max_value=INT64_MAX)
    end = serializers.IntegerField(min_value=1, max_value=INT64_MAX, required=False,
                                   help_text=_("Exclusive; at most 1,000 entries per request."))
