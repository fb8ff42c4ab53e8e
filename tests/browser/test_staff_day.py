"""Staff's day: verify a vendor, assign evaluators with the searchable picker (a conflicted one is shown and
refused), suspend, reinstate and revoke a certificate, each after confirming what will happen."""

import pytest

from tests.browser.conftest import sign_in
from tests.browser.world import TOTP, application, drive, people, unverified_vendor

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_staff_day(ui_for):
    from certification.models import Application
    from certification.process.workbench import conflict_declare
    from registry.models import Certificate, Vendor

    w = people()
    newcomer = unverified_vendor()
    conflict_declare(evaluator=w.conflicted, vendor=w.vendor, relation="employment", started_on="2024-01-01")
    submitted = drive(application(w), w, "submitted")
    certified = drive(application(w, name="Cổng VPN Sao Mai", version="2.0"), w, "certified")

    ui = for_staff = ui_for("staff")
    sign_in(ui, w.staff.email, totp_secret=TOTP)
    assert ui.path() == "/work/staff/"
    ui.check("staff desk")
    ui.focus_ring("staff desk")

    # verify the newcomer
    vendor = Vendor.objects.get(legal_name__startswith="Công ty TNHH Phần mềm Bình Minh")
    ui.submit(f'form[action="/work/staff/vendors/{vendor.pk}/verify/"] button')
    assert Vendor.objects.get(pk=vendor.pk).verified_at is not None
    assert newcomer.is_active
    ui.check("vendor verified")

    # assign: the picker filters as one types, shows the conflict, and the conflicted evaluator is refused
    ui.go(f"/work/applications/{submitted.pk}/")
    ui.check("submitted application")
    picker = ui.page.locator("[data-picker]")
    search = picker.locator(".picker-search input")
    conflicted_row = picker.locator('[data-picker-item*="conflicted@lab.vn"]')
    assert "Employed by the vendor" in conflicted_row.inner_text() or "Làm việc" in conflicted_row.inner_text()
    search.fill("chau")  # without the accents, as people type on a phone
    assert picker.locator("[data-picker-item]:visible").count() == 1
    search.fill("")
    conflicted = picker.locator('input[value="conflicted@lab.vn"]')
    assert conflicted.is_disabled()
    picker.locator('input[value="evaluator@lab.vn"]').check()
    ui.submit('form.action-form:has(input[name="action"][value="assign"]) button[type="submit"]')
    assert Application.objects.get(pk=submitted.pk).status == "in_evaluation"
    ui.check("evaluators assigned")

    # suspend, reinstate, revoke: each names what will happen and needs the box ticked
    certificate = Certificate.objects.get(pk=certified.certificate_id)
    ui.go("/work/staff/")
    row = ui.page.locator(f'form[action="/work/certificates/{certificate.serial}/actions/"]')
    row.locator('textarea[name="reason"], input[name="reason"]').first.fill("Lỗ hổng nghiêm trọng chưa được vá")
    row.locator('button[value="suspend"]').click()
    ui.page.wait_for_load_state()
    assert Certificate.objects.get(pk=certificate.pk).status == "active"  # not confirmed: nothing changed
    ui.check("suspend needs confirmation")
    row = ui.page.locator(f'form[action="/work/certificates/{certificate.serial}/actions/"]')
    row.locator('input[name="reason"]').fill("Lỗ hổng nghiêm trọng chưa được vá")
    row.locator('input[name="confirm"]').check()
    with ui.page.expect_navigation():
        row.locator('button[value="suspend"]').click()
    assert Certificate.objects.get(pk=certificate.pk).status == "suspended"
    ui.check("certificate suspended")

    row = ui.page.locator(f'form[action="/work/certificates/{certificate.serial}/actions/"]')
    row.locator('input[name="confirm"]').check()
    with ui.page.expect_navigation():
        row.locator('button[value="reinstate"]').click()
    assert Certificate.objects.get(pk=certificate.pk).status == "active"

    row = ui.page.locator(f'form[action="/work/certificates/{certificate.serial}/actions/"]')
    row.locator('input[name="reason"]').fill("Nhà cung cấp vi phạm điều kiện chứng nhận")
    row.locator('input[name="confirm"]').check()
    with ui.page.expect_navigation():
        row.locator('button[value="revoke"]').click()
    assert Certificate.objects.get(pk=certificate.pk).status == "revoked"
    ui.check("certificate revoked")
    for_staff.close()
