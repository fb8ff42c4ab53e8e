"""The certification body's day: an evaluator declares a conflict and independence, scores with evidence, asks
the vendor, completes after confirming; a certifier certifies one application, rejects another and decides
an appeal; each signs in with the code of their authenticator app."""

import pytest

from tests.browser.conftest import sign_in
from tests.browser.world import TOTP, application, drive, people
from tests.factories import PDF_BYTES

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_evaluator_day(ui_for, tmp_path):
    from certification.models import (
        Application,
        CaseResult,
        Clarification,
        ConflictDeclaration,
        EvidenceFile,
    )
    from certification.process.workbench import clarification_reply

    w = people()
    app = drive(application(w), w, "in_evaluation")
    evidence = tmp_path / "capture.pdf"
    evidence.write_bytes(PDF_BYTES)

    ui = ui_for("evaluator")
    sign_in(ui, w.evaluator.email, totp_secret=TOTP)
    ui.go("/work/evaluator/")
    ui.check("evaluator queue")

    ui.go("/work/evaluator/conflicts/")
    ui.page.fill("#id_tax_code", w.vendor.tax_code)
    ui.page.select_option("#id_relation", "consulting")
    ui.page.fill("#id_started_on", "2019-01-01")
    ui.page.fill("#id_ended_on", "2020-06-30")
    ui.submit('main form[method="post"] button[type="submit"]')
    assert ConflictDeclaration.objects.filter(evaluator=w.evaluator).count() == 1
    ui.check("conflict declared")

    ui.go(f"/work/applications/{app.pk}/")
    ui.check("statement of independence")
    ui.submit(f'form[action="/work/applications/{app.pk}/independence/"] button')
    ui.check("application in evaluation")
    ui.focus_ring("application in evaluation")

    # score the first case with a note and a file, then the next one the page leads to
    ui.go(f"/work/applications/{app.pk}/cases/FW-01/")
    ui.page.set_input_files("#id_file", str(evidence))
    ui.submit(f'form[action="/work/applications/{app.pk}/cases/FW-01/evidence/"] button')
    assert EvidenceFile.objects.filter(case__application=app).count() == 1
    ui.page.locator('input[name="result"][value="pass"]').check()
    ui.page.fill("#id_notes", "Đã kiểm tra: chặn đúng lưu lượng theo chính sách.")
    ui.submit(f'form[action="/work/applications/{app.pk}/cases/FW-01/"] button[type="submit"]')
    ui.check("next case")
    for code in ("FW-02", "DOC-02"):
        ui.go(f"/work/applications/{app.pk}/cases/{code}/")
        ui.page.locator('input[name="result"][value="pass"]').check()
        ui.submit(f'form[action="/work/applications/{app.pk}/cases/{code}/"] button[type="submit"]')
    assert CaseResult.objects.filter(application=app, result="pass").count() == 5

    # ask the vendor; completing waits for the answer
    ui.go(f"/work/applications/{app.pk}/")
    ui.page.select_option("#ask-requirement", "FW-01")
    ui.page.fill("#ask-body", "Phiên bản firmware được đánh giá là bản nào?")
    ui.submit(f'form[action="/work/applications/{app.pk}/clarifications/"] button')
    ui.check("question sent, completion waits")
    question = Clarification.objects.get(application=app, parent=None)
    clarification_reply(parent=question, actor=w.vendor_user, body="Bản 3.2.0 build 1142.")

    ui.go(f"/work/applications/{app.pk}/")
    ui.page.locator('#action-complete textarea[name="note"]').fill("Đạt toàn bộ yêu cầu.")
    ui.page.locator('#action-complete button[type="submit"]').click()  # not confirmed: the browser holds it
    confirm = ui.page.locator('#action-complete input[name="confirm"]')
    assert confirm.evaluate("el => !el.validity.valid") and ui.path() == f"/work/applications/{app.pk}/"
    assert Application.objects.get(pk=app.pk).status == "in_evaluation"
    ui.check("completion needs confirmation")
    ui.page.locator('#action-complete input[name="confirm"]').check()
    ui.submit('#action-complete button[type="submit"]')
    assert Application.objects.get(pk=app.pk).status == "evaluated"
    ui.check("evaluation completed")


def test_certifier_day(ui_for):
    from certification.models import Application

    w = people()
    passing = drive(application(w), w, "evaluated")
    failing = drive(application(w, name="Tường lửa Hạ Long", version="1.4"), w, "evaluated",
                    results={"FW-01": "fail"})
    appealed = drive(application(w, name="Cổng VPN Tràng An", version="5.0"), w, "appealed",
                     certifier=w.certifier2)

    ui = ui_for("certifier", language="en")
    sign_in(ui, w.certifier.email, totp_secret=TOTP)
    assert ui.path() == "/work/certifier/"
    ui.check("decisions queue")

    ui.go(f"/work/applications/{passing.pk}/")
    ui.check("evaluated application")
    ui.focus_ring("evaluated application")
    ui.page.locator('#action-certify input[name="confirm"]').check()
    ui.submit('#action-certify button[type="submit"]')
    passing = Application.objects.get(pk=passing.pk)
    assert passing.status == "certified" and passing.certificate_id
    ui.check("certified")

    ui.go(f"/work/applications/{failing.pk}/")
    ui.page.locator("#note-reject").fill("FW-01 không đạt.")
    ui.page.locator('#action-reject input[name="confirm"]').check()
    ui.submit('#action-reject button[type="submit"]')
    assert Application.objects.get(pk=failing.pk).status == "rejected"
    ui.check("rejected")

    ui.go(f"/work/applications/{appealed.pk}/")
    ui.check("appeal to decide")
    ui.page.locator("#note-uphold").fill("Lý do khiếu nại không thay đổi kết quả đánh giá FW-01.")
    ui.page.locator('#action-uphold button[type="submit"]').click()
    assert Application.objects.get(pk=appealed.pk).status == "appealed"  # final: it asks to confirm first
    ui.page.locator('#action-uphold input[name="confirm"]').check()
    ui.submit('#action-uphold button[type="submit"]')
    assert Application.objects.get(pk=appealed.pk).status == "rejected"
    ui.check("appeal decided")
