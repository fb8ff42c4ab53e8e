"""Automated checks. Each takes an application and returns a result with JSON evidence; none
reaches the network. Checks register themselves in CHECKS under their check key."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import translation

from certification.choices import CaseResultValue as R


@dataclass
class CheckOutcome:
    result: str
    summary: str
    evidence: dict = field(default_factory=dict)
    # Why it failed, as {"code", "params"} that pages translate (certification.checks.errors.FAILURE_REASONS).
    reason: dict | None = None

    def __post_init__(self):
        if self.reason:
            self.evidence = {**self.evidence, "reason": self.reason}


CheckFn = Callable[[object], CheckOutcome]
CHECKS: dict[str, CheckFn] = {}


def register(key: str):
    def decorator(fn: CheckFn) -> CheckFn:
        CHECKS[key] = fn
        return fn

    return decorator


def check_execute(key: str, application) -> CheckOutcome:
    fn = CHECKS.get(key)
    if fn is None:
        return CheckOutcome(R.ERROR, f"No automated check is registered under '{key}'.",
                            {"check": key, "error": {"code": "unknown_check"}})
    # Evidence summaries are stored in English, the record's language; pages translate labels.
    with translation.override("en"):
        return fn(application)



# Importing the modules registers their checks.
from certification.checks import documents, sbom  # noqa: E402,F401
