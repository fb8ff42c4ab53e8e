"""CSP without 'unsafe-inline', pages without inline script or style, and /.well-known/security.txt."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

# Rendered to PDF by WeasyPrint, never served to a browser, so no CSP applies to them.
PDF_TEMPLATES = {"certification/evaluation_report_pdf.html", "registry/certificate_pdf.html",
                 "includes/pdf_letterhead.html", "registry/attestation_pdf.html"}
INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    # a JSON data block is never run, so the CSP has nothing to block there
    (re.compile(r"<script(?![^>]*\s(src=|type=\"application/json\"))[^>]*>", re.I), "an inline <script>"),
]


def test_security_policy_csp_has_no_unsafe_sources():
    for key in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        policy = getattr(settings, key, None) or {}
        for directive, sources in policy.get("DIRECTIVES", {}).items():
            for source in sources or []:
                assert "unsafe" not in str(source), (key, directive, source)
    script = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert script["script-src"] == ["'self'"] and script["style-src"] == ["'self'"]


def test_security_policy_pages_send_the_strict_csp(client):
    header = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in header and "style-src 'self'" in header
    assert "unsafe" not in header


def test_security_policy_templates_have_no_inline_script_or_style():
    """With CSP script-src/style-src 'self', anything inline would be blocked in the browser: keep none."""
    root = Path(settings.BASE_DIR) / "templates"
    found = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name in PDF_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        found.extend(f"{name}: {what}" for pattern, what in INLINE if pattern.search(text))
    assert found == []


def test_security_policy_security_txt(client, settings):
    settings.SITE_URL = "https://registry.example.vn"
    settings.SECURITY_CONTACT = "mailto:security@registry.example.vn"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines() if line)
    assert fields["Contact"] == "mailto:security@registry.example.vn"
    assert fields["Preferred-Languages"] == "vi, en"
    assert fields["Canonical"] == "https://registry.example.vn/.well-known/security.txt"
    assert fields["Policy"] == "https://registry.example.vn/security/"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    # RFC 9116: in the future, and less than a year ahead
    assert datetime.now(UTC) < expires < datetime.now(UTC) + timedelta(days=365)
    assert client.post("/.well-known/security.txt").status_code == 405


def test_security_policy_security_txt_defaults_to_the_sites_host(client, settings):
    settings.SITE_URL = "https://chungnhan.example.vn"
    settings.SECURITY_CONTACT = ""
    text = client.get("/.well-known/security.txt").content.decode()
    assert "Contact: mailto:security@chungnhan.example.vn" in text


def test_security_policy_page_is_bilingual(client):
    response = client.get("/security/")
    assert response.status_code == 200
    assert "lỗ hổng" in response.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Reporting a security vulnerability" in client.get("/security/").content.decode()
