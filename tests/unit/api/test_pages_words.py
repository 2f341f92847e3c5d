"""The pages name every deadline the statute engine computes and every stage a case can be at in words:
a new one (the tribunal's orders, issue 11) showed as "Tribunal notify assess" until it had its own."""

from __future__ import annotations

import pytest

from api.pages import words
from statute.catalogue import CATALOGUE
from workflows.common.messages import Stage


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_deadline_has_its_words(name: str) -> None:
    assert name in words.DEADLINES


@pytest.mark.parametrize("stage", list(Stage), ids=str)
def test_every_stage_has_its_words(stage: Stage) -> None:
    assert stage.value in words.STAGES


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        (
            "existing_advice:psychological",
            "Advice already held stands instead of a request (regulation 6(4)): "
            + words.advice("psychological")[0].lower(),
        ),
        ("exception_claim:advice", "Exception claimed: " + words.deadline("advice").lower()),
        ("exception_approval:final_plan", "Exception approved: " + words.deadline("final_plan").lower()),
        ("decision_to_assess", "Decision to assess"),
    ],
)
def test_a_decision_says_what_it_is_about(kind: str, says: str) -> None:
    assert words.decision(kind) == says


def test_a_recorded_decision_in_the_trail_says_what_it_is_about() -> None:
    assert (
        words.action("decision.exception_claim:advice")
        == "Exception claimed: " + words.deadline("advice").lower()
    )
    assert words.action("decision.decision_to_assess") == "Decision to assess"
    assert words.action("command.decide_assessment.refused") == "Decided whether to assess (refused)"
