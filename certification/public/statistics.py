"""Registry statistics for the public: certificates by category and status, the Make in Viet Nam share of
new certificates per quarter, and the median days from submission to decision per quarter. Each is a
table (also served as CSV) and a chart drawn from it. Counted in the database, a few queries in all."""

import statistics as pystats

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from certification.models import Application
from registry.choices import Category, CertificateStatus
from registry.models import Certificate

DECIDED = ("certified", "rejected")


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5) over a number of seconds."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _quarter(value) -> str:
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year}-Q{(value.month - 1) // 3 + 1}"


def by_category_and_status() -> list[dict]:
    """[{category, label, active, suspended, revoked, expired, total}] for every category with certificates."""
    counts: dict[str, dict[str, int]] = {}
    rows = (Certificate.objects.order_by().values("product__category", "status").annotate(n=Count("pk")))
    for row in rows:
        counts.setdefault(row["product__category"], {})[row["status"]] = row["n"]
    table = []
    for code, label in Category.choices:
        if code in counts:
            values = counts[code]
            table.append({"category": code, "label": str(label),
                          **{s: values.get(s, 0) for s in CertificateStatus.values},
                          "total": sum(values.values())})
    return table


def mvn_share_by_quarter() -> list[dict]:
    """[{quarter, certificates, mvn, share}] of the certificates issued in each quarter."""
    rows = (Certificate.objects.order_by().annotate(quarter=TruncQuarter("issued_at")).values("quarter")
            .annotate(total=Count("pk"), mvn=Count("pk", filter=Q(product__made_in_vietnam=True)))
            .order_by("quarter"))
    return [{"quarter": _quarter(r["quarter"]), "certificates": r["total"], "mvn": r["mvn"],
             "share": round(100 * r["mvn"] / r["total"], 1) if r["total"] else None} for r in rows]


def decision_days_by_quarter() -> list[dict]:
    """[{quarter, decisions, median_days}] by the quarter of the decision (certify or reject)."""
    decided = Application.objects.filter(status__in=DECIDED, submitted_at__isnull=False, decided_at__isnull=False)
    if connection.vendor == "postgresql":
        from django.db.models.functions import Extract

        rows = (decided.order_by().annotate(quarter=TruncQuarter("decided_at")).values("quarter")
                .annotate(n=Count("pk"), median=Median(Extract(F("decided_at") - F("submitted_at"), "epoch")))
                .order_by("quarter"))
        return [{"quarter": _quarter(r["quarter"]), "decisions": r["n"],
                 "median_days": round(r["median"] / 86400, 1) if r["median"] is not None else None} for r in rows]
    # SQLite (the embedded default): the medians in Python
    spans: dict[str, list[float]] = {}
    for submitted, decided_at in decided.values_list("submitted_at", "decided_at").iterator():
        spans.setdefault(_quarter(decided_at), []).append((decided_at - submitted).total_seconds() / 86400)
    return [{"quarter": q, "decisions": len(v), "median_days": round(pystats.median(v), 1)}
            for q, v in sorted(spans.items())]


CHARTS = {
    "certificates-by-category": (by_category_and_status,
                                 ["category", "label", *CertificateStatus.values, "total"]),
    "make-in-vietnam-share": (mvn_share_by_quarter, ["quarter", "certificates", "mvn", "share"]),
    "days-to-decision": (decision_days_by_quarter, ["quarter", "decisions", "median_days"]),
}
