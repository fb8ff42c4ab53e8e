"""A vendor's verified identity changes only through a change request staff approve (certificates keep the
identity they were issued with), and the Make in Viet Nam mark shows only after staff reviewed the
attestation and its evidence."""

import pytest
from django.core.management import call_command

from config.errors import (
    ApplicationError,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from registry.choices import ReviewStatus
from registry.models import MvnAttestation, Product, Vendor, VendorChangeRequest
from registry.selectors import vendor_for_user
from registry.services import (
    mvn_attestation_review,
    mvn_attestation_submit,
    vendor_change_request_create,
    vendor_change_request_decide,
    vendor_update,
)
from tests.factories import PDF_BYTES, ProductFactory, installer_bytes, upload
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db


def _state(vendor) -> tuple:
    vendor = Vendor.objects.get(pk=vendor.pk)
    return (vendor.legal_name, vendor.tax_code, VendorChangeRequest.objects.count(), AuditEntry.objects.count())


# Identity ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [("legal_name", "Công ty Khác"), ("tax_code", "0399999999")])
def test_verified_identity_is_not_edited_in_place(vendor_member, staff, field, value):
    vendor = vendor_for_user(vendor_member)
    before = _state(vendor)
    for actor in (vendor_member, staff):
        with pytest.raises(ApplicationError) as caught:
            vendor_update(vendor=vendor, actor=actor, **{field: value})
        assert field in caught.value.details
    assert _state(vendor) == before
    # other fields still change in place
    vendor_update(vendor=vendor, actor=vendor_member, address="Số 2 Tràng Tiền, Hà Nội")


def test_change_request_approved_changes_identity_but_not_issued_certificates(vendor_member, staff, journey,
                                                                              with_artifacts):
    app = journey(with_artifacts, "certified")
    certificate = app.certificate
    vendor = vendor_for_user(vendor_member)
    old_name, old_tax = vendor.legal_name, vendor.tax_code
    assert (certificate.vendor_legal_name, certificate.vendor_tax_code) == (old_name, old_tax)

    request = vendor_change_request_create(vendor=vendor, actor=vendor_member, legal_name="Công ty Cổ phần Sen Vàng",
                                           tax_code="0312345678", reason="Giấy chứng nhận ĐKDN thay đổi lần 3")
    assert request.status == ReviewStatus.PENDING and request.previous == {"legal_name": old_name,
                                                                          "tax_code": old_tax}
    with pytest.raises(TransitionNotAllowed):  # one request waits at a time
        vendor_change_request_create(vendor=vendor, actor=vendor_member, legal_name="Tên khác", reason="x")
    with pytest.raises(PermissionDeniedError):
        vendor_change_request_decide(change_request=request, actor=vendor_member, approve=True)
    assert Vendor.objects.get(pk=vendor.pk).legal_name == old_name

    vendor_change_request_decide(change_request=request, actor=staff, approve=True)
    vendor.refresh_from_db()
    assert (vendor.legal_name, vendor.tax_code) == ("Công ty Cổ phần Sen Vàng", "0312345678")
    certificate.refresh_from_db()
    assert (certificate.vendor_legal_name, certificate.vendor_tax_code) == (old_name, old_tax)
    from registry.records import certificate_record

    assert certificate_record(certificate)["vendor"] == {"name": old_name, "tax_code": old_tax}
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.action == "vendor.change_request.approved" and entry.before["tax_code"] == old_tax
    assert audit_verify().ok
    with pytest.raises(TransitionNotAllowed):
        vendor_change_request_decide(change_request=request, actor=staff, approve=False, note="muộn")


def test_change_request_bad_input_changes_nothing(vendor_member, other_vendor_member, staff):
    vendor = vendor_for_user(vendor_member)
    other = vendor_for_user(other_vendor_member)
    before = _state(vendor)
    cases = [
        {"legal_name": "Tên mới", "reason": "  "},  # no reason
        {"reason": "Không đổi gì"},  # nothing to change
        {"legal_name": vendor.legal_name, "tax_code": vendor.tax_code, "reason": "Giống cũ"},
        {"tax_code": "12345", "reason": "Mã sai"},  # not a tax code
        {"tax_code": other.tax_code, "reason": "Trùng"},  # another company's
    ]
    for data in cases:
        with pytest.raises(ApplicationError) as caught:
            vendor_change_request_create(vendor=vendor, actor=vendor_member, **data)
        assert caught.value.status_code == 400 and caught.value.details, data
    with pytest.raises(NotFoundError):  # another vendor's member
        vendor_change_request_create(vendor=vendor, actor=other_vendor_member, legal_name="X", reason="y")
    assert _state(vendor) == before
    request = vendor_change_request_create(vendor=vendor, actor=vendor_member, legal_name="Tên mới", reason="Đổi tên")
    with pytest.raises(ApplicationError):  # a rejection needs a note
        vendor_change_request_decide(change_request=request, actor=staff, approve=False)
    vendor_change_request_decide(change_request=request, actor=staff, approve=False, note="Chưa có giấy tờ")
    assert Vendor.objects.get(pk=vendor.pk).legal_name == vendor.legal_name


def test_create_user_verified_records_the_operator(db, roles_ready):
    call_command("create_user", "ops@vendor-x.vn", "--role", "vendor", "--vendor-tax-code", "0101234567",
                 "--vendor-name", "Công ty TNHH Vận Hành", "--verified")
    vendor = Vendor.objects.get(tax_code="0101234567")
    assert vendor.verified_at is not None and vendor.verified_by is None
    assert vendor.verified_by_repr == "operator:create_user --verified"
    entry = AuditEntry.objects.filter(action="vendor.verify").get()
    assert entry.actor_repr == "operator:create_user --verified" and entry.object_id == str(vendor.pk)
    # running it again changes nothing
    count = AuditEntry.objects.count()
    call_command("create_user", "ops@vendor-x.vn", "--role", "vendor", "--vendor-tax-code", "0101234567", "--verified")
    assert AuditEntry.objects.count() == count
    # without the flag the vendor waits for staff
    call_command("create_user", "new@vendor-y.vn", "--role", "vendor", "--vendor-tax-code", "0107654321",
                 "--vendor-name", "Công ty Chờ Xác Minh")
    assert Vendor.objects.get(tax_code="0107654321").verified_at is None


def test_create_user_verified_only_for_vendors(db, roles_ready):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_user", "ev@lab.vn", "--role", "evaluator", "--verified")


# Make in Viet Nam ----------------------------------------------------------------------------------

CLAIMS = {"researched": True, "developed": True, "produced": True, "source_owner": True}


@pytest.fixture
def product(vendor_member):
    return ProductFactory(vendor=vendor_for_user(vendor_member), made_in_vietnam=False)


def test_mvn_mark_only_after_staff_review(product, vendor_member, staff, settings):
    attestation = mvn_attestation_submit(product=product, actor=vendor_member, statement="Phát triển tại Đà Nẵng",
                                         file=upload("dang-ky.pdf", PDF_BYTES), **CLAIMS)
    assert attestation.status == ReviewStatus.PENDING and attestation.evidence_sha256
    assert not Product.objects.get(pk=product.pk).made_in_vietnam
    with pytest.raises(TransitionNotAllowed):  # one waits at a time
        mvn_attestation_submit(product=product, actor=vendor_member, statement="lần hai",
                               file=upload("b.pdf", PDF_BYTES), **CLAIMS)
    with pytest.raises(PermissionDeniedError):
        mvn_attestation_review(attestation=attestation, actor=vendor_member, approve=True)
    mvn_attestation_review(attestation=attestation, actor=staff, approve=True, note="Đã đối chiếu")
    product.refresh_from_db()
    attestation.refresh_from_db()
    assert product.made_in_vietnam
    assert (attestation.reviewed_by_id, attestation.review_note) == (staff.pk, "Đã đối chiếu")
    assert attestation.reviewed_at is not None
    assert AuditEntry.objects.order_by("-sequence").first().action == "mvn.approved"

    # a later attestation rejected (with a reason) takes the mark away
    later = mvn_attestation_submit(product=product, actor=vendor_member, statement="Sản xuất ở nước ngoài",
                                   file=upload("c.pdf", PDF_BYTES), **{**CLAIMS, "produced": False})
    with pytest.raises(ApplicationError):
        mvn_attestation_review(attestation=later, actor=staff, approve=False)
    mvn_attestation_review(attestation=later, actor=staff, approve=False, note="Không sản xuất trong nước")
    assert not Product.objects.get(pk=product.pk).made_in_vietnam


def test_mvn_approved_with_a_missing_claim_carries_no_mark(product, vendor_member, staff):
    attestation = mvn_attestation_submit(product=product, actor=vendor_member, statement="Chỉ phát triển",
                                         file=upload("a.pdf", PDF_BYTES), **{**CLAIMS, "source_owner": False})
    mvn_attestation_review(attestation=attestation, actor=staff, approve=True)
    assert not Product.objects.get(pk=product.pk).made_in_vietnam


def test_mvn_bad_input_changes_nothing(product, vendor_member, other_vendor_member):
    count, audit = MvnAttestation.objects.count(), AuditEntry.objects.count()
    bad = [
        (vendor_member, {"statement": " ", "file": upload("a.pdf", PDF_BYTES)}, ApplicationError),
        (vendor_member, {"statement": "x", "file": upload("a.exe", installer_bytes())}, ApplicationError),
        (vendor_member, {"statement": "x", "file": None}, ApplicationError),
        (other_vendor_member, {"statement": "x", "file": upload("a.pdf", PDF_BYTES)}, NotFoundError),
    ]
    for actor, data, error in bad:
        with pytest.raises(error):
            mvn_attestation_submit(product=product, actor=actor, **CLAIMS, **data)
    assert (MvnAttestation.objects.count(), AuditEntry.objects.count()) == (count, audit)
    assert not Product.objects.get(pk=product.pk).made_in_vietnam


def test_product_claims_alone_carry_no_mark(vendor_member):
    from registry.services import product_create

    product = product_create(vendor=vendor_for_user(vendor_member), actor=vendor_member, name="Tường lửa Sen",
                             category="firewall", mvn_researched=True, mvn_developed=True, mvn_produced=True,
                             mvn_source_owner=True)
    assert not product.made_in_vietnam
