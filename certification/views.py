"""Work pages of the certification process, one desk per role, plus the shared application page.

Views stay thin: selectors decide what a user sees (another vendor's application is 'not found'),
services decide what a user may do. A refused action re-renders the page with the service's
message and its HTTP status (400, 403, 404 or 409)."""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.roles import user_has_role
from config.errors import ApplicationError, NotFoundError
from registry.choices import ArtifactKind, RequirementMethod
from registry.forms import VendorProfileForm, form_errors_apply
from registry.models import Certificate, ProductVersion, Vendor
from registry.selectors import certificate_list, product_visible_list, vendor_for_user
from registry.services import (
    certificate_available_actions,
    certificate_transition,
    product_create,
    product_version_create,
    vendor_update,
    vendor_verify,
)
from registry.templatetags.registry_labels import choice_label

from .choices import ApplicationAction, CheckRunStatus
from .choices import ApplicationStatus as S
from .choices import CaseResultValue as R
from .downloads import stored_file_response
from .forms import (
    ApplicationCreateForm,
    ArtifactUploadForm,
    CaseResultForm,
    CertificateSearchForm,
    ConflictDeclarationForm,
    EvidenceFileForm,
    ProductForm,
    ProductVersionForm,
)
from .models import Application, CheckRun, ConflictDeclaration
from .scoring import application_pass_outcome
from .selectors import (
    DECIDED_STATES,
    VENDOR_SIDE_ACTIONS,
    application_get,
    application_list,
    artifact_get,
    conflict_blocking,
    evaluation_report_latest,
    independence_gate,
    sbom_component_list,
)
from .services import (
    UPLOAD_STATES,
    application_create,
    application_transition,
    artifact_upload,
    case_result_record,
    check_run_retry,
    clarification_ask,
    clarification_reply,
    conflict_declare,
    evidence_file_attach,
    independence_declare,
    independence_declared,
)
from .workflow import (
    TRANSITIONS,
    Context,
    available_actions,
    blocking_guard,
    guard_reason,
    is_assigned_evaluator,
    is_vendor_member,
    role_permits,
)

ACTION_STYLES = {
    ApplicationAction.CERTIFY: "btn-ok", ApplicationAction.REJECT: "btn-danger",
    ApplicationAction.WITHDRAW: "btn-danger", ApplicationAction.UPHOLD: "btn-danger",
    ApplicationAction.RETURN: "btn-secondary",
}


def role_required(role: str):
    """Login first, then the role; someone signed in without it gets 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not user_has_role(request.user, role):
                raise PermissionDenied(_("This page is for another role."))
            return view(request, *args, **kwargs)
        return wrapped
    return decorator


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# Vendor ----------------------------------------------------------------------------------------

def _vendor_context(request, *, product_form=None, version_form=None, application_form=None) -> dict:
    vendor = vendor_for_user(request.user)
    products = product_visible_list(user=request.user).filter(vendor=vendor).prefetch_related("versions")
    versions = (ProductVersion.objects.filter(product__vendor=vendor).select_related("product")
                .order_by("product__name", "-created_at"))
    applications = (application_list(user=request.user).filter(vendor=vendor)
                    .select_related("product_version__product", "scheme", "certificate"))
    return {
        "vendor": vendor,
        "products": products,
        "applications": applications,
        "product_form": product_form or ProductForm(),
        "version_form": version_form or ProductVersionForm(products=products),
        "application_form": application_form or ApplicationCreateForm(versions=versions),
    }


def _vendor_or_403(request):
    vendor = vendor_for_user(request.user)
    if vendor is None:
        raise PermissionDenied(_("Your account is not linked to a vendor."))
    return vendor


@role_required(Role.VENDOR)
def vendor_dashboard(request):
    _vendor_or_403(request)
    return render(request, "certification/vendor_dashboard.html", _vendor_context(request))


@role_required(Role.VENDOR)
def vendor_profile(request):
    """The vendor's own company profile; the tax code identifies the company and only staff correct it."""
    vendor = _vendor_or_403(request)
    form = VendorProfileForm(request.POST or None, instance=Vendor.objects.get(pk=vendor.pk))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                vendor_update(vendor=vendor, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_apply(form, exc.details)
                messages.error(request, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Your company profile is saved."))
                return redirect("certification:vendor_profile")
    return render(request, "certification/vendor_profile.html", {"vendor": vendor, "form": form}, status=status)


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
    if request.method != "POST":
        initial = {}
        if request.GET.get("version"):
            initial["product_version"] = request.GET["version"]
        form = ApplicationCreateForm(versions=versions, initial=initial)
        return render(request, "certification/application_form.html", {"form": form})
    form = ApplicationCreateForm(request.POST, versions=versions)
    status = 400
    if form.is_valid():
        try:
            app = application_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = exc.status_code
        else:
            messages.success(request, _("Application #%(id)s created as a draft. Upload the documents, then submit it.")
                             % {"id": app.pk})
            return redirect("certification:application_detail", pk=app.pk)
    return render(request, "certification/application_form.html", {"form": form}, status=status)


# The application page, shared by every role ----------------------------------------------------

def _action_entries(app, user) -> list[dict]:
    entries = []
    for name in available_actions(app, user):
        transition = TRANSITIONS[name]
        entries.append({
            "name": name,
            "label": ApplicationAction(name).label,
            "reason_required": any(spec.check is guard_reason for spec in transition.guards),
            "assign": name == ApplicationAction.ASSIGN,
            "style": ACTION_STYLES.get(name, ""),
        })
    return entries


def _blocked_actions(app, user) -> list[dict]:
    """Actions the user's role could take in this state but a guard blocks, with the guard's reason."""
    blocked = []
    for name, transition in TRANSITIONS.items():
        if app.status not in transition.sources or not role_permits(app, user, transition.role):
            continue
        found = blocking_guard(Context(app, user), transition, include_input=False)
        if found:
            blocked.append({"name": name, "label": ApplicationAction(name).label, "reason": found[1]})
    return blocked


def _evaluator_choices(app) -> list[dict]:
    users = get_user_model().objects.filter(groups__name=Role.EVALUATOR, is_active=True).order_by("email")
    # The vendor's declarations in one query, judged by the selectors' rule, rather than a query per evaluator.
    conflicted = {d.evaluator_id for d in ConflictDeclaration.objects.filter(vendor_id=app.vendor_id)
                  if conflict_blocking(declaration=d)}
    return [{"email": u.email, "name": u.display_name, "conflict": u.pk in conflicted} for u in users]


def _can_score(app: Application, user, case) -> bool:
    """An assigned evaluator scores during the evaluation, but not an automated case while its check runs."""
    return is_assigned_evaluator(app, user) and app.status == S.IN_EVALUATION and not (
        case.requirement.method == RequirementMethod.AUTOMATED and case.result in (R.PENDING, R.RUNNING))


def _evidence_text(case) -> str:
    return json.dumps(case.evidence, ensure_ascii=False, indent=2, default=str) if case.evidence else ""


def _application_context(request, app: Application, **extra) -> dict:
    user = request.user
    vendor_view = is_vendor_member(app, user)
    assigned = is_assigned_evaluator(app, user)
    events = []
    for event in app.events.all():
        own_side = event.action in VENDOR_SIDE_ACTIONS
        events.append({
            "event": event,
            # Vendors see who acted on their side; the certification body acts as one.
            "who": event.actor_repr if (not vendor_view or own_side) else _("Certification body"),
            "evaluators": [] if vendor_view else event.data.get("evaluators", []),
            "certificate": event.data.get("certificate"),
            "to_label": choice_label(S, event.to_status),
        })
    cases = []
    for case in app.cases.all():  # prefetched by application_get, in scheme order, with the requirement
        cases.append({
            "case": case,
            "requirement": case.requirement,
            "automated": case.requirement.method == RequirementMethod.AUTOMATED,
            "evidence": _evidence_text(case),
            "can_score": _can_score(app, user, case),
        })
    check_runs = list(app.check_runs.select_related("case__requirement"))
    can_retry = user_has_role(user, Role.STAFF) or assigned
    actions = _action_entries(app, user)
    # The certification body sees the pass rule at any time; the vendor once a decision is made (as in the API).
    show_outcome = app.status in DECIDED_STATES if vendor_view else app.status != S.DRAFT
    outcome = application_pass_outcome(application=app) if show_outcome and cases else None
    staff_view = user_has_role(user, Role.STAFF)
    context = {
        "application": app,
        "vendor_view": vendor_view,
        # An assigned evaluator states independence from the vendor before working on the application.
        "independence_needed": assigned and not independence_declared(application=app, evaluator=user),
        "clarifications": list(app.clarifications.filter(parent=None).prefetch_related("replies")),
        "can_ask": assigned or staff_view,
        "can_reply": vendor_view or assigned or staff_view,
        "assigned": assigned,
        "events": events,
        "artifacts": list(app.artifacts.all()),
        # Vulnerability findings from the SBOM check, where that part of the process exists.
        "findings": sorted(app.findings.all(), key=lambda f: (f.status, f.osv_id)),  # prefetched
        "upload_form": extra.pop("upload_form", None) or ArtifactUploadForm(),
        "can_upload": vendor_view and app.status in UPLOAD_STATES,
        "cases": cases,
        "check_runs": check_runs,
        "checks_running": any(run.status in (CheckRunStatus.QUEUED, CheckRunStatus.RUNNING) for run in check_runs),
        "check_status_labels": {value: str(label) for value, label in CheckRunStatus.choices},
        "report": _report_for(user, app),
        "has_components": app.sbom_components.exists(),
        "can_retry": can_retry,
        "actions": actions,
        "blocked_actions": _blocked_actions(app, user),
        "evaluators": _evaluator_choices(app) if any(a["assign"] for a in actions) else [],
        "outcome": outcome,
        "assignments": [] if vendor_view else list(app.assignments.select_related("evaluator")),
        "posted": request.POST if request.method == "POST" else {},
        "posted_evaluators": request.POST.getlist("evaluators") if request.method == "POST" else [],
        "required_kinds": [choice_label(ArtifactKind, k) for k in app.scheme.documents_for(app.level)],
    }
    context.update(extra)
    return context


def _application_load(request, pk: int) -> Application:
    """The application through the scoping selector (another vendor's is 404), read afresh each call."""
    try:
        return application_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc


def _report_for(user, app: Application):
    """The evaluation report copy this user may download, or None."""
    if app.completed_at is None:
        return None
    try:
        return evaluation_report_latest(user=user, application_id=app.pk)
    except NotFoundError:
        return None


def _application_render(request, app: Application, *, status: int = 200, **extra):
    return render(request, "certification/application_detail.html", _application_context(request, app, **extra),
                  status=status)


@login_required
def application_detail(request, pk: int):
    return _application_render(request, _application_load(request, pk))


@require_POST
@login_required
def application_action(request, pk: int):
    app = _application_load(request, pk)
    action = request.POST.get("action", "")
    try:
        app = application_transition(
            application=app, action=action, actor=request.user, note=request.POST.get("note", ""),
            evaluators=request.POST.getlist("evaluators") or None,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _application_render(request, _application_load(request, pk), status=exc.status_code)
    label = ApplicationAction(action).label
    messages.success(request, _("Done: %(action)s. The application is now “%(status)s”.")
                     % {"action": label, "status": app.get_status_display()})
    return redirect("certification:application_detail", pk=app.pk)


@require_POST
@login_required
def artifact_upload_view(request, pk: int):
    app = _application_load(request, pk)
    form = ArtifactUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of document and a file to upload."))
        return _application_render(request, app, status=400, upload_form=form)
    try:
        artifact = artifact_upload(application=app, actor=request.user, kind=form.cleaned_data["kind"],
                                   file=form.cleaned_data["file"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _application_render(request, _application_load(request, pk), status=exc.status_code,
                                   upload_form=form)
    messages.success(request, _("“%(name)s” uploaded (SHA-256 %(sha)s).")
                     % {"name": artifact.original_name, "sha": artifact.sha256[:16] + "…"})
    return redirect("certification:application_detail", pk=app.pk)


@require_POST
@login_required
def check_retry_view(request, pk: int, run_id: int):
    app = _application_load(request, pk)
    run = CheckRun.objects.select_related("application").filter(pk=run_id, application=app).first()
    if run is None:
        raise Http404(_("Not found."))
    try:
        check_run_retry(check_run=run, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _application_render(request, _application_load(request, pk), status=exc.status_code)
    messages.success(request, _("The check was queued again."))
    return redirect("certification:application_detail", pk=app.pk)


def _service_post(request, pk: int, call, success: str):
    """Run one service for a POST on the application page: redirect on success, re-render on refusal."""
    app = _application_load(request, pk)
    try:
        call(app)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _application_render(request, _application_load(request, pk), status=exc.status_code)
    messages.success(request, success)
    return redirect("certification:application_detail", pk=app.pk)


@require_POST
@login_required
def independence_view(request, pk: int):
    return _service_post(request, pk, lambda app: independence_declare(application=app, evaluator=request.user),
                         _("Your statement of independence is recorded."))


@require_POST
@login_required
def clarification_ask_view(request, pk: int):
    return _service_post(
        request, pk,
        lambda app: clarification_ask(application=app, actor=request.user, body=request.POST.get("body", ""),
                                      requirement_code=request.POST.get("requirement_code", "")),
        _("Your question was sent to the vendor."),
    )


@require_POST
@login_required
def clarification_reply_view(request, pk: int, clarification_id: int):
    def reply(app):
        parent = app.clarifications.filter(pk=clarification_id).first()
        if parent is None:
            raise NotFoundError(_("Not found."))
        return clarification_reply(parent=parent, actor=request.user, body=request.POST.get("body", ""))

    return _service_post(request, pk, reply, _("Your reply was sent."))


# Evaluator -------------------------------------------------------------------------------------

@role_required(Role.EVALUATOR)
def evaluator_queue(request):
    mine = (application_list(user=request.user).filter(assignments__evaluator=request.user)
            .select_related("product_version__product", "vendor", "scheme").distinct())
    return render(request, "certification/evaluator_queue.html", {
        "active": [a for a in mine if a.status == S.IN_EVALUATION],
        "finished": [a for a in mine if a.status != S.IN_EVALUATION][:50],
    })


def _case_context(request, app, case, form=None) -> dict:
    req = case.requirement
    initial = {"result": case.result if case.result in ("pass", "fail", "not_applicable") else None,
               "notes": case.notes}
    codes = list(app.cases.order_by("requirement__order", "requirement__code")
                 .values_list("requirement__code", "result"))
    return {
        "application": app,
        "case": case,
        "requirement": req,
        "automated": req.method == RequirementMethod.AUTOMATED,
        "evidence": _evidence_text(case),
        "versions": [{"version": v, "old_label": choice_label(R, v.old_result) if v.old_result else "",
                      "new_label": choice_label(R, v.new_result)}
                     for v in case.versions.order_by("-created_at", "-id")],
        "form": form or CaseResultForm(initial=initial),
        "can_score": _can_score(app, request.user, case),
        "evidence_files": list(case.evidence_files.all()),
        "evidence_form": EvidenceFileForm(),
        "siblings": [{"code": c, "result": r, "label": choice_label(R, r)} for c, r in codes],
    }


@login_required
def case_score(request, pk: int, code: str):
    app = _application_load(request, pk)
    if is_assigned_evaluator(app, request.user) and not independence_declared(application=app,
                                                                             evaluator=request.user):
        messages.warning(request, _("Declare your independence from this vendor before working on the application."))
        return redirect("certification:application_detail", pk=app.pk)
    case = app.cases.select_related("requirement").filter(requirement__code=code).first()
    if case is None:
        raise Http404(_("Not found."))
    if request.method != "POST":
        return render(request, "certification/case_score.html", _case_context(request, app, case))
    form = CaseResultForm(request.POST)
    if not form.is_valid():
        return render(request, "certification/case_score.html", _case_context(request, app, case, form), status=400)
    try:
        case_result_record(application=app, requirement_code=code, actor=request.user,
                           result=form.cleaned_data["result"], notes=form.cleaned_data["notes"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        case.refresh_from_db()
        return render(request, "certification/case_score.html", _case_context(request, app, case, form),
                      status=exc.status_code)
    messages.success(request, _("Result for %(code)s saved.") % {"code": code})
    # Straight on to the next case still waiting for a result, else back to the application.
    following = (app.cases.filter(result=R.PENDING).exclude(requirement__method=RequirementMethod.AUTOMATED)
                 .order_by("requirement__order", "requirement__code").values_list("requirement__code", flat=True)
                 .first())
    if following:
        return redirect("certification:case_score", pk=app.pk, code=following)
    return redirect("certification:application_detail", pk=app.pk)


@require_POST
@login_required
def evidence_attach_view(request, pk: int, code: str):
    app = _application_load(request, pk)
    case = app.cases.select_related("requirement").filter(requirement__code=code).first()
    if case is None:
        raise Http404(_("Not found."))
    form = EvidenceFileForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ApplicationError(_("Choose a file to attach."), code="invalid")
        evidence_file_attach(application=app, requirement_code=code, actor=request.user,
                             file=form.cleaned_data["file"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, "certification/case_score.html", _case_context(request, app, case),
                      status=exc.status_code)
    messages.success(request, _("Evidence attached to %(code)s.") % {"code": code})
    return redirect("certification:case_score", pk=app.pk, code=code)


# Certifier -------------------------------------------------------------------------------------

@role_required(Role.CERTIFIER)
def certifier_queue(request):
    base = application_list(user=request.user).select_related("product_version__product", "vendor", "scheme")
    return render(request, "certification/certifier_queue.html", {
        "waiting": base.filter(status__in=[S.EVALUATED, S.APPEALED]).order_by("completed_at", "pk"),
        "decided": base.filter(status__in=[S.CERTIFIED, S.REJECTED]).order_by("-decided_at", "-pk")[:20],
    })


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
    }


@role_required(Role.STAFF)
def staff_queue(request):
    return render(request, "certification/staff_queue.html", _staff_context(request))


@require_POST
@role_required(Role.STAFF)
def certificate_action(request, serial: str):
    certificate = Certificate.objects.filter(serial=serial).first()
    if certificate is None:
        raise Http404(_("Not found."))
    action = request.POST.get("action", "")
    try:
        certificate = certificate_transition(certificate=certificate, action=action, actor=request.user,
                                             reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, "certification/staff_queue.html", _staff_context(request), status=exc.status_code)
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


@login_required
def conflict_list(request):
    """An evaluator's own conflict-of-interest declarations, and the form to add one."""
    if not user_has_role(request.user, Role.EVALUATOR):
        raise PermissionDenied
    form = ConflictDeclarationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                conflict_declare(evaluator=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Your declaration is recorded."))
                return redirect("certification:conflict_list")
        else:
            status = 400
    declarations = ConflictDeclaration.objects.filter(evaluator=request.user).select_related("vendor")
    return render(request, "certification/conflict_list.html", {"form": form, "declarations": declarations},
                  status=status)


@login_required
def component_list(request, pk: int):
    """The SBOM component inventory, for the vendor and the certification body (same filter as the API)."""
    from .api.filtersets import SbomComponentFilterSet

    app = _application_load(request, pk)
    try:
        independence_gate(application=app, user=request.user)
    except ApplicationError as exc:
        messages.warning(request, exc.message)
        return redirect("certification:application_detail", pk=app.pk)
    filterset = SbomComponentFilterSet(request.GET, queryset=sbom_component_list(application=app))
    page_obj = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "certification/component_list.html", {
        "application": app, "filterset": filterset, "page_obj": page_obj, "total": page_obj.paginator.count,
    })


@login_required
def artifact_download(request, pk: int, artifact_id: int):
    app = _application_load(request, pk)
    try:
        independence_gate(application=app, user=request.user)
        item = artifact_get(application=app, pk=artifact_id)
        return stored_file_response(field_file=item.file, name=item.original_name, content_type=item.content_type,
                                    sha256=item.sha256)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    except ApplicationError as exc:
        messages.warning(request, exc.message)
        return redirect("certification:application_detail", pk=app.pk)
