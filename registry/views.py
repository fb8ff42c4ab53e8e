"""Public registry pages: browse and search, product and vendor pages, certificate verification,
bulk status checks and the certificate PDF. Thin: selectors read, templates render."""

from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.csvsafe import csv_writer
from config.errors import ApplicationError, NotFoundError
from config.throttling import throttle_page
from registry.attestations import attestation_create, attestation_get, attestation_pdf
from registry.caching import public_cached, public_page
from registry.choices import Category, CertificateStatus, Level, Province
from registry.documents import certificate_verify_url
from registry.exports import OPEN_DATA_LICENCE, open_data_latest
from registry.feeds import (
    CategoryCertificateFeed,
    CertificateFeed,
    VendorCertificateFeed,
    certificate_events_recent,
)
from registry.filtersets import ProductFilterSet
from registry.forms import (
    CertificateBulkForm,
    CertificateLookupForm,
    VendorRegistrationForm,
    form_errors_apply,
)
from registry.models import Certificate, CertificateEvent, OpenDataDump
from registry.records import covered_versions
from registry.search import query_parse
from registry.selectors import (
    certificate_get,
    certificate_proof_links,
    certificate_status_bulk,
    product_facets,
    product_get,
    product_public_list,
    scheme_get,
    scheme_list,
    vendor_index,
    vendor_public_list,
)
from registry.services import certificate_sign_enqueue, vendor_register
from registry.verification import certificate_record_check

PAGE_SIZE = 20
STATUS_LABELS = dict(CertificateStatus.choices)


class CountedPaginator(Paginator):
    """A paginator told its count (cached with the search), so it does not count again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def _facet_options(facets: dict, schemes: list) -> dict[str, list[tuple[str, str, int]]]:
    """(value, label, count) per option of each filter, labels in the active language."""
    english = (translation.get_language() or "vi").startswith("en")
    scheme_names = {s.code: (s.name_en if english and s.name_en else s.name_vi) for s in schemes}

    def options(facet, choices):
        counts = facets.get(facet, {})
        return [(value, label, counts.get(value, 0)) for value, label in choices]

    return {
        "category": options("category", Category.choices),
        "certificate_status": options("certificate_status", CertificateStatus.choices),
        "scheme": options("scheme", [(s.code, f"{s.code} · {scheme_names[s.code]}") for s in schemes]),
        "level": options("level", Level.choices),
        "province": options("province", Province.choices),
        "made_in_vietnam": options("made_in_vietnam", [("true", _("Yes")), ("false", _("No"))]),
    }


def _list_params(filterset) -> tuple:
    """The list's parameters as understood (invalid ones dropped), for cache keys."""
    data = filterset.form.cleaned_data if filterset.is_valid() else {
        k: v for k, v in getattr(filterset.form, "cleaned_data", {}).items()}
    return tuple(sorted((k, str(getattr(v, "code", v))) for k, v in data.items() if v not in (None, "")))


@public_page
def product_list(request):
    """The public registry: one search box, filters with counts, sortable columns, export, pagination."""
    filterset = ProductFilterSet(request.GET, queryset=product_public_list())
    filterset.is_valid()
    params = _list_params(filterset)

    def summary():
        filterset.qs  # noqa: B018  (decides between exact and similar words before the facets are counted)
        facets = product_facets(filterset)
        # every product has one category: the category counts (with the other filters) add up to the list's
        total = facets["category"].get(category, 0) if (category := filterset.form.cleaned_data.get("category")) \
            else sum(facets["category"].values())
        cap = settings.SEARCH_COUNT_CAP if filterset.form.cleaned_data.get("q") else total
        return {"count": min(total, cap), "exact": total <= cap, "facets": facets, "fuzzy": bool(filterset.fuzzy),
                "similar": filterset.similar}

    data = public_cached(("product_list", params), summary)
    filterset.fuzzy, filterset.similar = data["fuzzy"], data.get("similar")
    paginator = CountedPaginator(filterset.qs, PAGE_SIZE, count=data["count"])
    page_obj = paginator.get_page(request.GET.get("page"))
    schemes = public_cached(("schemes",), lambda: list(scheme_list().prefetch_related(None).order_by("code")))
    query = filterset.form.cleaned_data.get("q") or ""
    parsed = query_parse(query) if query else None
    export_query = request.GET.copy()
    export_query.pop("page", None)
    context = {
        "filterset": filterset,
        "page_obj": page_obj,
        "products": list(page_obj.object_list),
        "params": request.GET,
        "facets": _facet_options(data["facets"], schemes),
        "orderings": ProductFilterSet.ORDERING_CHOICES,
        "ordering": filterset.form.cleaned_data.get("ordering") or ("relevance" if parsed and not parsed.empty
                                                                    else "name"),
        "fuzzy": data["fuzzy"],
        "count_exact": data["exact"],
        "query_ignored": bool(parsed and parsed.empty),
        "query_truncated": bool(parsed and parsed.truncated),
        "export_query": export_query.urlencode(),
        "filtered": any(request.GET.get(k) for k in ("q", "vendor", *ProductFilterSet.FACETS)),
        "facet_filtered": any(request.GET.get(k) for k in ("vendor", *ProductFilterSet.FACETS)),
    }
    return render(request, "registry/product_list.html", context, status=400 if filterset.errors else 200)


@public_page
def product_detail(request, pk: int):
    """A product with its versions and, for each certificate, its history."""
    try:
        product = product_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    certificates = list(product.certificates.all())
    events = {}
    for event in CertificateEvent.objects.filter(certificate__in=[c.pk for c in certificates]).order_by(
            "created_at", "id").values("certificate_id", "action", "to_status", "reason", "created_at"):
        events.setdefault(event["certificate_id"], []).append(event)
    for certificate in certificates:
        certificate.history = events.get(certificate.pk, [])
    return render(request, "registry/product_detail.html", {
        "product": product,
        "versions": list(product.versions.all()),
        "certificates": certificates,
    })


def vendor_detail(request, pk: int):
    certificates = Certificate.objects.select_related("scheme", "product_version").order_by("-issued_at")
    vendor = (
        vendor_public_list()
        .prefetch_related(Prefetch("certified_products__certificates", queryset=certificates))
        .filter(pk=pk).first()
    )
    if vendor is None:
        raise Http404(_("Not found."))
    return render(request, "registry/vendor_detail.html", {"vendor": vendor, "products": vendor.certified_products})


def _status_cached(response, *, private: bool = False):
    """Status answers are at most STATUS_MAX_AGE_SECONDS old wherever they are cached."""
    response["Cache-Control"] = f"{'private' if private else 'public'}, max-age={settings.STATUS_MAX_AGE_SECONDS}"
    return response


def certificate_verify(request, serial: str):
    """The page a certificate's QR code points to: its status in words, colour and symbol, whether its signed
    record checks out, and (with the fingerprint the QR code carries) whether the scanned document is current."""
    try:
        certificate = certificate_get(serial=serial)
    except NotFoundError:
        return render(request, "registry/certificate_not_found.html",
                      {"serial": serial, "form": CertificateLookupForm(initial={"serial": serial})}, status=404)
    fingerprint = request.GET.get("fp", "")
    check = certificate_record_check(certificate=certificate,
                                     fingerprint=fingerprint if len(fingerprint) == 64 else ("x" if fingerprint else ""))
    events = list(certificate.events.order_by("created_at", "id").values("action", "to_status", "reason",
                                                                         "created_at", "data"))
    response = render(request, "registry/certificate_verify.html", {
        "certificate": certificate,
        "status_label": certificate.get_status_display(),
        "events": events,
        "check": check,
        # a current signed record states the covered versions as they stand (no need to read them again)
        "versions": list(check.signed.record["versions"]) if check.current else covered_versions(certificate),
        "proofs": certificate_proof_links(certificate=certificate, absolute=False),
        "checked_at": _moment(timezone.now()),
        "verify_url": certificate_verify_url(certificate.serial),  # the address a printout names
    })
    return _status_cached(response, private=request.user.is_authenticated)


@require_http_methods(["GET", "POST"])
@throttle_page(scope="bulk")
def certificate_pdf_verify(request):
    """Upload a certificate PDF: is it an unmodified document the registry issued, and what is the status now?"""
    from registry.api.trust_views import pdf_upload_read
    from registry.verification import certificate_pdf_check

    context, status = {}, 200
    if request.method == "POST":
        try:
            data = pdf_upload_read(request.FILES.get("file"))
        except ApplicationError as exc:
            context["error"], status = exc.message, exc.status_code
        else:
            context["result"] = certificate_pdf_check(data=data)
    response = render(request, "registry/certificate_pdf_verify.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def certificate_lookup(request):
    """Type a serial (GET form, so it works from a bookmark and without JavaScript)."""
    form = CertificateLookupForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("registry:certificate_verify", serial=form.cleaned_data["serial"])
    return render(request, "registry/certificate_lookup.html", {"form": form},
                  status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@throttle_page(scope="bulk")
def certificate_bulk(request):
    """A procurement officer pastes or uploads many serials and gets their statuses as a table, as CSV, or
    as a signed "status as of" attestation (JSON and PDF) to file with a purchase."""
    if request.method == "GET":
        return render(request, "registry/certificate_bulk.html", {"form": CertificateBulkForm()})
    form = CertificateBulkForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "registry/certificate_bulk.html", {"form": form}, status=400)
    serials = form.cleaned_data["serials"]
    action = request.POST.get("format")
    if action == "attest":
        if not request.user.is_authenticated:
            messages.info(request, _("Sign in to get a signed attestation; the check itself needs no account."))
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            attestation = attestation_create(serials=serials, actor=request.user)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return render(request, "registry/certificate_bulk.html", {"form": form},
                          status=getattr(exc, "status_code", 400))
        return redirect("registry:attestation_detail", pk=attestation.pk)
    checked_at = timezone.now()
    results = certificate_status_bulk(serials=serials)
    if action == "csv":
        return _bulk_csv(results, checked_at)
    counts = {}
    for row in results:
        row["label"] = STATUS_LABELS.get(row["status"], _("Not found"))
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    summary = [
        {"status": status, "label": STATUS_LABELS.get(status, _("Not found")), "count": counts[status]}
        for status in [*CertificateStatus.values, "not_found"] if counts.get(status)
    ]
    return render(request, "registry/certificate_bulk.html", {
        "form": CertificateBulkForm(initial={"serials": "\n".join(serials)}), "results": results,
        "summary": summary, "checked_at": _moment(checked_at), "serials_text": "\n".join(serials),
    })


def attestation_detail(request, pk):
    """A signed attestation: what it says, its fingerprint and its JSON and PDF forms."""
    try:
        attestation = attestation_get(pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    return render(request, "registry/attestation_detail.html", {
        "attestation": attestation, "document": attestation.document,
        "checked_at": _moment(attestation.checked_at),
        "summary": [{"status": s, "label": STATUS_LABELS.get(s, _("Not found")), "count": n}
                    for s, n in attestation.summary.items()],
    })


def attestation_json(request, pk):
    try:
        attestation = attestation_get(pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    response = JsonResponse(attestation.document, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="attestation-{attestation.pk}.json"'
    return response


def attestation_pdf_view(request, pk):
    """The attestation as a PDF, rendered once and kept (10,000 rows take a few seconds)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    try:
        attestation = attestation_get(pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    name = f"attestations/{attestation.pk}.pdf"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(attestation_pdf(attestation=attestation)))
    return FileResponse(default_storage.open(name, "rb"), content_type="application/pdf",
                        filename=f"attestation-{attestation.pk}.pdf")


def _moment(value: datetime) -> str:
    """Date in the active language's short form and a 24-hour time, with no trailing punctuation."""
    local = timezone.localtime(value)
    return f"{date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M}"


def _bulk_csv(results: list[dict], checked_at: datetime) -> HttpResponse:
    local = timezone.localtime(checked_at)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="certificate-status-{local:%Y%m%d-%H%M%S}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the Vietnamese names as UTF-8
    writer = csv_writer(response)
    writer.writerow(["serial", "status", "status_label", "valid_until", "product", "vendor", "checked_at"])
    for row in results:
        valid_until = row["valid_until"]
        writer.writerow([
            row["serial"], row["status"], STATUS_LABELS.get(row["status"], _("Not found")),
            timezone.localtime(valid_until).date().isoformat() if valid_until else "",
            row["product"] or "", row["vendor"] or "", local.isoformat(timespec="seconds"),
        ])
    return response


def certificate_pdf(request, serial: str):
    """Stream the PDF of the certificate's newest signed record: the certificate while it is active, a notice
    saying it is suspended, revoked or expired otherwise (the PDF as issued is never offered as current).
    While the newest record's PDF is still being signed, 503 says so and asks again shortly."""
    from registry.models import CertificateDocument
    
    try:
        certificate = certificate_get(serial=serial)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    check = certificate_record_check(certificate=certificate)
    document = None
    if check.signed is not None and check.current:
        document = CertificateDocument.objects.filter(certificate=certificate,
                                                      record_fingerprint=check.signed.fingerprint).first()
    if document is None:
        # signs if needed (the PDF follows); at most one request a minute per certificate, and the signing
        # is idempotent, so repeated downloads cost nothing more
        with transaction.atomic():
            certificate_sign_enqueue(certificate=certificate, reason=f"download:{timezone.now():%Y%m%d%H%M}")
        check = certificate_record_check(certificate=certificate)
        if check.signed is not None and check.current:
            document = CertificateDocument.objects.filter(certificate=certificate,
                                                          record_fingerprint=check.signed.fingerprint).first()
    if document is None or not document.file.storage.exists(document.file.name):
        response = render(request, "registry/certificate_pdf_unavailable.html", {"certificate": certificate},
                          status=503)
        response["Retry-After"] = "30"
        return response
    suffix = "" if document.status == CertificateStatus.ACTIVE else f"-{document.status}"
    response = FileResponse(document.file.open("rb"), content_type="application/pdf", as_attachment=False,
                            filename=f"{certificate.serial}{suffix}.pdf")
    return _status_cached(response)


def vendor_register_view(request):
    """A company registers itself and its first member; staff verify the company afterwards.

    Every accepted form gets the same answer, whether or not the e-mail or the tax code was already
    known (the service tells the people concerned by e-mail), so the page reveals no one's account."""
    if request.user.is_authenticated and request.method != "POST":
        return redirect("accounts:home")
    form = VendorRegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                outcome = vendor_register(**form.service_kwargs())
            except ApplicationError as exc:
                form_errors_apply(form, exc.details, aliases={"password": "password1", "preferred_language": "language"})
                if not exc.details:
                    messages.error(request, exc.message)
            else:
                if outcome.user is not None:
                    address = EmailAddress.objects.get_primary(outcome.user)
                    with translation.override(outcome.user.preferred_language):
                        address.send_confirmation(request, signup=True)
                return redirect("registry:vendor_register_done")
    return render(request, "registry/vendor_register.html", {"form": form}, status=status)


def vendor_register_done(request):
    """The one answer to every accepted registration: check your mailbox."""
    return render(request, "registry/vendor_register_done.html")


def privacy_notice(request):
    """How the registry processes personal data (Decree 13/2023/ND-CP), in the reader's language."""
    return render(request, "registry/privacy_notice.html", {"privacy_contact": settings.PRIVACY_CONTACT_EMAIL})


# Vendors, schemes, recent changes, feeds and open data ----------------------------------------------

@public_page
def vendor_list(request):
    """Every vendor with a certified product: province, security contact and how many products."""
    province = request.GET.get("province") or ""
    if province and province not in dict(Province.choices):
        province = ""
    vendors = vendor_index(province=province)
    paginator = Paginator(vendors, 50)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(request, "registry/vendor_list.html", {
        "page_obj": page_obj, "vendors": list(page_obj.object_list), "provinces": Province.choices,
        "province": province,
    })


@public_page
def scheme_list_page(request):
    schemes = list(scheme_list().prefetch_related(None).order_by("code"))
    return render(request, "registry/scheme_list.html", {"schemes": schemes})


@public_page
def scheme_detail_page(request, code: str):
    """A scheme's requirements, grouped, with the levels each applies to and how each is assessed."""
    try:
        scheme = scheme_get(code=code)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    requirements = list(scheme.requirements.all())
    return render(request, "registry/scheme_detail.html", {
        "scheme": scheme, "requirements": requirements, "levels": scheme.levels(),
        "level_labels": dict(Level.choices),
    })


@public_page
def recent_changes(request):
    """The certificates issued or changed most recently (the same entries as the Atom feed)."""
    events = list(certificate_events_recent(limit=100))
    return render(request, "registry/recent.html", {"events": events})


feed_certificates = public_page(CertificateFeed())
feed_vendor_certificates = public_page(VendorCertificateFeed())
feed_category_certificates = public_page(CategoryCertificateFeed())


@public_page
def open_data(request):
    """The nightly dumps with their checksums and licence, and how to export any search."""
    return render(request, "registry/open_data.html", {
        "dumps": open_data_latest(), "licence": OPEN_DATA_LICENCE,
    })


def open_data_download(request, pk: int):
    dump = OpenDataDump.objects.filter(pk=pk).first()
    if dump is None or not dump.file or not dump.file.storage.exists(dump.file.name):
        raise Http404(_("Not found."))
    response = FileResponse(dump.file.open("rb"), content_type="application/gzip", as_attachment=True,
                            filename=dump.file.name.rsplit("/", 1)[-1])
    response["X-Checksum-SHA256"] = dump.sha256
    return response
