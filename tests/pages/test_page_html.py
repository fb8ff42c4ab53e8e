"""Every page, for every role: nothing loaded from outside, every action a CSRF-protected form POST
(works without JavaScript), every field labelled, and the language switcher present."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class PageAudit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []
        self.scripts = 0
        self.handlers: list[str] = []
        self.forms: list[dict] = []
        self.form_stack: list[dict] = []
        self.buttons_outside_forms = 0
        self.labels_for: set[str] = set()
        self.label_depth = 0
        self.fields: list[dict] = []
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if attrs.get(name):
                self.urls.append((tag, name, attrs[name]))
        if tag == "script" and not (attrs.get("src", "").startswith("/static/js/")
                                    or attrs.get("type") == "application/json"):
            self.scripts += 1  # inline code; our own script files only enhance pages that work without them
        self.handlers.extend(name for name in attrs if name.startswith("on"))
        if tag == "form":
            form = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"), "csrf": False}
            self.forms.append(form)
            self.form_stack.append(form)
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.form_stack:
            self.form_stack[-1]["csrf"] = True
        if tag == "button" and not self.form_stack:
            self.buttons_outside_forms += 1
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.labels_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit", "button"):
            self.fields.append({"tag": tag, "id": attrs.get("id"), "name": attrs.get("name"),
                                "wrapped": self.label_depth > 0,
                                "aria": bool(attrs.get("aria-label") or attrs.get("aria-labelledby"))})

    def handle_endtag(self, tag):
        if tag == "form" and self.form_stack:
            self.form_stack.pop()
        if tag == "label" and self.label_depth:
            self.label_depth -= 1


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    return parser


def assert_page_is_self_contained(response):
    assert response.status_code in (200, 400, 404, 409), response.status_code
    page = audit(response.content.decode())
    external = [u for u in page.urls if u[2].startswith(("http:", "https:", "//", "javascript:"))]
    assert not external, external
    assert page.scripts == 0 and not page.handlers, "pages must work without JavaScript"
    assert page.buttons_outside_forms == 0
    for form in page.forms:
        assert form["action"], form
        # the language switch alone carries no token: it only sets a cookie, and public pages are cached whole
        if form["method"] == "post":
            assert form["csrf"] or form["action"] == reverse("set_language"), form
        else:
            assert form["method"] == "get", form
    unlabelled = [f for f in page.fields if not (f["wrapped"] or f["aria"] or f["id"] in page.labels_for)]
    assert not unlabelled, unlabelled
    assert page.html_lang in ("vi", "en")
    switcher = [f for f in page.forms if f["action"] == reverse("set_language")]
    assert len(switcher) == 1 and switcher[0]["method"] == "post"
    return page


@pytest.fixture
def world(journey, with_artifacts, make_certificate, scheme):
    app = journey(with_artifacts, "certified")
    suspended = make_certificate("suspended")
    return {"app": app, "certificate": app.certificate, "suspended": suspended, "scheme": scheme}


def _public_urls(world) -> list[str]:
    certificate = world["certificate"]
    return [
        reverse("registry:product_list"),
        reverse("registry:product_list") + "?q=bao+mat&category=firewall&made_in_vietnam=true&level=basic",
        reverse("registry:product_detail", args=[certificate.product_id]),
        reverse("registry:vendor_detail", args=[certificate.vendor_id]),
        reverse("registry:certificate_verify", args=[certificate.serial]),
        reverse("registry:certificate_verify", args=[world["suspended"].serial]),
        reverse("registry:certificate_verify", args=["VN-CSP-0000-00000"]),
        reverse("registry:certificate_lookup"),
        reverse("registry:certificate_bulk"),
        reverse("accounts:login"),
        "/no-such-page/",
    ]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_pages_public_are_self_contained_and_work_without_javascript(client, world, language):
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    for url in _public_urls(world):
        page = assert_page_is_self_contained(client.get(url))
        assert page.html_lang == language
    bulk = client.post(reverse("registry:certificate_bulk"), {"serials": world["certificate"].serial})
    assert_page_is_self_contained(bulk)


def test_pages_work_desks_are_self_contained_and_work_without_javascript(
        client, world, vendor_member, staff, evaluator, certifier, procurement):
    app = world["app"]
    detail = reverse("certification:application_detail", args=[app.pk])
    case = reverse("certification:case_score", args=[app.pk, "FW-01"])
    pages = {
        vendor_member: [reverse("certification:vendor_dashboard"), reverse("certification:application_create"),
                        detail],
        staff: [reverse("certification:staff_queue"), reverse("certification:staff_queue") + "?status=suspended",
                detail, case],
        evaluator: [reverse("certification:evaluator_queue"), detail, case],
        certifier: [reverse("certification:certifier_queue"), detail, case],
        procurement: [reverse("registry:certificate_bulk")],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            assert_page_is_self_contained(client.get(url))


def test_pages_in_progress_application_offers_actions_as_form_posts(client, journey, with_artifacts, staff):
    app = journey(with_artifacts, "submitted")
    client.force_login(staff)
    page = assert_page_is_self_contained(client.get(reverse("certification:application_detail", args=[app.pk])))
    action_url = reverse("certification:application_action", args=[app.pk])
    assert [f["method"] for f in page.forms if f["action"] == action_url] == ["post", "post"]  # assign, return


def test_pages_name_a_favicon_and_a_touch_icon_that_exist(client):
    """Every page names the site's own icons (SVG, a 32 px PNG, a 180 px touch icon), served from static/."""
    import re
    import struct

    from django.contrib.staticfiles import finders

    html = client.get(reverse("registry:product_list")).content.decode()
    wanted = {"icon": "image/svg+xml", "apple-touch-icon": None}
    for rel, kind in wanted.items():
        assert re.search(rf'<link rel="{rel}" href="[^"]+"' + (f' type="{re.escape(kind)}"' if kind else ""), html), rel
    sizes = {"img/favicon-32.png": 32, "img/apple-touch-icon.png": 180}
    for name, side in sizes.items():
        assert f"img/{name.split('/')[1]}" in html, name
        path = finders.find(name)
        assert path, name
        with open(path, "rb") as fh:
            head = fh.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (side, side), name
    svg = finders.find("img/favicon.svg")
    assert svg and "<svg" in open(svg, encoding="utf-8").read(400)
