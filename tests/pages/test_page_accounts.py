import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_asks_for_email(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'type="email"' in html and "Địa chỉ thư điện tử" in html


def test_login_wrong_password_is_refused(client, vendor_member):
    response = client.post(reverse("accounts:login"), {"login": vendor_member.email, "password": "wrong"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role_fixture, target", [
    ("vendor_member", "certification:vendor_dashboard"),
    ("evaluator", "certification:evaluator_queue"),
    ("certifier", "certification:certifier_queue"),
    ("staff", "certification:staff_queue"),
    ("procurement", "registry:certificate_bulk"),
])
def test_home_redirects_by_role(client, request, role_fixture, target):
    client.force_login(request.getfixturevalue(role_fixture))
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response["Location"] == reverse(target)


def test_home_without_role_goes_to_registry(client, roles_ready):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("accounts:home"))["Location"] == reverse("registry:product_list")


def test_logout_is_a_post_form(client, staff):
    client.force_login(staff)
    html = client.get(reverse("registry:product_list")).content.decode()
    assert f'action="{reverse("accounts:logout")}" method="post"' in html
    # a link or an image cannot sign anyone out: GET only asks for confirmation
    assert client.get(reverse("accounts:logout")).status_code == 200 and "_auth_user_id" in client.session
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_language_switch_changes_page_language(client):
    html = client.get(reverse("registry:product_list")).content.decode()
    assert '<html lang="vi">' in html and "Sổ đăng ký sản phẩm an toàn thông tin mạng được chứng nhận" in html
    assert 'name="language" value="vi"' in html and 'name="language" value="en"' in html
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("registry:certificate_lookup")})
    assert response.status_code == 302 and response["Location"] == reverse("registry:certificate_lookup")
    html = client.get(reverse("registry:product_list")).content.decode()
    assert '<html lang="en">' in html and "Registry of certified cybersecurity products" in html
    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert '<html lang="vi">' in client.get(reverse("registry:product_list")).content.decode()


def test_pages_open_in_vietnamese_even_for_english_browsers(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "vi"


def test_api_honours_accept_language(client):
    response = client.get("/api/v1/certificates/NO-SUCH-SERIAL/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and response.headers["Content-Language"] == "en"
