"""Public pages that read the certification process: the products under evaluation (where the vendor
consented) and the statistics. Mounted at the site root (certification.public.urls)."""

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.choices import ApplicationStatus
from certification.models import Application, ApplicationEvent
from certification.public import statistics
from certification.public.svg import line_chart, stacked_bars
from config.csvsafe import csv_writer
from registry.caching import public_cached, public_page
from registry.choices import CertificateStatus

IN_EVALUATION = [ApplicationStatus.SUBMITTED, ApplicationStatus.IN_EVALUATION, ApplicationStatus.EVALUATED,
                 ApplicationStatus.APPEALED]


def _stage_labels() -> dict:
    return {
        ApplicationStatus.SUBMITTED: _("Received, waiting for evaluators"),
        ApplicationStatus.IN_EVALUATION: _("Under evaluation"),
        ApplicationStatus.EVALUATED: _("Evaluated, waiting for the decision"),
        ApplicationStatus.APPEALED: _("Under appeal"),
    }


def applications_in_evaluation():
    """Applications under evaluation whose vendor agreed to show them, with when they entered their stage."""
    since = (ApplicationEvent.objects.filter(application=OuterRef("pk"), to_status=OuterRef("status"))
             .order_by("-created_at").values("created_at")[:1])
    return (Application.objects.filter(status__in=IN_EVALUATION, vendor__publish_evaluations=True)
            .select_related("product_version__product", "vendor", "scheme")
            .annotate(stage_since=Subquery(since)).order_by("-stage_since", "-pk"))


@public_page
def in_evaluation(request):
    paginator = Paginator(applications_in_evaluation(), 50)
    page_obj = paginator.get_page(request.GET.get("page"))
    labels = _stage_labels()
    rows = [{"application": a, "stage": labels.get(a.status, a.status)} for a in page_obj.object_list]
    return render(request, "certification/public_in_evaluation.html", {"page_obj": page_obj, "rows": rows})


def _statistics_data() -> dict:
    return {slug: fetch() for slug, (fetch, _columns) in statistics.CHARTS.items()}


@public_page
def statistics_page(request):
    data = public_cached(("statistics",), _statistics_data)
    status_labels = list(CertificateStatus.choices)
    by_category = data["certificates-by-category"]
    charts = {
        "by_category": stacked_bars(
            title=_("Certificates by category and status"),
            desc=_("One bar per product category, divided by the status of its certificates."),
            rows=[(r["label"], {s: r[s] for s, _l in status_labels}) for r in by_category],
            series=[(s, str(label)) for s, label in status_labels]),
        "mvn": line_chart(
            title=_("Make in Viet Nam share of new certificates"),
            desc=_("Per quarter, the share of certificates issued to Make in Viet Nam products, in percent."),
            points=[(r["quarter"], r["share"]) for r in data["make-in-vietnam-share"]], unit="%", y_max=100),
        "days": line_chart(
            title=_("Median days from submission to decision"),
            desc=_("Per quarter of the decision, the median number of days from submission to certification "
                   "or rejection."),
            points=[(r["quarter"], r["median_days"]) for r in data["days-to-decision"]]),
    }
    return render(request, "certification/public_statistics.html", {
        "charts": charts, "by_category": by_category, "statuses": status_labels,
        "mvn": data["make-in-vietnam-share"], "days": data["days-to-decision"],
        "generated_at": timezone.now(),
    })


@public_page
def statistics_csv(request, slug: str):
    if slug not in statistics.CHARTS:
        raise Http404(_("Not found."))
    fetch, columns = statistics.CHARTS[slug]
    rows = public_cached(("statistics",), _statistics_data)[slug]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    writer = csv_writer(response)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return response
