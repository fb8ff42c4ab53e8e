"""The public's and a procurement officer's pages, scanned like every desk page (axe-core at 1366 px and 390 px
in both languages, reflow at 320 px, screenshots).

These pages belong to the public registry, verification and procurement work (issues 8 and 9): their
journeys (search, filter, open a product and a certificate, scan the QR target; check a list, download the
CSV, keep a watchlist) are added here when that work lands. Until then each page below is scanned as it is.
To cover a new public page, add its path (or a function of the world returning one) to PUBLIC_PAGES.
"""

import pytest

from tests.browser.world import application, drive, people

pytestmark = [pytest.mark.django_db(transaction=True)]

# name -> path, or a function of (world, certificate) returning it
PUBLIC_PAGES = {
    "registry home": "/",
    "registry search": "/?q=t%C6%B0%E1%BB%9Dng+l%E1%BB%ADa",
    "product": lambda w, certificate: f"/products/{certificate.product_id}/",
    "vendor": lambda w, certificate: f"/vendors/{certificate.vendor_id}/",
    "verify a certificate": "/verify/",
    "certificate verification (the QR target)": lambda w, certificate: f"/verify/{certificate.serial}/",
    "certificate not found": "/verify/VN-XXX-0000-00000/",
    "bulk status check": "/verify/bulk/",
    "privacy notice": "/privacy/",
    "security policy": "/security/",
    "vendor registration": "/vendors/register/",
}


def test_public_pages(ui_for):
    w = people()
    certified = drive(application(w), w, "certified")
    ui = ui_for("public")
    for name, path in PUBLIC_PAGES.items():
        ui.go(path(w, certified.certificate) if callable(path) else path)
        ui.check(name)
