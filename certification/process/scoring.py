"""The pass rule of a scheme and level, as a pure function over (requirement, result) pairs.

Rule: every mandatory requirement that applies to the level has the result `pass`, and the
weighted score, sum(weight of passes) / sum(weight of requirements not marked not_applicable),
reaches the level's threshold in percent. A mandatory requirement cannot be waived as
not_applicable: the scheme author makes it optional instead.
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from certification.choices import CaseResultValue as R


@dataclass(frozen=True)
class CaseInput:
    code: str
    group: str
    mandatory: bool
    weight: int
    result: str


@dataclass
class GroupBreakdown:
    group: str
    total: int = 0
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0
    open: int = 0
    weight_passed: int = 0
    weight_counted: int = 0

    @property
    def score(self) -> Decimal | None:
        if not self.weight_counted:
            return None
        return (Decimal(100) * self.weight_passed / self.weight_counted).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class PassOutcome:
    passed: bool
    score: Decimal
    threshold: Decimal
    failed_mandatory: list[str] = field(default_factory=list)
    open_cases: list[str] = field(default_factory=list)
    groups: list[GroupBreakdown] = field(default_factory=list)

    def explain(self) -> str:
        if self.open_cases:
            return _("Requirements without a final result: %(codes)s.") % {"codes": ", ".join(self.open_cases)}
        if self.failed_mandatory:
            return _("Mandatory requirements not passed: %(codes)s.") % {"codes": ", ".join(self.failed_mandatory)}
        if self.score < self.threshold:
            return _("Weighted score %(score)s%% is below the threshold of %(threshold)s%%.") % {
                "score": self.score, "threshold": self.threshold}
        return _("The pass rule holds.")


def pass_rule_evaluate(cases: list[CaseInput], threshold) -> PassOutcome:
    """Apply the pass rule; `threshold` is a percentage (0-100)."""
    threshold = Decimal(str(threshold))
    groups: OrderedDict[str, GroupBreakdown] = OrderedDict()
    failed_mandatory, open_cases = [], []
    weight_passed = weight_counted = 0
    for case in cases:
        g = groups.setdefault(case.group, GroupBreakdown(case.group))
        g.total += 1
        if case.result == R.PASS:
            g.passed += 1
            g.weight_passed += case.weight
            g.weight_counted += case.weight
        elif case.result == R.NOT_APPLICABLE:
            g.not_applicable += 1
            if case.mandatory:
                failed_mandatory.append(case.code)
        elif case.result == R.FAIL:
            g.failed += 1
            g.weight_counted += case.weight
            if case.mandatory:
                failed_mandatory.append(case.code)
        else:
            g.open += 1
            g.weight_counted += case.weight
            open_cases.append(case.code)
    weight_passed = sum(g.weight_passed for g in groups.values())
    weight_counted = sum(g.weight_counted for g in groups.values())
    score = (
        (Decimal(100) * weight_passed / weight_counted).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if weight_counted else Decimal(0)
    )
    passed = not failed_mandatory and not open_cases and weight_counted > 0 and score >= threshold
    return PassOutcome(passed, score, threshold, failed_mandatory, open_cases, list(groups.values()))


def application_pass_outcome(*, application) -> PassOutcome:
    if "cases" in getattr(application, "_prefetched_objects_cache", {}):  # a list computing actions per row
        rows = sorted(application.cases.all(), key=lambda r: (r.requirement.order, r.requirement.code))
    else:
        rows = application.cases.select_related("requirement").order_by("requirement__order", "requirement__code")
    cases = [
        CaseInput(r.requirement.code, r.requirement.group, r.requirement.mandatory, r.requirement.weight,
                  r.effective_result)
        for r in rows
    ]
    threshold = application.scheme.thresholds.get(application.level, 100)
    return pass_rule_evaluate(cases, threshold)
