"""The vendor's desk: dashboard, profile, products, versions and new applications."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.choices import Role
from certification.choices import ApplicationKind
from certification.choices import ApplicationStatus as S
from certification.forms import (
    ApplicationCreateForm,
    MvnAttestationForm,
    ProductForm,
    ProductVersionForm,
    VendorChangeRequestForm,
)
from certification.process.selectors import (
    application_list,
)
from certification.process.services import application_create
from certification.process.workflow import questions_awaiting_vendor
from certification.views.common import role_required
from config.errors import ApplicationError
from registry.choices import ArtifactKind, CertificateStatus
from registry.forms import VendorProfileForm, form_errors_apply
from registry.models import Certificate, MvnAttestation, ProductVersion, Scheme, Vendor
from registry.selectors import product_visible_list, vendor_for_user
from registry.services import (
    mvn_attestation_submit,
    product_create,
    product_version_create,
    vendor_change_request_create,
    vendor_update,
)
from registry.templatetags.registry_labels import choice_label

# Vendor ----------------------------------------------------------------------------------------

def _vendor_context(request, *, product_form=None, version_form=None, application_form=None,
                    mvn_form=None) -> dict:
    vendor = vendor_for_user(request.user)
    products = product_visible_list(user=request.user).filter(vendor=vendor).prefetch_related("versions")
    versions = (ProductVersion.objects.filter(product__vendor=vendor).select_related("product")
                .order_by("product__name", "-created_at"))
    applications = list(application_list(user=request.user).filter(vendor=vendor)
                        .select_related("product_version__product", "scheme", "certificate"))
    rows = [{"app": app, "waiting": _waiting_reasons(app)} for app in applications]
    return {
        "vendor": vendor,
        "products": products,
        "applications": rows,
        "waiting": [row for row in rows if row["waiting"]],
        # read now from the certificates themselves: a suspension shows here the moment staff record it
        "certificates": list(Certificate.objects.filter(vendor=vendor)
                             .select_related("product", "product_version", "scheme")
                             .order_by("status", "-issued_at", "-pk")),
        "product_form": product_form or ProductForm(),
        "version_form": version_form or ProductVersionForm(products=products),
        "application_form": application_form or ApplicationCreateForm(versions=versions),
        "mvn_form": mvn_form or MvnAttestationForm(products=products),
        "attestations": list(MvnAttestation.objects.filter(product__vendor=vendor).select_related("product")[:50]),
    }


def _waiting_reasons(app) -> list[str]:
    """What an application waits for from the vendor: an answer to a question, a missing document, a
    resubmission, an appeal decision to take. Reads what the list prefetched (no query per row)."""
    reasons = []
    questions = questions_awaiting_vendor(app)
    if questions:
        reasons.append(ngettext("%(n)d question to answer", "%(n)d questions to answer", len(questions))
                       % {"n": len(questions)})
    if app.status in (S.DRAFT, S.RETURNED):
        present = {a.kind for a in app.artifacts.all()}
        missing = [str(choice_label(ArtifactKind, k)) for k in app.scheme.documents_for(app.level) if k not in present]
        if missing:
            reasons.append(_("missing: %(kinds)s") % {"kinds": ", ".join(missing)})
        else:
            reasons.append(_("ready to submit") if app.status == S.DRAFT else _("returned: change and submit again"))
    if app.status == S.REJECTED and app.decided_at and \
            timezone.now() <= app.decided_at + timedelta(days=settings.APPEAL_WINDOW_DAYS) and \
            not any(e.action == "appeal" for e in app.events.all()):
        reasons.append(_("rejected: you may appeal until %(date)s")
                       % {"date": date_format(timezone.localtime(app.decided_at
                                                                 + timedelta(days=settings.APPEAL_WINDOW_DAYS)),
                                              "SHORT_DATE_FORMAT")})
    return reasons


def _vendor_or_403(request):
    vendor = vendor_for_user(request.user)
    if vendor is None:
        raise PermissionDenied(_("Your account is not linked to a vendor."))
    return vendor


@role_required(Role.VENDOR)
def vendor_dashboard(request):
    _vendor_or_403(request)
    return render(request, "certification/vendor_dashboard.html", _vendor_context(request))


def _profile_render(request, vendor, *, form=None, change_form=None, status=200):
    vendor = Vendor.objects.get(pk=vendor.pk)
    return render(request, "certification/vendor_profile.html", {
        "vendor": vendor,
        "form": form or VendorProfileForm(instance=vendor),
        "change_form": change_form or VendorChangeRequestForm(),
        "change_requests": list(vendor.change_requests.all()[:20]),
    }, status=status)


@role_required(Role.VENDOR)
def vendor_profile(request):
    """The vendor's own company profile. The tax code, and once verified the legal name, identify the company:
    they change through a change request the certification body reviews."""
    vendor = _vendor_or_403(request)
    if request.method != "POST":
        return _profile_render(request, vendor)
    form = VendorProfileForm(request.POST, instance=Vendor.objects.get(pk=vendor.pk))
    if not form.is_valid():
        return _profile_render(request, vendor, form=form, status=400)
    try:
        vendor_update(vendor=vendor, actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        form_errors_apply(form, exc.details)
        messages.error(request, exc.message)
        return _profile_render(request, vendor, form=form, status=exc.status_code)
    messages.success(request, _("Your company profile is saved."))
    return redirect("certification:vendor_profile")


@require_POST
@role_required(Role.VENDOR)
def vendor_change_request_view(request):
    vendor = _vendor_or_403(request)
    form = VendorChangeRequestForm(request.POST)
    if not form.is_valid():
        return _profile_render(request, vendor, change_form=form, status=400)
    try:
        vendor_change_request_create(vendor=vendor, actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        form_errors_apply(form, exc.details)
        messages.error(request, exc.message)
        return _profile_render(request, vendor, change_form=form, status=exc.status_code)
    messages.success(request, _("Your change request was sent to the certification body."))
    return redirect("certification:vendor_profile")


@require_POST
@role_required(Role.VENDOR)
def mvn_attest_view(request):
    vendor = _vendor_or_403(request)
    products = product_visible_list(user=request.user).filter(vendor=vendor)
    form = MvnAttestationForm(request.POST, request.FILES, products=products)
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        product = data.pop("product")
        try:
            mvn_attestation_submit(product=product, actor=request.user, **data)
        except ApplicationError as exc:
            form_errors_apply(form, exc.details)
            messages.error(request, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Your attestation for “%(name)s” was sent for review.") % {"name": product.name})
            return redirect("certification:vendor_dashboard")
    return render(request, "certification/vendor_dashboard.html", _vendor_context(request, mvn_form=form),
                  status=status)


@require_POST
@role_required(Role.VENDOR)
def product_create_view(request):
    vendor = _vendor_or_403(request)
    form = ProductForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            product = product_create(vendor=vendor, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Product “%(name)s” created.") % {"name": product.name})
            return redirect("certification:vendor_dashboard")
    return render(request, "certification/vendor_dashboard.html", _vendor_context(request, product_form=form),
                  status=status)


@require_POST
@role_required(Role.VENDOR)
def version_create_view(request):
    vendor = _vendor_or_403(request)
    products = product_visible_list(user=request.user).filter(vendor=vendor)
    form = ProductVersionForm(request.POST, products=products)
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        product = data.pop("product")
        try:
            version = product_version_create(product=product, actor=request.user, **data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Version %(version)s of “%(name)s” added.")
                             % {"version": version.version, "name": product.name})
            return redirect("certification:vendor_dashboard")
    return render(request, "certification/vendor_dashboard.html", _vendor_context(request, version_form=form),
                  status=status)


@role_required(Role.VENDOR)
def application_create_view(request):
    vendor = _vendor_or_403(request)
    versions = ProductVersion.objects.filter(product__vendor=vendor).select_related("product")
    certificates = (Certificate.objects.filter(vendor=vendor, status__in=[CertificateStatus.ACTIVE,
                                                                          CertificateStatus.EXPIRED])
                    .select_related("product").order_by("serial"))
    if request.method != "POST":
        form = ApplicationCreateForm(versions=versions, certificates=certificates,
                                     initial=_application_initial(request, versions, certificates))
        return render(request, "certification/application_form.html", {"form": form})
    form = ApplicationCreateForm(request.POST, versions=versions, certificates=certificates)
    status = 400
    if form.is_valid():
        try:
            app = application_create(actor=request.user, **form.service_arguments())
        except ApplicationError as exc:
            if exc.details:
                form_errors_apply(form, exc.details, aliases={"renewal_of": "certificate",
                                                              "maintenance_of": "certificate"})
            form.add_error(None, str(exc.message))
            status = exc.status_code
        else:
            messages.success(request, _("Application #%(id)s created as a draft. Upload the documents, then submit it.")
                             % {"id": app.pk})
            return redirect("certification:application_detail", pk=app.pk)
    return render(request, "certification/application_form.html", {"form": form}, status=status)


def _application_initial(request, versions, certificates) -> dict:
    """Filled in from the dashboard's links: a version to certify, or a certificate to renew or extend."""
    initial = {}
    if request.GET.get("version", "").isdigit():
        initial["product_version"] = request.GET["version"]
    kind = request.GET.get("kind", "")
    certificate = certificates.filter(serial=request.GET.get("certificate", "")[:64]).select_related(
        "scheme").first() if kind in (ApplicationKind.RENEWAL, ApplicationKind.MAINTENANCE) else None
    if certificate is not None:
        current = Scheme.objects.filter(code=certificate.scheme.code, is_current=True).first()
        initial.update(kind=kind, certificate=certificate.serial, level=certificate.level,
                       scheme=current.pk if current else None)
        if kind == ApplicationKind.RENEWAL:
            initial["product_version"] = certificate.product_version_id
    return initial


