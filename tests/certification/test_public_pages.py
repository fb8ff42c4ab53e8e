"""The public in-evaluation list (only where the vendor consented) and the statistics (SVG, tables, CSV)."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from certification.models import Application
from registry.selectors import vendor_for_user
from registry.services import vendor_update

pytestmark = pytest.mark.django_db


def test_in_evaluation_lists_only_consenting_vendors(client, journey, with_artifacts, vendor_member):
    app = journey(with_artifacts, "in_evaluation")
    html = client.get("/in-evaluation/").content.decode()
    assert app.product_version.product.name not in html
    vendor_update(vendor=vendor_for_user(vendor_member), actor=vendor_member, publish_evaluations=True)
    html = client.get("/in-evaluation/").content.decode()
    assert app.product_version.product.name in html and app.scheme.code in html
    assert "Đang đánh giá" in html or "Under evaluation" in html


def test_statistics_charts_tables_and_csv(client, journey, with_artifacts):
    app = journey(with_artifacts, "certified")
    Application.objects.filter(pk=app.pk).update(submitted_at=timezone.now() - timedelta(days=12),
                                                 decided_at=timezone.now())
    html = client.get("/statistics/").content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    # Charts are drawn on the server: the page's own content runs no script.
    assert main.count("<svg") == 3 and 'role="img"' in main and "<script" not in main
    rows = list(csv.DictReader(io.StringIO(client.get("/statistics/days-to-decision.csv").content.decode())))
    assert rows[-1]["decisions"] == "1" and float(rows[-1]["median_days"]) == pytest.approx(12, abs=0.1)
    by_category = list(csv.DictReader(io.StringIO(
        client.get("/statistics/certificates-by-category.csv").content.decode())))
    assert by_category[0]["active"] == "1" and by_category[0]["total"] == "1"
    assert client.get("/statistics/nothing.csv").status_code == 404
