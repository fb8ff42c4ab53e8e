"""How current the local vulnerability database is: shown wherever findings are, because "no finding" means
little when the database is empty or weeks old."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from certification.models import Advisory, AdvisoryImport


def vulndb_status() -> dict:
    """Advisories held (withdrawn ones aside), when import_osv last ran, and whether that is too long ago
    (VULNDB_STALE_DAYS, 7 by default) or the database is empty. Two queries."""
    advisories = Advisory.objects.filter(withdrawn__isnull=True).count()
    last = AdvisoryImport.objects.aggregate(last=Max("finished_at"))["last"]
    if last is None and advisories:  # imported before import runs were recorded
        last = Advisory.objects.aggregate(last=Max("imported_at"))["last"]
    days = settings.VULNDB_STALE_DAYS
    stale = last is None or last < timezone.now() - timedelta(days=days)
    return {"advisories": advisories, "last_import": last, "empty": advisories == 0, "stale": stale,
            "stale_days": days, "warning": advisories == 0 or stale}
