"""The system's recommendation (DESIGN 4) as pure rules: certification.recommendation."""
from decimal import Decimal

import pytest
from django.utils.translation import override

from certification.recommendation import FindingFacts, compute, reason_texts

MIN = Decimal("5.5")


def facts(code="1.1", classification="conform", score="7", **kwargs):
    return FindingFacts(code=code, classification=classification, verified_score=Decimal(score), **kwargs)


def test_positive_when_every_score_meets_the_minimum_and_no_nonconformity_is_open():
    result = compute([facts(), facts("1.2", "observation", "5.5")], minimum=MIN)
    assert (result.positive, result.reasons) == (True, ())


@pytest.mark.parametrize("finding, kinds", [
    (facts(classification="major", score="6"), ["major_open"]),
    (facts(classification="minor", score="6"), ["minor_unverified"]),
    (facts(score="5"), ["below_minimum"]),
    (facts(score="5", is_critical=True), ["critical_below_minimum"]),
    (facts(classification="major", score="4", overdue=True), ["major_open", "corrections_overdue", "below_minimum"]),
    (facts(classification="minor", score="4", correction_accepted=True, score_after_correction=Decimal("6")), []),
    (facts(classification="major", score="4", correction_accepted=True, score_after_correction=Decimal("5")),
     ["below_minimum"]),
    # an accepted correction without a score after it: the finding's own score counts
    (facts(classification="minor", score="5", correction_accepted=True), ["below_minimum"]),
])
def test_each_reason(finding, kinds):
    result = compute([finding], minimum=MIN)
    assert [r.kind for r in result.reasons] == kinds
    assert result.positive is (kinds == [])


def test_reasons_are_stored_as_data_and_read_in_the_readers_language():
    data = compute([facts("2.2", "major", "4"), facts("3.1", score="5", is_critical=True)], minimum=MIN).as_data()
    assert data == [
        {"kind": "critical_below_minimum", "criteria": ["3.1"], "minimum": "5.5"},
        {"kind": "major_open", "criteria": ["2.2"], "minimum": "5.5"},
        {"kind": "below_minimum", "criteria": ["2.2"], "minimum": "5.5"},
    ]
    with override("en"):
        assert reason_texts(data)[0] == "Critical criteria with a verified score below the minimum of 5.5: 3.1."
    with override("nl"):
        assert "5,5" in reason_texts(data)[0]


def test_unknown_stored_reasons_are_skipped():
    assert reason_texts([{"kind": "gone", "criteria": ["1.1"]}]) == []
