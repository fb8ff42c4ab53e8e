from io import StringIO

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from django.core.management import call_command

from accounts.models import User
from accounts.roles import user_roles
from certification.checks import CHECKS, CheckOutcome
from certification.choices import ApplicationStatus
from certification.management.commands import _seed_data as demo
from certification.models import (
    Application,
    ApplicationEvent,
    Artifact,
    Assignment,
    CaseResult,
    CaseResultVersion,
    CheckRun,
    ConflictDeclaration,
)
from config.uploads import sniff
from registry.choices import CertificateStatus
from registry.models import (
    Certificate,
    CertificateEvent,
    Product,
    ProductVersion,
    Requirement,
    Scheme,
    Vendor,
    VendorMembership,
)
from registry.validators import validate_tax_code
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db

MODELS = [User, Vendor, VendorMembership, Product, ProductVersion, Scheme, Requirement, Application, ApplicationEvent,
          Artifact, Assignment, CaseResult, CaseResultVersion, CheckRun, ConflictDeclaration, Certificate,
          CertificateEvent, AuditEntry]
SBOM_KEYS = ("sbom.valid", "sbom.vulnerabilities")


@pytest.fixture
def seed(django_capture_on_commit_callbacks):
    """Run the command with its after-commit work executed, as a committed run would."""
    def run() -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def sbom_checks(monkeypatch):
    """The SBOM checks come from another part of the code; stand in for them only where they are absent."""
    for key in SBOM_KEYS:
        if key not in CHECKS:
            monkeypatch.setitem(CHECKS, key, lambda app: CheckOutcome("pass", "stub", {}))


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_covers_every_state_and_second_run_creates_nothing(seed, sbom_checks):
    out, err = seed()
    assert "warning" not in err
    first = counts()
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(ApplicationStatus.values)
    assert set(Certificate.objects.values_list("status", flat=True)) == set(CertificateStatus.values)
    assert first["Scheme"] == 8 and first["Vendor"] == 8 and first["Product"] >= 12
    assert audit_verify().ok
    assert "demo-password-2026" in out and "buyer@demo.vn" in out and "admin@demo.vn" in out

    out, err = seed()
    assert counts() == first
    assert "Created: nothing (already seeded)." in out
    assert "warning" not in err
    assert audit_verify().ok


def test_seed_demo_accounts_have_their_roles_and_password(seed, sbom_checks):
    seed()
    expected = {"vendor@demo.vn": {"vendor"}, "vendor2@demo.vn": {"vendor"}, "evaluator@demo.vn": {"evaluator"},
                "evaluator2@demo.vn": {"evaluator"}, "certifier@demo.vn": {"certifier"}, "staff@demo.vn": {"staff"},
                "buyer@demo.vn": {"procurement"}}
    for email, roles in expected.items():
        user = User.objects.get(email=email)
        assert user_roles(user) == roles
        assert user.check_password(demo.DEMO_PASSWORD)
    admin = User.objects.get(email="admin@demo.vn")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.get(email="staff@demo.vn").is_staff
    sao_viet = Vendor.objects.get(tax_code="0108123455")
    assert VendorMembership.objects.get(user__email="vendor@demo.vn").vendor == sao_viet
    assert VendorMembership.objects.get(user__email="vendor2@demo.vn").vendor.legal_name.startswith("Công ty TNHH")


def test_seed_demo_records_are_made_through_the_services(seed, sbom_checks):
    seed()
    certified = Application.objects.filter(status="certified")
    assert certified.count() >= 4
    for app in certified:
        assert list(app.events.values_list("action", flat=True)) == ["create", "submit", "assign", "complete",
                                                                      "certify"]
        assert app.certificate is not None
        assert app.check_runs.exists() and not app.check_runs.exclude(status="done").exists()
    appealed = Application.objects.get(status="appealed")
    assert list(appealed.events.values_list("action", flat=True))[-2:] == ["reject", "appeal"]
    assert appealed.cases.filter(result="fail", requirement__mandatory=True).exists()

    revoked = Certificate.objects.get(status="revoked")
    assert list(revoked.events.values_list("action", flat=True)) == ["issue", "suspend", "revoke"]
    expired = Certificate.objects.get(status="expired")
    event = expired.events.get(action="expire")
    assert event.actor is None and event.actor_repr == "system"
    assert expired.valid_until < event.created_at
    for status in ("suspended", "revoked", "expired"):
        assert AuditEntry.objects.filter(action__startswith="certificate.", object_type="registry.certificate",
                                         object_id=str(Certificate.objects.get(status=status).pk)).count() >= 2
    draft = Application.objects.get(status="draft")
    assert list(draft.artifacts.values_list("kind", flat=True)) == ["installer"]
    assert ConflictDeclaration.objects.filter(evaluator__email="evaluator2@demo.vn").exists()
    for spec in demo.VENDORS.values():
        vendor = Vendor.objects.get(tax_code=spec["tax_code"])
        assert (vendor.verified_at is not None) == spec["verified"], spec["tax_code"]
        verifications = AuditEntry.objects.filter(action="vendor.verify", object_type="registry.vendor",
                                                  object_id=str(vendor.pk))
        assert verifications.count() == (1 if spec["verified"] else 0), spec["tax_code"]
    lac_hong = Vendor.objects.get(tax_code=demo.VENDORS["lachong"]["tax_code"])
    assert not Assignment.objects.filter(application__vendor=lac_hong, evaluator__email="evaluator2@demo.vn").exists()


def test_seed_demo_without_sbom_checks_pauses_in_evaluation(seed, monkeypatch):
    for key in SBOM_KEYS:
        monkeypatch.delitem(CHECKS, key, raising=False)
    out, err = seed()
    assert "no automated check is registered for sbom.valid, sbom.vulnerabilities" in err
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "withdrawn", "in_evaluation"}
    first = counts()
    seed()
    assert counts() == first
    assert audit_verify().ok


def test_seed_demo_data_is_valid():
    for spec in demo.VENDORS.values():
        validate_tax_code(spec["tax_code"])
        digits = spec["tax_code"][:10]
        weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
        assert int(digits[9]) == 10 - sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    assert any("-" in spec["tax_code"] for spec in demo.VENDORS.values())
    assert {s["target"] for s in demo.SCENARIOS} == set(ApplicationStatus.values)


@pytest.mark.parametrize("key", sorted(demo.PRODUCTS))
def test_seed_demo_generated_files_are_what_they_claim(key):
    spec = demo.PRODUCTS[key]
    version, released = spec["versions"][0]
    sbom = demo.sbom_bytes(product=spec, vendor=demo.VENDORS[spec["vendor"]], version=version, release_date=released)
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(sbom.decode()) is None
    assert sniff(sbom) == "application/json"
    assert sniff(demo.pdf_bytes(lines=[spec["name_en"], "Hướng dẫn (bản thử)"])) == "application/pdf"
    installer = demo.installer_bytes(product=spec["name_en"], version=version)
    assert installer.startswith(b"\x7fELF") and sniff(installer) not in ("application/pdf", "application/json")


def test_seed_demo_imports_real_advisories_and_shows_real_findings(seed, sbom_checks):
    """With ../shared/data beside the project, the demo's vulnerability database holds the real OSV advisories
    and the demo product with an old lodash has findings from them."""
    from pathlib import Path

    from django.conf import settings

    from certification.models import Advisory, AdvisoryImport, Finding

    if not (Path(settings.BASE_DIR).parent / "shared" / "data" / "osv" / "ghsa").is_dir():
        pytest.skip("../shared/data/osv is absent: the demo keeps its vulnerability database as it is")
    out, _err = seed()
    assert "OSV advisories from" in out
    assert Advisory.objects.filter(osv_id="GHSA-35jh-r3h4-6jhm").exists() and AdvisoryImport.objects.exists()
    lodash = Finding.objects.filter(component_name="lodash", version="4.17.15")
    assert {f.osv_id for f in lodash} >= {"GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"}
