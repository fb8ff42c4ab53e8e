"""The account pages of every signed-in person and the sign-in pages of everyone, and two things only a real
browser shows: a double click sends a form once, and a form sent after the session ended is kept."""

import pytest

from tests.browser.conftest import sign_in
from tests.browser.world import people
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/password/reset/", "/accounts/signup/"]
ACCOUNT_PAGES = ["/accounts/", "/accounts/password/change/", "/accounts/email/", "/accounts/2fa/",
                 "/accounts/sessions/", "/accounts/tokens/", "/accounts/personal-data/"]


def test_account_pages(ui_for):
    w = people()
    ui = ui_for("accounts")
    for path in ANONYMOUS_PAGES:
        ui.go(path)
        ui.check(path.strip("/").replace("/", " ") or "home")
    # a wrong password: the error summary, the field marked, the e-mail kept
    ui.go("/accounts/login/")
    ui.page.fill('input[name="login"]', w.vendor_user.email)
    ui.page.fill('input[name="password"]', "not-the-password")
    ui.submit('main form button[type="submit"]')
    assert ui.page.locator(".error-summary").is_visible()
    assert ui.page.input_value('input[name="login"]') == w.vendor_user.email
    assert ui.page.input_value('input[name="password"]') == ""
    ui.check("sign-in refused")

    sign_in(ui, w.vendor_user.email)
    for path in ACCOUNT_PAGES:
        ui.go(path)
        ui.check(path.strip("/").replace("/", " "))
    ui.focus_ring("account overview")

    # someone whose role needs two factors and has none yet is taken to set it up
    newcomer = UserFactory(role="evaluator", email="new-evaluator@lab.vn", mfa=False)
    other = ui_for("accounts-mfa")
    sign_in(other, newcomer.email)
    other.go("/work/evaluator/")
    # allauth first asks for the password again, then shows the set-up page
    if other.path().startswith("/accounts/reauthenticate/"):
        other.check("confirm the password")
        other.page.fill('input[name="password"]', "correct-horse-battery")
        other.submit('main form button[type="submit"]')
    assert other.path().startswith("/accounts/2fa/totp/activate/")
    other.check("set up the authenticator app")


def test_forms_double_click_and_ended_session(ui_for):
    from certification.models import ConflictDeclaration

    w = people()
    ui = ui_for("forms")
    sign_in(ui, w.evaluator.email, totp_secret="GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    ui.go("/work/evaluator/conflicts/")
    ui.page.fill("#id_tax_code", w.vendor.tax_code)
    ui.page.select_option("#id_relation", "family")
    ui.page.fill("#id_started_on", "2018-03-01")
    ui.page.fill("#id_note", "Em gái làm kế toán tại công ty.")
    button = ui.page.locator('main form[method="post"] button[type="submit"]')
    with ui.page.expect_navigation():
        button.dblclick()
    assert ConflictDeclaration.objects.filter(evaluator=w.evaluator).count() == 1  # sent once
    ui.check("double click saved once")

    # the session ends while the form is open: signing in again brings the typed values back
    ui.page.fill("#id_tax_code", w.vendor.tax_code)
    ui.page.select_option("#id_relation", "consulting")
    ui.page.fill("#id_started_on", "2021-05-01")
    ui.page.fill("#id_note", "Tư vấn triển khai năm 2021.")
    ui.context.clear_cookies(name="sessionid")
    ui.submit('main form[method="post"] button[type="submit"]')
    assert ui.path().startswith("/accounts/login/")
    ui.check("session ended: sign in again", both_languages=False)
    ui.page.fill('input[name="login"]', w.evaluator.email)
    ui.page.fill('input[name="password"]', "correct-horse-battery")
    ui.submit('main form button[type="submit"]')
    from django.core.cache import cache

    from accounts.mfa import totp_code_now

    cache.clear()  # the code of this period was used a moment ago
    ui.page.fill('input[name="code"]', totp_code_now("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))
    ui.submit('form[action="/accounts/2fa/authenticate/"] button[type="submit"]')
    assert ui.path() == "/work/evaluator/conflicts/"
    assert ui.page.input_value("#id_note") == "Tư vấn triển khai năm 2021."
    assert ui.page.input_value("#id_relation") == "consulting" and ui.page.locator(".restored-note").is_visible()
    assert ConflictDeclaration.objects.filter(evaluator=w.evaluator).count() == 1  # nothing saved meanwhile
    ui.check("typed values restored", both_languages=False)
