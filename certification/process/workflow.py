"""The application state machine, declared once as data (ARCHITECTURE §3).

Each action names its source states, target, the role that may take it, extra permission checks
and guards. A guard returns None when it holds, or a message saying why it blocks. Guards marked
`needs_input` check the caller's input (a reason, a list of evaluators) and are skipped when listing
the actions available to someone.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from certification.choices import FINAL_RESULTS, CheckRunStatus
from certification.choices import ApplicationAction as A
from certification.choices import ApplicationStatus as S
from registry.choices import ArtifactKind

if TYPE_CHECKING:
    from certification.access import ApplicationAccess

Guard = Callable[["Context"], str | None]


@dataclass
class Context:
    """What a guard reads: who is acting on which application (the caller's access) and their input."""

    access: "ApplicationAccess"
    params: dict = field(default_factory=dict)

    @property
    def application(self):
        return self.access.application

    @property
    def actor(self):
        return self.access.user


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
    # Where the target depends on the input (an overturned appeal with requirements to re-evaluate).
    target_for: Callable[["Context"], str] | None = None

    def target_state(self, ctx: "Context") -> str:
        return self.target_for(ctx) if self.target_for else self.target


def role_permits(access, role: str) -> bool:
    """Whether the caller acts in `role` on this application: a vendor for its own vendor's, an
    evaluator on the applications assigned to them, certifiers and staff on any."""
    return {
        Role.VENDOR: access.is_vendor,
        Role.EVALUATOR: access.is_assigned_evaluator,
        Role.CERTIFIER: access.is_certifier,
        Role.STAFF: access.is_staff,
    }.get(role, False)


# Guards ---------------------------------------------------------------------------------------
# Reads go through `.all()` so a list that prefetched the relations (certification.process.selectors)
# computes available actions for every row without a query per row.

def _events(app) -> list:
    return sorted(app.events.all(), key=lambda e: (e.created_at, e.id))


def _last(app, actions) -> object | None:
    found = [e for e in _events(app) if e.action in actions]
    return found[-1] if found else None


def guard_vendor_verified(ctx: Context) -> str | None:
    if ctx.application.vendor.verified_at is None:
        return _("The certification body has not verified your company yet; you can submit once it has.")
    return None


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


def questions_awaiting_vendor(app) -> list:
    """Questions from the certification body that the vendor has not answered and nobody closed."""
    items = list(app.clarifications.all())
    answered = {c.parent_id for c in items if c.parent_id and c.from_vendor}
    return [c for c in items if c.parent_id is None and not c.from_vendor and c.resolved_at is None
            and c.pk not in answered]


def guard_questions_answered(ctx: Context) -> str | None:
    waiting = questions_awaiting_vendor(ctx.application)
    if waiting:
        return _("%(n)d question(s) to the vendor have no answer yet. Wait for the answer, or close the question "
                 "with a reason.") % {"n": len(waiting)}
    return None


def guard_independence(ctx: Context) -> str | None:
    if not ctx.access.independence_stated:
        return _("Declare your independence from this vendor before working on the application.")
    return None


def guard_not_evaluator(ctx: Context) -> str | None:
    if ctx.access.took_part:
        return _("You evaluated this application, so you may not decide on it.")
    return None


def guard_not_overturned_decider(ctx: Context) -> str | None:
    """After an appeal was upheld in the vendor's favour, the certifier whose decision was overturned does
    not take the new decision."""
    overturned = _last(ctx.application, {A.OVERTURN})
    if overturned is not None and ctx.actor.pk in (overturned.data or {}).get("overturned_deciders", []):
        return _("Your earlier decision on this application was overturned on appeal, so another certifier "
                 "takes the new decision.")
    return None


def guard_not_appealed_decider(ctx: Context) -> str | None:
    decision = _last(ctx.application, {A.REJECT, A.UPHOLD})
    if decision is not None and decision.actor_id == ctx.actor.pk:
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


def guard_one_appeal(ctx: Context) -> str | None:
    """One appeal per decision: the decision on an appeal is final."""
    events = _events(ctx.application)
    last_reject = max((i for i, e in enumerate(events) if e.action == A.REJECT), default=-1)
    if any(e.action == A.APPEAL for e in events[last_reject + 1:]):
        return _("This decision was already appealed; the decision on the appeal is final.")
    return None


def overturn_target(ctx: Context) -> str:
    """Contested requirements are evaluated again before a new decision; with none, the decision is retaken."""
    return S.IN_EVALUATION if ctx.params.get("requirements") else S.EVALUATED


REASON = GuardSpec(guard_reason, needs_input=True)
NOT_EVALUATOR = GuardSpec(guard_not_evaluator)
NOT_OVERTURNED = GuardSpec(guard_not_overturned_decider)

TRANSITIONS: dict[str, Transition] = {
    A.SUBMIT: Transition(frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, Role.VENDOR,
                         (GuardSpec(guard_vendor_verified), GuardSpec(guard_required_artifacts))),
    A.RETURN: Transition(frozenset({S.SUBMITTED}), S.RETURNED, Role.STAFF, (REASON,)),
    A.ASSIGN: Transition(frozenset({S.SUBMITTED}), S.IN_EVALUATION, Role.STAFF,
                         (GuardSpec(guard_evaluators_given, needs_input=True),)),
    A.COMPLETE: Transition(frozenset({S.IN_EVALUATION}), S.EVALUATED, Role.EVALUATOR,
                           (GuardSpec(guard_independence), GuardSpec(guard_cases_final),
                            GuardSpec(guard_questions_answered))),
    A.CERTIFY: Transition(frozenset({S.EVALUATED}), S.CERTIFIED, Role.CERTIFIER,
                          (NOT_EVALUATOR, NOT_OVERTURNED, GuardSpec(guard_pass_rule))),
    A.REJECT: Transition(frozenset({S.EVALUATED}), S.REJECTED, Role.CERTIFIER, (NOT_EVALUATOR, NOT_OVERTURNED, REASON)),
    A.WITHDRAW: Transition(frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED, S.IN_EVALUATION}), S.WITHDRAWN,
                           Role.VENDOR),
    A.APPEAL: Transition(frozenset({S.REJECTED}), S.APPEALED, Role.VENDOR,
                         (GuardSpec(guard_one_appeal), GuardSpec(guard_appeal_window), REASON)),
    A.UPHOLD: Transition(frozenset({S.APPEALED}), S.REJECTED, Role.CERTIFIER,
                         (NOT_EVALUATOR, GuardSpec(guard_not_appealed_decider), REASON)),
    A.OVERTURN: Transition(frozenset({S.APPEALED}), S.EVALUATED, Role.CERTIFIER,
                           (NOT_EVALUATOR, GuardSpec(guard_not_appealed_decider), REASON),
                           target_for=overturn_target),
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


def actions_for(access) -> tuple[list[str], list[tuple[str, str]]]:
    """The actions the caller may take now, and those their role could take in this state but a guard
    blocks (with the guard's reason). Guards that need input are not run here."""
    allowed, blocked = [], []
    for name, transition in TRANSITIONS.items():
        if access.application.status not in transition.sources or not role_permits(access, transition.role):
            continue
        found = blocking_guard(Context(access), transition, include_input=False)
        if found is None:
            allowed.append(name)
        else:
            blocked.append((name, found[1]))
    return allowed, blocked
