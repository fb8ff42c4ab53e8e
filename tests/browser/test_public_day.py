"""The public's day and a procurement officer's day in a real browser, every page scanned like the desks'
(axe-core at 1366 px and 390 px in both languages, reflow at 320 px; screenshots when asked, see conftest.py).

The public searches the registry (Vietnamese with and without diacritics), sorts, filters, opens a product
and its certificate, scans the certificate's QR code (decoded from the PDF the registry serves) and sees the
live status, and prints the verification page. A procurement officer checks a pasted list, downloads the
CSV and the signed attestation (JSON and PDF), and keeps a watchlist with a webhook and its delivery log.

Every other public page is in PUBLIC_PAGES and scanned as it is. To cover a new public page, add its path
(or a function of the world returning one) there; pages a journey passes through are scanned there.
"""

import csv
import io
import json
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tests.browser.conftest import sign_in
from tests.browser.world import application, drive, pdf_signed, people

pytestmark = [pytest.mark.django_db(transaction=True)]

# name -> path, or a function of (world, certificate) returning it. The journeys below scan the registry's
# search and filters, a product, the verification page and the QR target, the bulk check, an attestation
# and the watchlist pages.
PUBLIC_PAGES = {
    "registry home": "/",
    "vendor": lambda w, certificate: f"/vendors/{certificate.vendor_id}/",
    "vendor index": "/vendors/",
    "schemes": "/schemes/",
    "scheme and its requirements": lambda w, certificate: f"/schemes/{certificate.scheme.code}/",
    "products under evaluation": "/in-evaluation/",
    "recently changed certificates": "/recent/",
    "statistics": "/statistics/",
    "open data": "/open-data/",
    "verify a certificate": "/verify/",
    "check a PDF you were given": "/verify/pdf/",
    "certificate not found": "/verify/VN-XXX-0000-00000/",
    "privacy notice": "/privacy/",
    "security policy": "/security/",
    "vendor registration": "/vendors/register/",
}


def test_public_pages(ui_for):
    from registry.exports import open_data_dump_create
    from registry.models import Vendor

    w = people()
    certified = drive(application(w), w, "certified")
    Vendor.objects.filter(pk=w.vendor.pk).update(publish_evaluations=True)
    w.vendor.refresh_from_db()
    drive(application(w, name="Cổng VPN Sao Mai", version="2.0", category="vpn"), w, "submitted")
    open_data_dump_create()
    ui = ui_for("public-pages")
    for name, path in PUBLIC_PAGES.items():
        ui.go(path(w, certified.certificate) if callable(path) else path)
        ui.check(name)


# The public ---------------------------------------------------------------------------------------------

def _rows(ui) -> list[str]:
    return [t.strip() for t in ui.page.locator("section[aria-labelledby=results-heading] tbody tr td:first-child strong")
            .all_inner_texts()]


def _qr_target(pdf: bytes, tmp_path) -> str:
    """The URL the certificate's QR code encodes, read from the page image as a phone would."""
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    if not (pdftoppm and zbarimg):
        pytest.skip("pdftoppm and zbarimg (poppler-utils, zbar-tools) are needed to read the QR code")
    (tmp_path / "certificate.pdf").write_bytes(pdf)
    subprocess.run([pdftoppm, "-png", "-r", "100", "-f", "1", "-l", "1", str(tmp_path / "certificate.pdf"),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    return subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True, text=True).stdout.strip()


def test_public_day(ui_for, tmp_path):
    from registry.documents import certificate_verify_url
    from registry.models import Certificate
    from registry.services import certificate_transition
    from registry.signing import certificate_record_latest
    from tests.factories import VendorFactory
    from tests.registry.public_support import certify

    w = people()
    mine = drive(application(w, name="Tường lửa Sao Vàng", name_en="Sao Vang NGFW"), w, "certified").certificate
    pdf_signed(mine)
    other = VendorFactory(legal_name="Công ty TNHH Bảo mật Hạ Long", name_en="Ha Long Security Co., Ltd.")
    with transaction.atomic():
        certify(scheme=w.scheme, name="Tường lửa ứng dụng web Hạ Long", name_en="Ha Long WAF", category="waf",
                vendor=other)
        certify(scheme=w.scheme, name="Cổng VPN Sao Mai", name_en="Sao Mai VPN", category="vpn", vendor=other,
                description_vi="Cổng VPN cho doanh nghiệp.", description_en="VPN gateway.")

    ui = ui_for("public")
    # search, with the diacritics and as typed on a phone without them: the same two firewalls (the first
    # by keyboard alone, with a visible focus ring on the way)
    ui.go("/")
    ui.focus_ring("registry home")
    ui.key_fill("#id_q", "tường lửa")
    with ui.page.expect_navigation():
        ui.page.keyboard.press("Enter")
    assert sorted(_rows(ui)) == ["Tường lửa Sao Vàng", "Tường lửa ứng dụng web Hạ Long"]
    ui.check("search in Vietnamese")
    ui.page.fill("#id_q", "tuong lua")
    ui.submit("form[role=search] button[type=submit]")
    assert sorted(_rows(ui)) == ["Tường lửa Sao Vàng", "Tường lửa ứng dụng web Hạ Long"]

    # sort by vendor (the header says how the column is sorted), then narrow by a facet
    ui.submit("th:nth-child(2) a")
    assert ui.page.locator("th:nth-child(2)").get_attribute("aria-sort") == "ascending"
    vendors = ui.page.locator("section[aria-labelledby=results-heading] tbody tr td:nth-child(2) > a").all_inner_texts()
    assert vendors == sorted(vendors) and len(vendors) == 2
    options = ui.page.locator("#f-category option").all_inner_texts()
    assert any(o.endswith("(1)") for o in options)  # the count beside each option
    ui.page.select_option("#f-category", "firewall")
    ui.submit("form.filters button[type=submit]")
    assert _rows(ui) == ["Tường lửa Sao Vàng"] and "ordering=vendor" in ui.page.url
    ui.check("search sorted and filtered")

    # a search that finds nothing says what to do next
    ui.go("/?q=zzqx+kh%C3%B4ng+c%C3%B3&category=edr")
    empty = ui.page.locator("#no-results")
    assert empty.is_visible() and empty.locator("a[href='/verify/']").count() == 1
    assert empty.locator("a[href='/in-evaluation/']").count() == 1
    assert empty.locator("a[href^='/?q=']").count() == 1  # the same words without the filters
    ui.check("search that finds nothing")

    # open the product, then its certificate
    ui.go("/?q=tuong+lua+sao")
    ui.submit("section[aria-labelledby=results-heading] tbody a[href^='/products/']")
    assert ui.path() == f"/products/{mine.product_id}/"
    ui.check("product")
    ui.submit(f"a[href='/verify/{mine.serial}/'] >> nth=0")
    assert ui.page.locator(".verdict.status-active").is_visible()
    ui.check("certificate")

    # the certificate PDF the page offers, and the QR code on it: the link of the current signed record
    href = ui.page.locator(f"a[href='/certificates/{mine.serial}/pdf/']").get_attribute("href")
    response = ui.page.request.get(ui.url(href))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    target = _qr_target(response.body(), tmp_path)
    certificate = Certificate.objects.get(pk=mine.pk)
    assert target == certificate_verify_url(certificate.serial, certificate_record_latest(certificate).fingerprint)
    assert target.startswith(settings.SITE_URL)
    parts = urlsplit(target)
    scanned = f"{parts.path}?{parts.query}"
    ui.go(scanned)
    assert ui.page.locator("#scanned.notice-current").is_visible()
    assert ui.page.locator(".verdict.status-active").is_visible()
    ui.check("the QR target: the status now")

    # printed, the page keeps the verdict and names where to check it again; navigation and forms are gone
    ui.page.emulate_media(media="print")
    try:
        assert not ui.page.locator(".site-nav").is_visible() and not ui.page.locator("form.lang-switch").is_visible()
        assert ui.page.locator("form:visible").count() == 0 and ui.page.locator("a.btn:visible").count() == 0
        address = ui.page.locator("#verify-address")
        assert address.is_visible() and certificate_verify_url(certificate.serial) in address.inner_text()
        assert ui.page.locator(".verdict").is_visible()
        ui.photograph(f"{ui.steps:02d}-printed-verification-{ui.language}")
    finally:
        ui.page.emulate_media(media="screen")
    assert not ui.page.locator("#verify-address").is_visible()

    # the certificate is suspended: the same scan now says so, and that the document is out of date (the
    # browser may keep the page up to a minute, as the headers allow; reloading asks the registry again)
    certificate_transition(certificate=certificate, action="suspend", actor=w.staff,
                           reason="Lỗ hổng nghiêm trọng chưa được vá")
    assert ui.path() == scanned
    ui.page.reload()
    assert ui.page.locator(".verdict.status-suspended").is_visible()
    assert ui.page.locator("#scanned.notice-earlier").is_visible()
    assert "Lỗ hổng nghiêm trọng chưa được vá" in ui.page.locator(".verdict").inner_text()


# A procurement officer -------------------------------------------------------------------------------------

def test_procurement_day(ui_for, settings):
    import pypdf

    from registry.models import StatusAttestation, Watchlist, WebhookDelivery
    from registry.services import certificate_transition
    from tests.registry.public_support import certify
    from tests.registry.test_watch import Receiver
    from trust.signing import document_verify, keys_from_document

    w = people()
    active = drive(application(w), w, "certified").certificate
    with transaction.atomic():
        _product, suspended = certify(scheme=w.scheme, status="suspended", staff=w.staff, name="Cổng VPN Sao Mai")
        _product, revoked = certify(scheme=w.scheme, status="revoked", staff=w.staff, name="Hệ thống SIEM Hồng Hà")
    unknown = "VN-CSP-1999-00001"
    pasted = "\n".join([active.serial.lower(), suspended.serial.replace("-", ""), f"  {revoked.serial}  ", unknown])

    ui = ui_for("procurement")
    sign_in(ui, w.procurement.email)

    # the bulk check: a pasted list in any case, with or without dashes, one unknown
    ui.go("/verify/bulk/")
    ui.check("bulk status check")
    ui.focus_ring("bulk status check")
    ui.page.fill("textarea[name=serials]", pasted)
    ui.submit("button[name=format][value=html]")
    table = ui.page.locator("section[aria-labelledby=results-heading] table").inner_text()
    for serial in (active.serial, suspended.serial, revoked.serial, unknown):
        assert serial in table
    ui.check("bulk status results")

    # the CSV of the same list
    with ui.page.expect_download() as download:
        ui.page.locator("section[aria-labelledby=results-heading] button[value=csv]").click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert [(r["serial"], r["status"]) for r in rows] == [
        (active.serial, "active"), (suspended.serial, "suspended"), (revoked.serial, "revoked"),
        (unknown, "not_found")]
    assert rows[0]["product"] == "Tường lửa Sao Vàng" and rows[0]["valid_until"]

    # the signed attestation, as JSON and as a PDF
    # (the page stays as it was after a download: its other buttons still work)
    ui.submit("section[aria-labelledby=results-heading] button[value=attest]")
    attestation = StatusAttestation.objects.get()
    assert ui.path() == f"/verify/bulk/attestations/{attestation.pk}/"
    ui.check("signed attestation")
    with ui.page.expect_download() as download:
        ui.page.locator(f"a[href='/verify/bulk/attestations/{attestation.pk}/json/']").click()
    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    keys = keys_from_document(ui.page.request.get(ui.url("/api/v1/keys/")).json())
    assert document_verify(document, keys).ok
    assert document["summary"] == {"active": 1, "suspended": 1, "revoked": 1, "not_found": 1}
    pdf = ui.page.request.get(ui.url(f"/verify/bulk/attestations/{attestation.pk}/pdf/"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.body())).pages)
    assert all(s in text for s in (active.serial, suspended.serial, revoked.serial, unknown))

    # a watchlist: none yet, and the page says how to start one
    ui.go("/watchlists/")
    assert ui.page.locator("#no-watchlists").is_visible()
    ui.check("no watchlist yet")
    ui.page.fill("#id_name", "Hợp đồng mua sắm 2026")
    ui.page.fill("#id_serials", f"{active.serial.lower()}\n{suspended.serial}")
    ui.submit("form[action='/watchlists/'] button[type=submit]")
    watchlist = Watchlist.objects.get()
    assert ui.path() == f"/watchlists/{watchlist.pk}/"
    assert {s.serial for s in watchlist.watched_serials.all()} == {active.serial, suspended.serial}

    # remove one entry and add another
    ui.page.fill("#id_serials", f"{active.serial}\n{revoked.serial.replace('-', '').lower()}")
    ui.submit("button[name=action][value=save]")
    assert {s.serial for s in watchlist.watched_serials.all()} == {active.serial, revoked.serial}
    ui.check("watchlist saved")

    # a webhook on a private address is refused, saying why, and nothing changes
    ui.page.fill("#id_webhook_url", "https://192.168.10.5/hooks/registry")
    ui.submit("button[name=action][value=save]")
    field = ui.page.locator("#id_webhook_url")
    assert field.get_attribute("aria-invalid") == "true" and field.input_value().endswith("/hooks/registry")
    assert "id_webhook_url_error" in (field.get_attribute("aria-describedby") or "").split()
    with translation.override(ui.language):
        expected = _("The webhook URL points to a private, loopback or link-local address; only public addresses "
                     "may receive webhooks.")
    assert expected in ui.page.locator("#id_webhook_url_error").inner_text()
    watchlist.refresh_from_db()
    assert watchlist.webhook_url == ""
    ui.check("private webhook address refused")

    # where the deployment allows private networks (a receiver inside the ministry), it is kept
    receiver = Receiver()
    try:
        settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
        ui.page.fill("#id_webhook_url", receiver.url)
        ui.submit("button[name=action][value=save]")
        watchlist.refresh_from_db()
        assert watchlist.webhook_url == receiver.url
        assert "whsec_" in ui.page.locator(".messages").inner_text()  # the secret, shown once
        # a watched certificate changes: the receiver gets it, and the delivery log says so
        certificate_transition(certificate=active, action="suspend", actor=w.staff, reason="Lỗ hổng nghiêm trọng")
        assert len(receiver.requests) == 1
        delivery = WebhookDelivery.objects.get()
        ui.go(f"/watchlists/{watchlist.pk}/")
        log = ui.page.locator("table").first.inner_text()
        assert str(delivery.event_id) in log and "HTTP 200" in log
        ui.check("webhook delivery log")
    finally:
        receiver.close()
