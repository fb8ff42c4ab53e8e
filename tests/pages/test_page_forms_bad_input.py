"""Every desk form against bad input: sent empty, with more text than accepted, with script tags, twice, and
after the session ended. Each time a clear message at the field (aria-invalid, aria-describedby naming the
error's real id, an error summary), the typed values kept (never a password), and nothing saved twice."""

import json
import re

import pytest
from django.urls import reverse

from certification.models import Clarification, ConflictDeclaration
from config.bounds import TEXT_MAX_LENGTH
from config.submissions import FIELD, STASH
from registry.models import Product

pytestmark = pytest.mark.django_db
SCRIPT = '<script>alert("x")</script>'


def _token(html: str, action: str) -> str:
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S).group(1)
    return re.search(rf'name="{FIELD}" value="([^"]+)"', form).group(1)


def _described_errors_exist(html: str) -> None:
    """Every aria-describedby on a field names ids that exist on the page."""
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    for described in re.findall(r'aria-describedby="([^"]+)"', html):
        for ref in described.split():
            assert ref in ids, f"aria-describedby points at a missing id: {ref}"


def test_forms_bad_input_product_empty_long_and_script(client, vendor_member):
    client.force_login(vendor_member)
    url = reverse("certification:product_create")
    before = Product.objects.count()
    html = client.post(url, {"product-name": ""}).content.decode()
    assert 'class="error-summary"' in html and 'href="#id_product-name"' in html
    assert re.search(r'<input[^>]*name="product-name"[^>]*aria-invalid="true"', html)
    assert re.search(r'aria-describedby="[^"]*id_product-name_error', html) and 'id="id_product-name_error"' in html
    _described_errors_exist(html)

    long = "Tường lửa " + "x" * 400  # longer than the name's 300 characters
    response = client.post(url, {"product-name": long, "product-category": "firewall",
                                 "product-description_vi": SCRIPT})
    html = response.content.decode()
    assert response.status_code == 400 and "id_product-name_error" in html
    assert 'value="Tường lửa x' in html  # what was typed is kept
    assert SCRIPT not in html and "&lt;script&gt;" in html  # shown as text, never run
    assert Product.objects.count() == before

    response = client.post(url, {"product-name": "Tường lửa Hòa Bình", "product-category": "firewall",
                                 "product-description_vi": SCRIPT})
    assert response.status_code == 302
    page = client.get(reverse("certification:vendor_dashboard")).content.decode()
    assert SCRIPT not in page


def test_forms_bad_input_sent_twice_saves_once(client, evaluator, vendor_member):
    from registry.selectors import vendor_for_user

    client.force_login(evaluator)
    url = reverse("certification:conflict_list")
    token = _token(client.get(url).content.decode(), url)
    data = {"tax_code": vendor_for_user(vendor_member).tax_code, "relation": "family", "started_on": "2019-01-01",
            FIELD: token}
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, HTTP_REFERER="http://testserver" + url)
    assert second.status_code == 303 and second["Location"] == url
    assert ConflictDeclaration.objects.filter(evaluator=evaluator).count() == 1
    page = client.get(url).content.decode()
    assert "không gửi lần thứ hai" in page  # the person is told why nothing more happened


def test_forms_bad_input_long_text_and_empty_question(client, evaluator, with_artifacts, journey):
    from certification.process.workbench import independence_declare

    app = journey(with_artifacts, "in_evaluation")
    independence_declare(application=app, evaluator=evaluator)
    client.force_login(evaluator)
    url = reverse("certification:clarification_ask", args=[app.pk])
    html = client.post(url, {"body": ""}).content.decode()
    assert 'id="ask-body-error"' in html and 'aria-describedby="ask-body-error"' in html
    _described_errors_exist(html)

    too_long = "Câu hỏi " + "a" * TEXT_MAX_LENGTH
    response = client.post(url, {"body": too_long, "requirement_code": "FW-01"})
    html = response.content.decode()
    assert response.status_code == 400 and "tối đa 10.000 ký tự" in html
    assert too_long[:50] in html and 'value="FW-01" selected' in html  # kept, with the chosen requirement
    assert not Clarification.objects.filter(application=app).exists()

    just_right = "a" * TEXT_MAX_LENGTH
    assert client.post(url, {"body": just_right}).status_code == 302
    assert Clarification.objects.get(application=app).body == just_right


def test_forms_bad_input_after_the_session_ended(client, vendor_member):
    """The POST of a signed-out person goes to the sign-in page, back to the form's page after it, with what
    was typed (never the password) waiting there."""
    url = reverse("certification:product_create")
    page = reverse("certification:vendor_dashboard")
    response = client.post(url, {"product-name": "Tường lửa Bạch Đằng", "product-category": "firewall",
                                 "password": "secret-typed-by-mistake"}, HTTP_REFERER="http://testserver" + page)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={page.replace('/', '%2F')}"
    stash = client.session[STASH]
    assert stash["page"] == page and stash["action"] == url
    assert stash["data"]["product-name"] == ["Tường lửa Bạch Đằng"] and "password" not in stash["data"]
    assert not Product.objects.filter(name="Tường lửa Bạch Đằng").exists()

    # signing in keeps the session's data (allauth cycles the session key)
    signed_in = client.post(reverse("account_login"), {"login": vendor_member.email, "password": "correct-horse-battery"})
    assert signed_in.status_code == 302 and STASH in client.session
    html = client.get(page).content.decode()
    restored = json.loads(re.search(r'<script id="restored-form" type="application/json">(.*?)</script>', html).group(1))
    assert restored["action"] == url and restored["data"]["product-name"] == ["Tường lửa Bạch Đằng"]
    assert "secret-typed-by-mistake" not in html
    assert 'id="restored-form"' not in client.get(page).content.decode()  # once only


def test_forms_bad_input_csrf_refused_page_keeps_the_form(vendor_member):
    """A form refused for its CSRF token (open too long, signed in again elsewhere): a page in the reader's
    language with the way back, and the typed values kept for it."""
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(vendor_member)
    page = reverse("certification:vendor_dashboard")
    response = csrf_client.post(reverse("certification:product_create"), {"product-name": "Tường lửa Lam Sơn"},
                                HTTP_REFERER="http://testserver" + page)
    html = response.content.decode()
    assert response.status_code == 403 and "Không gửi được biểu mẫu" in html and f'href="{page}"' in html
    assert csrf_client.session[STASH]["data"]["product-name"] == ["Tường lửa Lam Sơn"]


@pytest.mark.parametrize("route, data, model", [
    ("registry:watchlist_list", {"name": "Hợp đồng", "email": "on"}, "registry.Watchlist"),
    ("registry:api_tokens", {"name": "Hệ thống mua sắm", "lifetime_days": "90"}, "accounts.ApiToken"),
])
def test_forms_bad_input_account_forms_sent_twice_save_once(client, procurement, route, data, model):
    from django.apps import apps

    counted = apps.get_model(model).objects
    client.force_login(procurement)
    url = reverse(route)
    token = _token(client.get(url).content.decode(), url)
    first = client.post(url, {**data, FIELD: token})
    assert first.status_code in (200, 302), first.content[:500]
    assert counted.count() == 1
    second = client.post(url, {**data, FIELD: token}, HTTP_REFERER="http://testserver" + url)
    assert second.status_code == 303 and counted.count() == 1
