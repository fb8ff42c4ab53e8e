"""The staff desk: vendors to verify, applications to assign, certificates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.choices import Role
from certification.choices import ApplicationStatus as S
from certification.forms import CertificateSearchForm, ReviewDecisionForm
from certification.process.selectors import (
    application_list,
)
from certification.views.common import _safe_next, role_required
from certification.views.outbox import outbox_context
from config.downloads import stored_file_response
from config.errors import ApplicationError, NotFoundError
from registry.choices import ReviewStatus
from registry.models import Certificate, MvnAttestation, Vendor, VendorChangeRequest
from registry.selectors import certificate_list, mvn_attestation_get
from registry.services import (
    certificate_available_actions,
    certificate_transition,
    mvn_attestation_review,
    vendor_change_request_decide,
    vendor_verify,
)

# Staff -----------------------------------------------------------------------------------------

UNVERIFIED_SHOWN = 50


def _staff_context(request) -> dict:
    unverified = Vendor.objects.filter(verified_at__isnull=True).order_by("created_at", "pk")
    base = application_list(user=request.user).select_related("product_version__product", "vendor", "scheme")
    form = CertificateSearchForm(request.GET or None)
    certificates = certificate_list().order_by("-needs_review", "-issued_at", "-pk")
    if form.is_valid():
        q = form.cleaned_data.get("q", "").strip()
        if q:
            certificates = certificates.filter(Q(serial__icontains=q) | Q(product__name__icontains=q)
                                               | Q(vendor__legal_name__icontains=q))
        if form.cleaned_data.get("status"):
            certificates = certificates.filter(status=form.cleaned_data["status"])
        if form.cleaned_data.get("review"):
            certificates = certificates.filter(needs_review=True)
    page_obj = Paginator(certificates, 25).get_page(request.GET.get("page"))
    rows = [{"certificate": c, "actions": certificate_available_actions(certificate=c, actor=request.user)}
            for c in page_obj.object_list]
    return {
        # Oldest first, capped: seeded or imported vendors may all be unverified at once.
        "unverified_vendors": unverified[:UNVERIFIED_SHOWN],
        "unverified_count": unverified.count(),
        "submitted": base.filter(status=S.SUBMITTED).order_by("submitted_at", "pk"),
        "in_progress": base.filter(status__in=[S.IN_EVALUATION, S.EVALUATED, S.APPEALED, S.RETURNED])
        .order_by("-updated_at")[:50],
        "search_form": form,
        "page_obj": page_obj,
        "certificate_rows": rows,
        "posted": request.POST if request.method == "POST" else {},
        "change_requests": list(VendorChangeRequest.objects.filter(status=ReviewStatus.PENDING)
                                .select_related("vendor").order_by("requested_at", "pk")[:50]),
        "attestations": list(MvnAttestation.objects.filter(status=ReviewStatus.PENDING)
                             .select_related("product__vendor").order_by("submitted_at", "pk")[:50]),
        "decision_form": ReviewDecisionForm(),
        "certificate_confirm": CERTIFICATE_CONFIRM,
        **outbox_context(),
    }


@role_required(Role.STAFF)
def staff_queue(request):
    return render(request, "certification/staff_queue.html", _staff_context(request))


# What a certificate action does, said before it is taken (the box must be ticked).
CERTIFICATE_CONFIRM = {
    "suspend": gettext_lazy("Suspend: the public registry and the verification page show the certificate as "
                            "suspended at once, and it is not valid until it is reinstated."),
    "revoke": gettext_lazy("Revoke: the certificate ends for good and cannot be reinstated; the product needs a "
                           "new application to be certified again."),
}


@require_POST
@role_required(Role.STAFF)
def certificate_action(request, serial: str):
    certificate = Certificate.objects.filter(serial=serial).first()
    if certificate is None:
        raise Http404(_("Not found."))
    action = request.POST.get("action", "")

    def refused(message, field: str, status: int):
        messages.error(request, message)
        context = _staff_context(request)
        context["refused"] = {"serial": certificate.serial, "field": field, "message": message}
        return render(request, "certification/staff_queue.html", context, status=status)

    # a missing reason is said first (by the service); then the confirmation of what will happen
    if action in CERTIFICATE_CONFIRM and request.POST.get("reason", "").strip() and request.POST.get("confirm") != "yes":
        return refused(_("Confirm the action: tick the box that says you understand what will happen."),
                       "confirm", 400)
    try:
        certificate = certificate_transition(certificate=certificate, action=action, actor=request.user,
                                             reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        return refused(exc.message, "reason" if exc.status_code == 400 else "", exc.status_code)
    messages.success(request, _("Certificate %(serial)s is now “%(status)s”.")
                     % {"serial": certificate.serial, "status": certificate.get_status_display()})
    return redirect(_safe_next(request, reverse("certification:staff_queue")))


@require_POST
@role_required(Role.STAFF)
def vendor_verify_view(request, pk: int):
    vendor = Vendor.objects.filter(pk=pk).first()
    if vendor is None:
        raise Http404(_("Not found."))
    try:
        vendor = vendor_verify(vendor=vendor, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, "certification/staff_queue.html", _staff_context(request), status=exc.status_code)
    messages.success(request, _("Vendor “%(name)s” is verified.") % {"name": vendor.legal_name})
    return redirect(_safe_next(request, reverse("certification:staff_queue")))




def _review_post(request, decide, success: str):
    """A staff decision on a pending request (approve, or reject with a note): redirect, or show the refusal."""
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject; a rejection needs a note."))
        return render(request, "certification/staff_queue.html", _staff_context(request), status=400)
    try:
        decide(approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, "certification/staff_queue.html", _staff_context(request), status=exc.status_code)
    messages.success(request, success)
    return redirect(_safe_next(request, reverse("certification:staff_queue")))


@require_POST
@role_required(Role.STAFF)
def change_request_decide_view(request, pk: int):
    change_request = VendorChangeRequest.objects.filter(pk=pk).first()
    if change_request is None:
        raise Http404(_("Not found."))
    return _review_post(request, lambda **kw: vendor_change_request_decide(change_request=change_request,
                                                                           actor=request.user, **kw),
                        _("The change request is decided."))


@require_POST
@role_required(Role.STAFF)
def mvn_review_view(request, pk: int):
    attestation = MvnAttestation.objects.filter(pk=pk).first()
    if attestation is None:
        raise Http404(_("Not found."))
    return _review_post(request, lambda **kw: mvn_attestation_review(attestation=attestation, actor=request.user,
                                                                     **kw),
                        _("The attestation is reviewed."))


@require_safe
@login_required
def mvn_evidence_download(request, pk: int):
    """The evidence of a Make in Viet Nam attestation: for staff and the product's vendor."""
    try:
        attestation = mvn_attestation_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    return stored_file_response(field_file=attestation.evidence, name=attestation.evidence_name,
                                content_type=attestation.evidence_content_type, sha256=attestation.evidence_sha256)


# Regulator export ---------------------------------------------------------------------------------

def _lineage_response(lineage: dict, name: str):
    from django.http import HttpResponse

    from certification.lineage import lineage_zip

    response = HttpResponse(lineage_zip(lineage=lineage), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.STAFF)
@require_safe
def certificate_lineage_download(request, serial: str):
    """Staff (for an auditor or the regulator): a certificate's whole lineage, with inclusion proofs, as a ZIP."""
    from certification.lineage import lineage_build
    from registry.selectors import certificate_get

    try:
        certificate = certificate_get(serial=serial)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    return _lineage_response(lineage_build(certificates=[certificate]), f"lineage-{certificate.serial}.zip")


@role_required(Role.STAFF)
@require_safe
def product_lineage_download(request, pk: int):
    """Staff: a product's whole lineage (every application, every certificate), with inclusion proofs, as a ZIP."""
    from certification.lineage import lineage_build
    from registry.models import Product

    product = Product.objects.select_related("vendor").filter(pk=pk).first()
    if product is None:
        raise Http404(_("Not found."))
    certificates = list(product.certificates.select_related("scheme").order_by("issued_at", "pk"))
    return _lineage_response(lineage_build(certificates=certificates, product=product),
                             f"lineage-product-{product.pk}.zip")
