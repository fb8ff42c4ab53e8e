"""generate_load_data: the counts it promises, the same rows on every run, an intact audit chain."""

import io

import pytest
from django.core.management import CommandError, call_command

from certification.models import CaseResult
from registry.models import Certificate, Product, Vendor
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db


def test_generate_load_data_counts_names_and_chain():
    out = io.StringIO()
    call_command("generate_load_data", products=250, stdout=out)
    assert Product.objects.count() == 250 and Vendor.objects.count() == 10
    assert Certificate.objects.count() == 75 and CaseResult.objects.count() == 2500
    assert AuditEntry.objects.filter(object_type="certification.caseresult").count() == 2500
    # each certificate's issuance (and later status change) is in the log, so the log re-derives every row
    assert AuditEntry.objects.filter(object_type="registry.certificate", action="certificate.issue").count() == 75
    report = audit_verify()
    assert report.ok, report.problems[:3]
    assert set(Certificate.objects.values_list("status", flat=True)) <= {"active", "suspended", "revoked", "expired"}
    names = list(Product.objects.order_by("pk").values_list("name", flat=True)[:6])
    assert any("Tường lửa" in n for n in names) and Product.objects.filter(search_document__contains=" ").count() == 250
    with pytest.raises(CommandError):
        call_command("generate_load_data", products=250, stdout=out)


def test_generate_load_data_is_deterministic():
    from django.db import transaction

    snapshots = []
    for _ in range(2):
        with transaction.atomic():
            call_command("generate_load_data", products=100, stdout=io.StringIO())
            snapshots.append(list(Certificate.objects.order_by("serial").values_list(
                "serial", "status", "level", "product__name", "vendor_legal_name")))
            transaction.set_rollback(True)
    assert snapshots[0] and snapshots[0] == snapshots[1]
