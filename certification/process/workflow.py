"""The application state machine, declared once as data (ARCHITECTURE §3).

Each action names its source states, target, the role that may take it, extra permission checks
and guards. A guard returns None when it holds, or a message saying why it blocks. Guards marked
`needs_input` check the caller's input (a reason, a list of evaluators) and are skipped when listing
the actions available to someone.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.roles import user_has_role
from certification.choices import FINAL_RESULTS, CheckRunStatus
from certification.choices import ApplicationAction as A
from certification.choices import ApplicationStatus as S
from registry.choices import ArtifactKind
from registry.selectors import vendor_for_user

Guard = Callable[["Context"], str | None]


@dataclass
class Context:
    application: object
    actor: object
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class GuardSpec:
    check: Guard
    needs_input: bool = False


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    role: str
    guards: tuple = ()


# Who ------------------------------------------------------------------------------------------

def is_vendor_member(app, user) -> bool:
    vendor = vendor_for_user(user)
    return user_has_role(user, Role.VENDOR) and vendor is not None and vendor.pk == app.vendor_id


# Reads below go through `.all()` so a list that prefetched the relations (certification.selectors)
# computes available_actions for every row without a query per row.

def is_assigned_evaluator(app, user) -> bool:
    return user_has_role(user, Role.EVALUATOR) and took_part(app, user)


def took_part(app, user) -> bool:
    """An evaluator of the application, ever, cannot decide on it."""
    return any(a.evaluator_id == user.pk for a in app.assignments.all())


def role_permits(app, user, role: str) -> bool:
    if not user or not user.is_authenticated:
        return False
    if role == Role.VENDOR:
        return is_vendor_member(app, user)
    if role == Role.EVALUATOR:
        return is_assigned_evaluator(app, user)
    return user_has_role(user, role)


# Guards ---------------------------------------------------------------------------------------

def guard_required_artifacts(ctx: Context) -> str | None:
    app = ctx.application
    present = {a.kind for a in app.artifacts.all()}
    missing = [k for k in app.scheme.documents_for(app.level) if k not in present]
    if missing:
        labels = [str(ArtifactKind(k).label) if k in ArtifactKind.values else k for k in missing]
        return _("Required documents are missing: %(kinds)s.") % {"kinds": ", ".join(labels)}
    return None


def guard_reason(ctx: Context) -> str | None:
    if not (ctx.params.get("note") or "").strip():
        return _("A reason is required.")
    return None


def guard_evaluators_given(ctx: Context) -> str | None:
    if not ctx.params.get("evaluators"):
        return _("Name at least one evaluator.")
    return None


def guard_cases_final(ctx: Context) -> str | None:
    app = ctx.application
    prefetched = "cases" in getattr(app, "_prefetched_objects_cache", {})
    cases = app.cases.all() if prefetched else app.cases.select_related("requirement")
    open_codes = [c.requirement.code for c in cases if c.result not in FINAL_RESULTS][:20]
    if open_codes:
        return _("These requirements have no final result yet: %(codes)s.") % {"codes": ", ".join(open_codes)}
    if any(r.status != CheckRunStatus.DONE for r in app.check_runs.all()):
        return _("Automated checks have not finished.")
    return None


def guard_independence(ctx: Context) -> str | None:
    app, actor = ctx.application, ctx.actor
    if not any(st.evaluator_id == actor.pk for st in app.independence_statements.all()):
        return _("Declare your independence from this vendor before working on the application.")
    return None


def guard_not_evaluator(ctx: Context) -> str | None:
    if took_part(ctx.application, ctx.actor):
        return _("You evaluated this application, so you may not decide on it.")
    return None


def guard_not_appealed_decider(ctx: Context) -> str | None:
    app = ctx.application
    decisions = sorted((e for e in app.events.all() if e.action in (A.REJECT, A.UPHOLD)),
                       key=lambda e: (e.created_at, e.id))
    decider = decisions[-1].actor_id if decisions else None
    if decider is not None and decider == ctx.actor.pk:
        return _("You made the decision under appeal, so another certifier must review it.")
    return None


def guard_pass_rule(ctx: Context) -> str | None:
    from certification.process.scoring import application_pass_outcome

    outcome = application_pass_outcome(application=ctx.application)
    if not outcome.passed:
        return outcome.explain()
    return None


def guard_appeal_window(ctx: Context) -> str | None:
    app = ctx.application
    decided = app.decided_at
    if decided and timezone.now() > decided + timedelta(days=settings.APPEAL_WINDOW_DAYS):
        return _("The appeal window of %(days)s days has closed.") % {"days": settings.APPEAL_WINDOW_DAYS}
    return None


REASON = GuardSpec(guard_reason, needs_input=True)
NOT_EVALUATOR = GuardSpec(guard_not_evaluator)

TRANSITIONS: dict[str, Transition] = {
    A.SUBMIT: Transition(frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, Role.VENDOR,
                         (GuardSpec(guard_required_artifacts),)),
    A.RETURN: Transition(frozenset({S.SUBMITTED}), S.RETURNED, Role.STAFF, (REASON,)),
    A.ASSIGN: Transition(frozenset({S.SUBMITTED}), S.IN_EVALUATION, Role.STAFF,
                         (GuardSpec(guard_evaluators_given, needs_input=True),)),
    A.COMPLETE: Transition(frozenset({S.IN_EVALUATION}), S.EVALUATED, Role.EVALUATOR,
                           (GuardSpec(guard_independence), GuardSpec(guard_cases_final))),
    A.CERTIFY: Transition(frozenset({S.EVALUATED}), S.CERTIFIED, Role.CERTIFIER,
                          (NOT_EVALUATOR, GuardSpec(guard_pass_rule))),
    A.REJECT: Transition(frozenset({S.EVALUATED}), S.REJECTED, Role.CERTIFIER, (NOT_EVALUATOR, REASON)),
    A.WITHDRAW: Transition(frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.IN_EVALUATION}), S.WITHDRAWN,
                           Role.VENDOR),
    A.APPEAL: Transition(frozenset({S.REJECTED}), S.APPEALED, Role.VENDOR,
                         (GuardSpec(guard_appeal_window), REASON)),
    A.UPHOLD: Transition(frozenset({S.APPEALED}), S.REJECTED, Role.CERTIFIER,
                         (NOT_EVALUATOR, GuardSpec(guard_not_appealed_decider), REASON)),
    A.OVERTURN: Transition(frozenset({S.APPEALED}), S.EVALUATED, Role.CERTIFIER,
                           (NOT_EVALUATOR, GuardSpec(guard_not_appealed_decider), REASON)),
}


def blocking_guard(ctx: Context, transition: Transition, *, include_input: bool) -> tuple[GuardSpec, str] | None:
    """The first guard that blocks, with its reason, or None."""
    for spec in transition.guards:
        if spec.needs_input and not include_input:
            continue
        reason = spec.check(ctx)
        if reason:
            return spec, reason
    return None


def available_actions(application, user) -> list[str]:
    """Action names the user may take now (state, role and every guard that needs no input)."""
    actions = []
    for name, transition in TRANSITIONS.items():
        if application.status not in transition.sources:
            continue
        if not role_permits(application, user, transition.role):
            continue
        if blocking_guard(Context(application, user), transition, include_input=False) is None:
            actions.append(name)
    return actions
