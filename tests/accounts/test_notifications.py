"""Notification e-mails: who gets one, in which language, and what it says."""

from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.core import mail

from accounts.notifications import email_render
from certification.process.services import application_transition
from registry.models import VendorMembership
from registry.services import certificate_transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PARTS = Path(django_settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "parts"


@pytest.fixture
def vi_catalog(settings, tmp_path):
    """Compile the e-mail translations into a catalogue of their own, so the test does not depend on
    `manage.py compile_translations` having run (nor on other areas' wording of shared msgids)."""
    target = tmp_path / "locale" / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(PARTS / "email_pdf.po")).save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]  # the setting_changed signal resets the cache
    yield


def _to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_notifications_vendor_email_on_every_transition(with_artifacts, journey, vendor_member):
    mail.outbox.clear()
    app = journey(with_artifacts, "certified")
    actions = list(app.events.exclude(action="create").values_list("action", flat=True))
    assert actions == ["submit", "assign", "complete", "certify"]
    messages = _to(vendor_member.email)
    assert len(messages) == len(actions)
    for message in messages:
        assert f"#{app.pk}" in message.subject and str(app.product_version) in message.subject
    # The certificate e-mail names the serial and where anyone can verify it.
    assert app.certificate.serial in messages[-1].body
    assert f"/verify/{app.certificate.serial}/" in messages[-1].body


def test_notifications_vendor_email_on_reject_and_appeal(with_artifacts, journey, vendor_member, settings):
    settings.APPEAL_WINDOW_DAYS = 21
    mail.outbox.clear()
    app = journey(with_artifacts, "appealed")
    messages = _to(vendor_member.email)
    assert len(messages) == app.events.exclude(action="create").count() == 5
    reject = messages[3]
    assert "Không đạt" in reject.body  # the certifier's note reaches the vendor
    assert "21" in reject.body


def test_notifications_vendor_email_in_preferred_language(with_artifacts, journey, vendor_member, vi_catalog):
    from registry.selectors import vendor_for_user

    english = UserFactory(role="vendor", email="cto@vendor-a.vn", preferred_language="en")
    VendorMembership.objects.create(user=english, vendor=vendor_for_user(vendor_member))
    assert vendor_member.preferred_language == "vi"
    mail.outbox.clear()
    app = journey(with_artifacts, "submitted")
    (vi,), (en,) = _to(vendor_member.email), _to(english.email)
    assert vi.subject == f"Hồ sơ #{app.pk} ({app.product_version}): Đã nộp"
    assert en.subject == f"Application #{app.pk} ({app.product_version}): Submitted"
    assert "Trạng thái mới: Đã nộp" in vi.body and "Trạng thái trước đó: Bản nháp" in vi.body
    assert "New status: Submitted" in en.body and "Previous status: Draft" in en.body
    assert "Thao tác: Nộp hồ sơ" in vi.body and "Action: Submit" in en.body
    assert "Cơ quan chứng nhận đã tiếp nhận hồ sơ" in vi.body
    assert "has received your application" in en.body


def test_notifications_labels_not_codes(with_artifacts, journey, vendor_member):
    vendor_member.preferred_language = "en"
    vendor_member.save(update_fields=["preferred_language"])
    mail.outbox.clear()
    journey(with_artifacts, "in_evaluation")
    body = _to(vendor_member.email)[-1].body
    assert "In evaluation" in body and "in_evaluation" not in body
    assert "Submitted" in body


def test_notifications_staff_one_email_per_submission(with_artifacts, vendor_member, staff, commit, settings):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@cert.gov.vn"]
    other_staff = UserFactory(role="staff", email="manager@cert.gov.vn")
    mail.outbox.clear()
    with commit():
        application_transition(application=with_artifacts, action="submit", actor=vendor_member)
    for address in (staff.email, other_staff.email, "desk@cert.gov.vn"):
        (message,) = _to(address)
        assert f"#{with_artifacts.pk}" in message.subject
        assert with_artifacts.vendor.legal_name in message.body
        assert with_artifacts.scheme.code in message.body
    assert not any("New application" in m.subject or "Hồ sơ mới" in m.subject for m in _to(vendor_member.email))
    # Returned and submitted again: a new submission, a new e-mail each.
    with commit():
        application_transition(application=with_artifacts, action="return", actor=staff, note="Thiếu tài liệu")
    with commit():
        application_transition(application=with_artifacts, action="submit", actor=vendor_member)
    assert len(_to(other_staff.email)) == 2
    assert len(_to(staff.email)) == 2  # staff get no mail for the vendor-facing return


def test_notifications_staff_submission_in_vietnamese(with_artifacts, vendor_member, staff, commit, vi_catalog):
    mail.outbox.clear()
    with commit():
        application_transition(application=with_artifacts, action="submit", actor=vendor_member)
    (message,) = _to(staff.email)
    assert message.subject.startswith(f"Hồ sơ mới #{with_artifacts.pk} cần xem xét: ")
    assert "Mức chứng nhận: Cơ bản" in message.body


def test_notifications_certificate_status_change(with_artifacts, journey, vendor_member, staff, commit, vi_catalog):
    certificate = journey(with_artifacts, "certified").certificate
    mail.outbox.clear()
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng nghiêm trọng")
    (message,) = _to(vendor_member.email)
    assert message.subject == f"Giấy chứng nhận {certificate.serial}: trạng thái chuyển thành Bị đình chỉ"
    assert "Lý do: Lỗ hổng nghiêm trọng" in message.body
    assert "Trạng thái trước đó: Có hiệu lực" in message.body
    assert "Thao tác: Đình chỉ" in message.body
    assert f"/verify/{certificate.serial}/" in message.body


def test_notifications_plain_text_not_html_escaped():
    subject, body = email_render(template="application_transition", language="en", context={
        "application_id": 7, "product": "Firewall <Pro> & Co 1.0", "action": "return", "from_status": "submitted",
        "to_status": "returned", "note": "Missing \"admin guide\" & 'user guide'",
    })
    assert subject == "Application #7 (Firewall <Pro> & Co 1.0): Returned to vendor"
    assert "Note: Missing \"admin guide\" & 'user guide'" in body
    assert "&amp;" not in body and "&lt;" not in body and "&#x27;" not in body
    assert "submit the application again" in body


def test_notifications_every_template_renders_in_both_languages(vi_catalog):
    cases = {
        "application_transition": {"application_id": 1, "product": "P 1.0", "action": "certify",
                                   "from_status": "evaluated", "to_status": "certified", "certificate": "VN-CSP-2026-00001"},
        "application_submitted": {"application_id": 1, "product": "P 1.0", "vendor": "V", "scheme": "fw",
                                  "level": "substantial"},
        "certificate_status": {"serial": "VN-CSP-2026-00001", "product": "P 1.0", "status": "revoked",
                               "reason": "R", "action": "revoke", "from_status": "active"},
    }
    for template, context in cases.items():
        vi_subject, vi_body = email_render(template=template, context=context, language="vi")
        en_subject, en_body = email_render(template=template, context=context, language="en")
        assert vi_subject != en_subject and vi_body != en_body, template
        assert "\n" not in vi_subject and vi_subject.strip() == vi_subject
        assert "{%" not in vi_body + en_body and "%(" not in vi_body + en_body
    assert "Nâng cao" in email_render(template="application_submitted", context=cases["application_submitted"],
                                      language="vi")[1]
    assert "Bị thu hồi" in email_render(template="certificate_status", context=cases["certificate_status"],
                                        language="vi")[0]
