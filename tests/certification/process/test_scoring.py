"""The pass rule, checked exhaustively against an independent statement of it."""

import itertools
from decimal import Decimal

import pytest

from certification.process.scoring import CaseInput, pass_rule_evaluate

RESULTS = ["pending", "running", "pass", "fail", "not_applicable", "error"]
REQS = [("A", "protection", True, 3), ("B", "logging", False, 2), ("C", "protection", False, 1)]


def oracle(results: list[str], threshold: int) -> bool:
    for (_code, _g, mandatory, _w), r in zip(REQS, results, strict=True):
        if r not in ("pass", "fail", "not_applicable"):
            return False  # an open case never passes
        if mandatory and r != "pass":
            return False
    counted = [(w, r) for (_c, _g, _m, w), r in zip(REQS, results, strict=True) if r != "not_applicable"]
    total = sum(w for w, _ in counted)
    passed = sum(w for w, r in counted if r == "pass")
    return total > 0 and passed * 100 >= threshold * total


@pytest.mark.parametrize("threshold", [0, 50, 60, 67, 83, 84, 100])
def test_scoring_pass_rule_exhaustive(threshold):
    for combo in itertools.product(RESULTS, repeat=len(REQS)):
        cases = [CaseInput(c, g, m, w, r) for (c, g, m, w), r in zip(REQS, combo, strict=True)]
        outcome = pass_rule_evaluate(cases, threshold)
        assert outcome.passed == oracle(list(combo), threshold), (combo, threshold, outcome)


def test_scoring_breakdown_by_group():
    cases = [CaseInput("A", "protection", True, 3, "pass"), CaseInput("B", "logging", False, 2, "fail"),
             CaseInput("C", "protection", False, 1, "not_applicable")]
    outcome = pass_rule_evaluate(cases, 60)
    assert outcome.score == Decimal("60.0") and outcome.passed
    groups = {g.group: g for g in outcome.groups}
    assert (groups["protection"].passed, groups["protection"].not_applicable, groups["protection"].score) == (
        1, 1, Decimal("100.0"))
    assert (groups["logging"].failed, groups["logging"].score) == (1, Decimal("0.0"))


def test_scoring_explains_why():
    outcome = pass_rule_evaluate([CaseInput("A", "g", True, 1, "fail"), CaseInput("B", "g", False, 5, "pass")], 10)
    assert not outcome.passed and "A" in outcome.explain()
    outcome = pass_rule_evaluate([CaseInput("A", "g", False, 1, "fail"), CaseInput("B", "g", False, 1, "pass")], 60)
    assert not outcome.passed and "50.0" in outcome.explain()


def test_scoring_all_not_applicable_does_not_pass():
    assert not pass_rule_evaluate([CaseInput("A", "g", False, 1, "not_applicable")], 0).passed
