"""Who may see and do what on one application: the one answer every path reads.

`application_access_get` scopes the application to the caller (anyone else's is 'not found') and
returns an `ApplicationAccess`. Services enforce it; views, serializers and templates only read it,
so no rule is written twice. An evaluator assigned to an application sees its details and works on it
only after stating independence from its vendor (`require_details`), whatever other roles they hold.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import BigIntegerField, Exists, OuterRef, Prefetch, Q, Value
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.roles import user_has_role
from certification.choices import ApplicationStatus as S
from certification.choices import ReportEdition
from certification.models import (
    Application,
    ApplicationEvent,
    Assignment,
    Clarification,
    IndependenceStatement,
)
from config.errors import NotFoundError, PermissionDeniedError
from registry.choices import RequirementMethod
from registry.selectors import vendor_for_user

# The vendor adds, replaces or removes artifacts until the evaluation starts (a submitted application's
# checks run again); during the evaluation a new version of a file is sent only as an answer to a question.
UPLOAD_STATES = frozenset({S.DRAFT, S.RETURNED, S.SUBMITTED})
ANSWER_FILE_STATES = frozenset({S.IN_EVALUATION})
# The body asks the vendor questions while the application is open (not after a final outcome).
ASK_STATES = frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.IN_EVALUATION, S.EVALUATED, S.APPEALED})
# After a decision the vendor may see the breakdown the certifier decided on (and base an appeal on it).
DECIDED_STATES = frozenset({S.CERTIFIED, S.REJECTED, S.APPEALED})


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
    # The role first: an evaluator's scope then costs no membership query.
    vendor = vendor_for_user(user) if user_has_role(user, Role.VENDOR) else None
    if vendor is not None:
        scope = Q(vendor=vendor)
    if user_has_role(user, Role.EVALUATOR):
        assigned = Q(Exists(Assignment.objects.filter(application=OuterRef("pk"), evaluator=user)))
        scope = assigned if scope is None else scope | assigned
    return scope


def may_apply(user) -> bool:
    """A vendor's member opens applications for its own product versions."""
    return bool(user) and user.is_authenticated and user_has_role(user, Role.VENDOR) and \
        vendor_for_user(user) is not None


def may_declare_conflicts(user) -> bool:
    """Evaluators declare their relations with vendors."""
    return bool(user) and user.is_authenticated and user_has_role(user, Role.EVALUATOR)


@dataclass(frozen=True)
class ApplicationAccess:
    """What one caller is to one application, and what follows from it. Read-only."""

    application: Any
    user: Any
    is_vendor: bool  # a member of the application's vendor, in the vendor role
    is_assigned_evaluator: bool
    independence_stated: bool
    took_part: bool  # assigned as an evaluator, ever: may never decide on it
    is_staff: bool
    is_certifier: bool
    body_role: bool  # holds a certification body role (staff, certifier, evaluator)

    @property
    def status(self) -> str:
        return self.application.status

    @property
    def visible(self) -> bool:
        """The caller may know the application exists (the scope of application_scope)."""
        return self.is_vendor or self.is_staff or self.is_certifier or self.is_assigned_evaluator

    @property
    def sees_as_vendor(self) -> bool:
        """Reads the application as its vendor: the certification body's people are then not named."""
        return self.is_vendor and not self.body_role

    @property
    def independence_needed(self) -> bool:
        return self.is_assigned_evaluator and not self.independence_stated

    @property
    def works_on_it(self) -> bool:
        """An assigned evaluator who stated independence."""
        return self.is_assigned_evaluator and self.independence_stated

    @property
    def may_upload(self) -> bool:
        return self.is_vendor and self.status in UPLOAD_STATES

    @property
    def may_replace_artifacts(self) -> bool:
        """Replace or remove an artifact: the vendor, until the evaluation starts."""
        return self.may_upload

    @property
    def may_answer_with_file(self) -> bool:
        """Send a new version of a file with an answer to a question, during the evaluation."""
        return self.is_vendor and self.status in ANSWER_FILE_STATES

    @property
    def may_score(self) -> bool:
        return self.works_on_it and self.status == S.IN_EVALUATION

    def may_score_case(self, case) -> bool:
        """Automated results change only by running the check again."""
        return self.may_score and case.requirement.method != RequirementMethod.AUTOMATED

    @property
    def may_attach_evidence(self) -> bool:
        return self.may_score

    @property
    def may_ask(self) -> bool:
        return (self.works_on_it or self.is_staff) and self.status in ASK_STATES

    @property
    def may_reply(self) -> bool:
        return self.is_vendor or self.works_on_it or self.is_staff

    @property
    def may_close_question(self) -> bool:
        return self.works_on_it or self.is_staff

    @property
    def may_retry(self) -> bool:
        return self.is_staff or self.works_on_it

    @property
    def may_decide(self) -> bool:
        """A certifier who took no part in the evaluation."""
        return self.is_certifier and not self.took_part

    @property
    def may_record_deviation(self) -> bool:
        return self.may_decide and self.status == S.EVALUATED

    @property
    def sees_pass_rule(self) -> bool:
        """The body at any time; the vendor once a decision was taken, so an interim score never becomes
        something to negotiate over."""
        if self.is_staff or self.is_certifier or self.works_on_it:
            return True
        return self.is_vendor and self.status in DECIDED_STATES

    @property
    def report_edition(self) -> str | None:
        """Which copy of the evaluation report the caller reads, if any."""
        if self.sees_as_vendor:
            return ReportEdition.VENDOR if self.status in DECIDED_STATES else None
        if self.is_staff or self.is_certifier or self.works_on_it:
            return ReportEdition.BODY
        return None

    @property
    def sees_check_errors(self) -> bool:
        """Raw check errors are for the body, never the vendor."""
        return not self.sees_as_vendor

    @cached_property
    def _actions(self):
        from certification.process.workflow import actions_for

        return actions_for(self)

    @property
    def actions(self) -> list[str]:
        """Workflow actions the caller may take now."""
        return list(self._actions[0])

    @property
    def blocked_actions(self) -> list[tuple[str, str]]:
        """Actions the caller's role could take in this state that a guard blocks, with the reason."""
        return list(self._actions[1])

    def require_details(self) -> "ApplicationAccess":
        if not self.visible:
            raise NotFoundError(_("Not found."))
        if self.independence_needed:
            raise PermissionDeniedError(
                _("Declare your independence from this vendor before working on the application."),
                code="independence_required",
            )
        return self

    def require(self, allowed: bool, message) -> "ApplicationAccess":
        """Refuse unless `allowed`: 403 where the caller may know the application exists, else 404."""
        if not allowed:
            if not self.visible:
                raise NotFoundError(_("Not found."))
            raise PermissionDeniedError(message)
        return self


def application_access(*, user, application) -> ApplicationAccess:
    """The caller's access to an application already scoped to them (reads prefetched assignments and
    statements when the list loaded them: no query per row)."""
    authenticated = bool(user) and user.is_authenticated
    is_staff = authenticated and user_has_role(user, Role.STAFF)
    is_certifier = authenticated and user_has_role(user, Role.CERTIFIER)
    is_evaluator = authenticated and user_has_role(user, Role.EVALUATOR)
    vendor = vendor_for_user(user) if authenticated and user_has_role(user, Role.VENDOR) else None
    if getattr(application, "caller_id", None) == getattr(user, "pk", False):  # annotated for this caller
        took_part = authenticated and application.caller_assigned
        stated = took_part and application.caller_stated
    else:
        took_part = authenticated and any(a.evaluator_id == user.pk for a in application.assignments.all())
        stated = took_part and any(s.evaluator_id == user.pk for s in application.independence_statements.all())
    return ApplicationAccess(
        application=application,
        user=user,
        is_vendor=vendor is not None and vendor.pk == application.vendor_id,
        is_assigned_evaluator=is_evaluator and took_part,
        independence_stated=stated,
        took_part=took_part,
        is_staff=is_staff,
        is_certifier=is_certifier,
        body_role=is_staff or is_certifier or is_evaluator,
    )


def application_base_queryset():
    """What every access check reads of an application, in a fixed number of queries."""
    return (Application.objects.select_related("vendor", "scheme", "product_version__product", "certificate")
            .prefetch_related("assignments", "independence_statements",
                              Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")),
                              Prefetch("clarifications", queryset=Clarification.objects.order_by("created_at", "id"))))


def application_light_queryset(*, user):
    """The application row alone, with whether the caller is assigned to it and stated independence: for
    reads that need the access answer and little else (the status poll)."""
    caller = user.pk if user is not None and user.is_authenticated else None
    return Application.objects.select_related("vendor", "scheme").annotate(
        caller_id=Value(caller, output_field=BigIntegerField()),
        caller_assigned=Exists(Assignment.objects.filter(application=OuterRef("pk"), evaluator_id=caller)),
        caller_stated=Exists(IndependenceStatement.objects.filter(application=OuterRef("pk"), evaluator_id=caller)),
    )


def application_access_get(*, user, pk, queryset=None, details: bool = True) -> ApplicationAccess:
    """One application as the caller may see it; anyone else's is 'not found', never 'forbidden'.

    With `details`, an assigned evaluator who has not stated independence is refused (403) until they
    do; only the statement itself and the page that asks for it pass details=False.
    """
    scope = application_scope(user=user)
    application = None
    if scope is not None:
        qs = queryset if queryset is not None else application_base_queryset()
        application = qs.filter(scope, pk=pk).first()
    if application is None:
        raise NotFoundError(_("Not found."))
    access = application_access(user=user, application=application)
    return access.require_details() if details else access
