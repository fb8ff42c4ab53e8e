"""The certificate's life: expiry by beat (once), reminders before it (each once), renewal (the same
certificate continues) and maintenance (a new version joins after an impact analysis)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certification.process.services import application_create, artifact_upload
from config.errors import ApplicationError, GuardFailed, NotFoundError
from registry.models import Certificate, CertificateReminder
from registry.services import certificate_expire_due, certificate_expiry_reminders_send
from tests.factories import PDF_BYTES, ProductVersionFactory, installer_bytes, upload
from tests.support.tamper import triggers_off

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(journey, with_artifacts):
    app = journey(with_artifacts, "certified")
    app.refresh_from_db()
    return app


def _artifacts(app, vendor_member):
    artifact_upload(application=app, actor=vendor_member, kind="installer", file=upload("setup.bin", installer_bytes()))
    artifact_upload(application=app, actor=vendor_member, kind="user_guide", file=upload("guide.pdf", PDF_BYTES))
    return app


def _move_validity(certificate, valid_until):
    """The test's clock: the certificate row (not its history) moves to the wanted validity."""
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=valid_until)


def test_expiry_runs_twice_one_transition_one_email(certified, commit):
    certificate = certified.certificate
    _move_validity(certificate, timezone.now() - datetime.timedelta(minutes=1))
    mail.outbox.clear()
    with commit():
        assert certificate_expire_due() == 1
    with commit():
        assert certificate_expire_due() == 0
    certificate.refresh_from_db()
    assert certificate.status == "expired"
    assert certificate.events.filter(action="expire").count() == 1
    assert len([m for m in mail.outbox if certificate.serial in m.subject]) == 1
    assert certificate.records.order_by("-version").first().record["status"] == "expired"


def test_expiry_reminders_90_30_7_each_once(certified, commit):
    certificate = certified.certificate
    now = timezone.now()
    mail.outbox.clear()
    _move_validity(certificate, now + datetime.timedelta(days=100))
    with commit():
        assert certificate_expiry_reminders_send(now=now) == 0
    sent = []
    for days_left in [89, 60, 29, 8, 6, 1]:
        moment = now + datetime.timedelta(days=100 - days_left)
        for _run in range(2):  # beat may run twice: still once
            with commit():
                sent.append(certificate_expiry_reminders_send(now=moment))
    assert sent == [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]
    assert sorted(CertificateReminder.objects.values_list("days", flat=True)) == [7, 30, 90]
    subjects = [m.subject for m in mail.outbox if certificate.serial in m.subject]
    assert len(subjects) == 3 and all("hết hiệu lực" in s or "expires" in s for s in subjects)


def test_expiry_reminder_found_late_sends_only_the_nearest(certified, commit):
    certificate = certified.certificate
    now = timezone.now()
    _move_validity(certificate, now + datetime.timedelta(days=5))
    with commit():
        assert certificate_expiry_reminders_send(now=now) == 1
    assert list(CertificateReminder.objects.values_list("days", flat=True)) == [7]


def test_renewal_continues_the_certificate(certified, vendor_member, journey, scheme, client):
    certificate = certified.certificate
    old_until = certificate.valid_until
    version = ProductVersionFactory(product=certificate.product, version="2.0")
    renewal = application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic",
                                 renewal_of=certificate)
    assert renewal.kind == "renewal"
    _artifacts(renewal, vendor_member)
    renewal = journey(renewal, "certified")
    renewal.refresh_from_db()
    certificate.refresh_from_db()
    assert renewal.certificate == certificate  # the same certificate, continued
    assert certificate.valid_until > old_until and certificate.status == "active"
    assert list(certificate.events.values_list("action", flat=True)) == ["issue", "renew"]
    assert Certificate.objects.count() == 1
    html = client.get(reverse("registry:product_detail", args=[certificate.product_id])).content.decode()
    assert "Renewed" in html or "Gia hạn" in html


def test_renewal_of_an_expired_certificate_reactivates_it(certified, vendor_member, journey, scheme, commit):
    certificate = certified.certificate
    _move_validity(certificate, timezone.now() - datetime.timedelta(days=1))
    with commit():
        certificate_expire_due()
    certificate.refresh_from_db()
    version = ProductVersionFactory(product=certificate.product, version="2.1")
    renewal = _artifacts(application_create(actor=vendor_member, product_version=version, scheme=scheme,
                                            level="basic", renewal_of=certificate), vendor_member)
    with triggers_off():  # the test's clock moved the row, not the history: put the row back first
        Certificate.objects.filter(pk=certificate.pk).update(valid_until=certificate.valid_until)
    journey(renewal, "certified")
    certificate.refresh_from_db()
    assert certificate.status == "active" and certificate.valid_until > timezone.now()


def test_maintenance_adds_a_version_after_impact_analysis(certified, vendor_member, journey, scheme, api_client):
    certificate = certified.certificate
    version = ProductVersionFactory(product=certificate.product, version="1.1-hotfix")
    with pytest.raises(ApplicationError) as exc:
        application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic",
                           maintenance_of=certificate)
    assert set(exc.value.details) == {"impact_analysis"}
    with pytest.raises(ApplicationError) as exc:
        application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic",
                           maintenance_of=certificate, impact_analysis="Vá lỗi", affected_requirements=["NOPE"])
    assert "affected_requirements" in exc.value.details
    app = application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic",
                             maintenance_of=certificate, impact_analysis="Vá lỗi xác thực quản trị; không đổi "
                             "chức năng lọc gói.", affected_requirements=["FW-02"])
    _artifacts(app, vendor_member)
    app = journey(app, "in_evaluation")
    # the affected requirement and every automated check are evaluated again, nothing else
    assert sorted(app.cases.values_list("requirement__code", flat=True)) == ["DOC-01", "FW-02", "INT-01"]


def test_maintenance_journey_to_certified(certified, vendor_member, scheme, staff, evaluator2, certifier2, commit,
                                          client):
    from certification.process.services import application_transition, case_result_record
    from certification.process.workbench import independence_declare

    certificate = certified.certificate
    version = ProductVersionFactory(product=certificate.product, version="1.2")
    app = _artifacts(application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic",
                                        maintenance_of=certificate, impact_analysis="Cập nhật giao diện quản trị",
                                        affected_requirements=["FW-02"]), vendor_member)
    with commit():
        app = application_transition(application=app, action="submit", actor=vendor_member)
    with commit():
        app = application_transition(application=app, action="assign", actor=staff, evaluators=[evaluator2.email])
    independence_declare(application=app, evaluator=evaluator2)
    case_result_record(application=app, requirement_code="FW-02", actor=evaluator2, result="pass", notes="OK")
    with commit():
        app = application_transition(application=app, action="complete", actor=evaluator2)
    with commit():
        app = application_transition(application=app, action="certify", actor=certifier2)
    certificate.refresh_from_db()
    assert app.certificate == certificate
    assert list(certificate.covered_versions.values_list("product_version__version", flat=True)) == [
        certified.product_version.version, "1.2"]
    latest = certificate.records.order_by("-version").first()
    assert latest.record["versions"] == [certified.product_version.version, "1.2"]
    assert latest.record["version"] == "1.2"
    html = client.get(reverse("registry:certificate_verify", args=[certificate.serial])).content.decode()
    assert "1.2" in html


def test_renewal_and_maintenance_of_another_vendors_certificate_are_not_found(certified, other_vendor_member,
                                                                             scheme):
    from registry.selectors import vendor_for_user

    version = ProductVersionFactory(product__vendor=vendor_for_user(other_vendor_member))
    for kwargs in ({"renewal_of": certified.certificate},
                   {"maintenance_of": certified.certificate, "impact_analysis": "x", "affected_requirements": []}):
        with pytest.raises(NotFoundError):
            application_create(actor=other_vendor_member, product_version=version, scheme=scheme, level="basic",
                               **kwargs)


def test_renewal_of_a_revoked_certificate_is_refused(certified, vendor_member, scheme, staff):
    from registry.services import certificate_transition

    certificate = certificate_transition(certificate=certified.certificate, action="revoke", actor=staff,
                                         reason="Gian lận")
    version = ProductVersionFactory(product=certificate.product)
    with pytest.raises(GuardFailed):
        application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic",
                           renewal_of=certificate)


def test_renewal_and_maintenance_through_the_api(certified, vendor_member, other_vendor_member, api_client, scheme):
    from certification.models import Application

    certificate = certified.certificate
    version = ProductVersionFactory(product=certificate.product, version="3.0")
    api_client.force_authenticate(vendor_member)
    url = reverse("certification_api:application_list")
    response = api_client.post(url, {"product_version": version.pk, "scheme": scheme.code, "level": "basic",
                                     "maintenance_of": certificate.serial, "impact_analysis": "Đổi thư viện TLS",
                                     "affected_requirements": ["FW-01"]}, format="json")
    assert response.status_code == 201, response.content
    app = Application.objects.get(pk=response.json()["id"])
    assert (app.kind, app.maintenance_of, app.affected_requirements) == ("maintenance", certificate, ["FW-01"])
    response = api_client.post(url, {"product_version": version.pk, "scheme": scheme.code, "level": "basic",
                                     "renewal_of": "VN-CSP-1999-00000"}, format="json")
    assert response.status_code == 404
    api_client.force_authenticate(other_vendor_member)
    from registry.selectors import vendor_for_user

    theirs = ProductVersionFactory(product__vendor=vendor_for_user(other_vendor_member))
    response = api_client.post(url, {"product_version": theirs.pk, "scheme": scheme.code, "level": "basic",
                                     "renewal_of": certificate.serial}, format="json")
    assert response.status_code == 404
