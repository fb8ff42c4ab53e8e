"""A vendor's day, by keyboard alone where a person types: register the company, confirm the e-mail, sign in,
add a product and a version, apply, upload, replace and remove files, submit; answer a question with a new
version of a file; see a rejection's reason and deadline at the top and appeal; see the live status of a
certificate on the dashboard."""

import re

import pytest
from django.core import mail

from tests.browser.conftest import PASSWORD, sign_in
from tests.browser.world import SBOM_JSON, drive, people
from tests.factories import PDF_BYTES, installer_bytes

pytestmark = [pytest.mark.django_db(transaction=True)]


def _files(tmp_path):
    paths = {}
    for name, content in {"setup-1.0.bin": installer_bytes(), "huong-dan.pdf": PDF_BYTES,
                          "huong-dan-v2.pdf": PDF_BYTES + b"\n% v2\n", "sbom.cdx.json": SBOM_JSON,
                          "sbom-v2.cdx.json": SBOM_JSON.replace(b"4.17.15", b"4.17.21")}.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(content)
    return paths


def _upload(ui, kind: str, path) -> None:
    """Choose the kind and the file from the keyboard, and send the form."""
    ui.key_select("#id_kind", kind)
    ui.key_file("#id_file", path)
    with ui.page.expect_navigation():
        ui.key_press('form[action$="/artifacts/"] button[type="submit"]')


def test_vendor_day(ui_for, tmp_path):
    from certification.models import Application, Artifact
    from certification.process.services import application_transition
    from certification.process.workbench import clarification_ask, independence_declare
    from registry.models import Vendor
    from registry.services import certificate_transition, vendor_verify

    w = people()
    files = _files(tmp_path)
    ui = ui_for("vendor")

    # registration, by keyboard
    ui.go("/vendors/register/")
    ui.check("register")
    for selector, value in [("#id_email", "giamdoc@saobien.vn"), ("#id_full_name", "Phan Thị Hoa"),
                            ("#id_password1", PASSWORD), ("#id_password2", PASSWORD),
                            ("#id_legal_name", "Công ty Cổ phần An ninh mạng Sao Biển"),
                            ("#id_name_en", "Sao Bien Cyber Security JSC"), ("#id_tax_code", "0312345678")]:
        ui.key_fill(selector, value)
    with ui.page.expect_navigation():
        ui.key_press('form[action="/vendors/register/"] button[type="submit"]')
    ui.check("registered: check your e-mail")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    ui.go("/" + link.split("/", 3)[3])
    ui.check("confirm the e-mail address")
    with ui.page.expect_navigation():
        ui.key_press('form[action*="/accounts/confirm-email/"] button[type="submit"]')
    vendor = Vendor.objects.get(tax_code="0312345678")
    vendor_verify(vendor=vendor, actor=w.staff)  # staff's part (the staff journey does it on the page)

    sign_in(ui, "giamdoc@saobien.vn", keyboard=True)
    ui.go("/work/vendor/")
    ui.check("empty dashboard")
    ui.focus_ring("empty dashboard")
    ui.key_fill("#id_product-name", "Tường lửa Sao Biển")
    ui.key_select("#id_product-category", "firewall")
    with ui.page.expect_navigation():
        ui.key_press('form[action="/work/vendor/products/"] button[type="submit"]')
    ui.key_select("#id_version-product", "Tường lửa Sao Biển")
    ui.key_fill("#id_version-version", "1.0")
    with ui.page.expect_navigation():
        ui.key_press('form[action="/work/vendor/versions/"] button[type="submit"]')
    ui.check("product and version added")
    ui.key_select("#id_application-product_version", "Tường lửa Sao Biển 1.0")
    ui.key_select("#id_application-scheme", w.scheme.code)
    with ui.page.expect_navigation():
        ui.key_press('form[action="/work/applications/new/"] button[type="submit"]')
    app = Application.objects.get(vendor=vendor)
    assert ui.path() == f"/work/applications/{app.pk}/"
    ui.check("draft application")

    _upload(ui, "installer", files["setup-1.0.bin"])
    _upload(ui, "user_guide", files["huong-dan.pdf"])
    _upload(ui, "sbom", files["sbom.cdx.json"])
    ui.check("documents uploaded")
    # replace the guide, remove the SBOM: both stay on record
    guide = Artifact.objects.get(application=app, kind="user_guide")
    ui.page.locator(f'form[action$="/artifacts/{guide.pk}/replace/"]').locator("xpath=..").locator("summary").click()
    ui.page.set_input_files(f"#replace-{guide.pk}", str(files["huong-dan-v2.pdf"]))
    ui.submit(f'form[action$="/artifacts/{guide.pk}/replace/"] button[type="submit"]')
    sbom = Artifact.objects.get(application=app, kind="sbom")
    ui.submit(f'form[action$="/artifacts/{sbom.pk}/remove/"] button[type="submit"]')
    assert Artifact.history.filter(application=app).count() == 4 and Artifact.objects.filter(application=app).count() == 2
    ui.check("guide replaced, SBOM removed")

    with ui.page.expect_navigation():
        ui.key_press('#action-submit button[type="submit"]')
    assert Application.objects.get(pk=app.pk).status == "submitted"
    ui.check("submitted")

    # the body's part: assign, and a question during the evaluation
    app = application_transition(application=Application.objects.get(pk=app.pk), action="assign", actor=w.staff,
                                 evaluators=[w.evaluator.email])
    independence_declare(application=app, evaluator=w.evaluator)
    clarification_ask(application=app, actor=w.evaluator, body="Vui lòng gửi hướng dẫn sử dụng bản cập nhật.")
    ui.go("/work/vendor/")
    assert "1" in ui.page.locator("#waiting-heading").locator("xpath=..").inner_text()
    ui.check("dashboard: a question waits")
    ui.go(f"/work/applications/{app.pk}/")
    question = app.clarifications.get()
    guide = Artifact.objects.get(application=app, kind="user_guide")
    ui.key_fill(f"#reply-{question.pk}", "Chúng tôi gửi kèm hướng dẫn phiên bản 2.")
    ui.key_select(f"#answer-target-{question.pk}", f"replace:{guide.pk}")
    ui.key_file(f"#answer-file-{question.pk}", files["huong-dan.pdf"])
    with ui.page.expect_navigation():
        ui.key_press(f'form[action$="/clarifications/{question.pk}/reply/"] button[type="submit"]')
    new = Artifact.objects.get(application=app, kind="user_guide")
    assert new.pk != guide.pk and new.clarification_id is not None
    assert Artifact.history.get(pk=guide.pk).superseded_by_id == new.pk
    ui.check("answered with a new file")

    # evaluated and rejected by the body; the vendor sees why and until when to appeal, then appeals
    app = Application.objects.get(pk=app.pk)
    for case in app.cases.select_related("requirement").exclude(requirement__method="automated"):
        from certification.process.services import case_result_record

        case_result_record(application=app, requirement_code=case.requirement.code, actor=w.evaluator,
                           result="fail" if case.requirement.code == "FW-01" else "pass", notes="Không chặn được")
    application_transition(application=app, action="complete", actor=w.evaluator)
    application_transition(application=Application.objects.get(pk=app.pk), action="reject", actor=w.certifier,
                           note="FW-01 không đạt: tường lửa không chặn lưu lượng trái chính sách.")
    ui.go(f"/work/applications/{app.pk}/")
    banner = ui.page.locator(".decision-banner")
    # the deadline in the page's language: 31/12/2026 in Vietnamese, 31 December 2026 in English
    deadline = r"\d\d/\d\d/\d{4}" if ui.language == "vi" else r"\d{1,2} [A-Z][a-z]+ \d{4}"
    assert "FW-01 không đạt" in banner.inner_text() and re.search(deadline, banner.inner_text())
    ui.check("rejected: reason and deadline at the top")
    ui.page.locator("#note-appeal").fill("Bản 1.0.1 đã sửa lỗi; đề nghị đánh giá lại FW-01.")
    ui.page.locator('#action-appeal input[value="FW-01"]').check()
    ui.page.locator('#action-appeal input[name="confirm"]').check() if ui.page.locator(
        '#action-appeal input[name="confirm"]').count() else None
    ui.submit('#action-appeal button[type="submit"]')
    assert Application.objects.get(pk=app.pk).status == "appealed"
    ui.check("appealed")

    # a certificate's live status on the dashboard: suspended by staff a moment ago
    certified = drive(_second_application(w, vendor), w, "certified")
    certificate_transition(certificate=certified.certificate, action="suspend", actor=w.staff,
                           reason="Lỗ hổng nghiêm trọng chưa vá")
    ui.go("/work/vendor/")
    row = ui.page.locator(f'tr:has(a:text("{certified.certificate.serial}"))')
    assert "suspended" in row.inner_html() and "Lỗ hổng nghiêm trọng chưa vá" in row.inner_text()
    ui.check("dashboard: certificate status now")


def _second_application(w, vendor):
    from certification.process.services import application_create, artifact_upload
    from registry.services import product_create, product_version_create
    from tests.factories import upload

    user = vendor.memberships.first().user
    product = product_create(vendor=vendor, actor=user, name="Cổng VPN Sao Biển", category="vpn")
    version = product_version_create(product=product, actor=user, version="2.0")
    app = application_create(actor=user, product_version=version, scheme=w.scheme, level="basic")
    artifact_upload(application=app, actor=user, kind="installer", file=upload("vpn.bin", installer_bytes()))
    artifact_upload(application=app, actor=user, kind="user_guide", file=upload("vpn.pdf", PDF_BYTES))
    w.vendor_user = user
    return app
