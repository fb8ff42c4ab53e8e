"""Reads of the certification process and who may see which application. Pages and the API both
scope through here, so no view can forget a vendor boundary."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.choices import Role
from accounts.roles import user_has_role
from config.errors import NotFoundError
from registry.models import ProductVersion
from registry.selectors import vendor_for_user

from .models import Application, ApplicationEvent, Assignment, CaseResult, CaseResultVersion


def application_scope(*, user) -> Q | None:
    """Which applications the user may see, as a filter; None means none at all.

    Staff and certifiers see every application; vendor members see their vendor's; evaluators see the
    ones they are assigned to. A user with several roles sees the union.
    """
    if not user or not user.is_authenticated:
        return None
    if user_has_role(user, Role.STAFF) or user_has_role(user, Role.CERTIFIER):
        return Q()
    scope = None
    vendor = vendor_for_user(user)
    if vendor is not None and user_has_role(user, Role.VENDOR):
        scope = Q(vendor=vendor)
    if user_has_role(user, Role.EVALUATOR):
        assigned = Q(Exists(Assignment.objects.filter(application=OuterRef("pk"), evaluator=user)))
        scope = assigned if scope is None else scope | assigned
    return scope


def _with_related(qs: QuerySet) -> QuerySet:
    """Everything the API and pages show of an application, and what available_actions reads, in a
    fixed number of queries however many applications are listed."""
    cases = CaseResult.objects.select_related("requirement").order_by("requirement__order", "requirement__code")
    related = [
        Prefetch("cases", queryset=cases),
        "artifacts",
        Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")),
        "assignments",
        "check_runs",
    ]
    if hasattr(Application, "findings"):  # vulnerability findings, once that part of the process exists
        related.append("findings")
    return qs.select_related(
        "product_version__product", "vendor", "scheme", "certificate"
    ).prefetch_related(*related)


def application_list(*, user) -> QuerySet:
    """Applications the user may see, newest first, with everything needed to show them."""
    scope = application_scope(user=user)
    if scope is None:
        return Application.objects.none()
    return _with_related(Application.objects.filter(scope)).order_by("-created_at", "-pk")


def application_get(*, user, pk) -> Application:
    """One application the user may see; any other is 'not found', never 'forbidden'."""
    application = application_list(user=user).filter(pk=pk).first()
    if application is None:
        raise NotFoundError("Not found.")
    return application


def case_history(*, case: CaseResult) -> QuerySet:
    """Every recorded change of one case, oldest first."""
    return CaseResultVersion.objects.filter(case=case).order_by("created_at", "id")


def product_version_get(*, pk) -> ProductVersion:
    """A product version by id; whether the caller may apply for it is the service's rule."""
    version = ProductVersion.objects.select_related("product").filter(pk=pk).first()
    if version is None:
        raise NotFoundError("Not found.")
    return version
