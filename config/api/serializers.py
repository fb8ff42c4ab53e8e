"""Serializer bases shared by the APIs."""

import copy

from rest_framework import serializers


class CachedFieldsModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that works its fields out from the model once per class, not once per use.

    DRF's ModelSerializer inspects the model and builds every field (kwargs, validators, translated
    labels) each time a serializer is used: for a product with its vendor, versions and certificates
    that is most of the cost of answering. The fields depend only on the class (none of ours varies
    them by instance or context), so the built fields are kept per class and each use gets fresh
    copies of them (re-created from their arguments, as DRF copies declared fields).
    A subclass that builds fields from its instance or context must not use this base.
    """

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return {name: _fresh(field) for name, field in built.items()}


def _fresh(field: serializers.Field) -> serializers.Field:
    """A new, unbound field made from the same arguments (a field holding other fields is copied whole)."""
    if any(isinstance(value, serializers.Field) for value in (*field._args, *field._kwargs.values())):
        return copy.deepcopy(field)
    return field.__class__(*field._args, **field._kwargs)
