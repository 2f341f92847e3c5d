"""Facts that reach the case after the request (issue 11 s.4): a school's closure learned later is judged
as one recorded with the request, and every wrong way of recording it is refused before it is written."""

from __future__ import annotations

from datetime import timedelta

from workflows.assessment.messages import ClaimException, DecideAssessment, RecordSchoolClosure
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.messages import SchoolClosure

from .conftest import CASEWORKER, Harness, advice_set, agency, eventually, new_start, refused


async def test_a_closure_learned_after_the_request_decides_the_school_advice_exception(
    harness: Harness,
) -> None:
    h = harness
    today = await h.today()
    handle, _ = await h.open_case(new_start(today))
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()),
    )

    def claim() -> ClaimException:
        return ClaimException(
            actor=CASEWORKER,
            deadline="final_plan",
            kind="school_closure",
            school="Riverside",
            evidence="the school's letter: closed for the summer",
            claimed_on=today,
        )

    state = await handle.execute_update(AssessmentWorkflow.claim_exception, claim(), id="claim-1")
    assert state.claims[0].accepted is False
    assert "no closure of 'Riverside' is recorded" in state.claims[0].reason

    # Closed from 3 days on for 6 weeks: its advice was asked within a week of the closure (reg 13(3)(a)).
    summer = RecordSchoolClosure(
        actor=CASEWORKER,
        school="Riverside",
        first_closed=today + timedelta(days=3),
        reopens=today + timedelta(days=45),
        recorded_on=today,
    )
    state = await handle.execute_update(AssessmentWorkflow.record_school_closure, summer)
    assert state.school_closures == [
        SchoolClosure(school="Riverside", first_closed=summer.first_closed, reopens=summer.reopens)
    ]
    recorded = await eventually(lambda: [d for d in h.fakes.decisions if d.kind == "school_closure"])
    assert (recorded[0].outcome, recorded[0].detail) == (
        "Riverside",
        {"first_closed": summer.first_closed.isoformat(), "reopens": summer.reopens.isoformat()},
    )
    state = await handle.execute_update(AssessmentWorkflow.claim_exception, claim(), id="claim-2")
    assert state.claims[-1].accepted is True, state.claims[-1].reason

    later = {"first_closed": today + timedelta(days=40), "reopens": today + timedelta(days=60)}
    overlapping = summer.model_copy(update=later)
    again = await refused(handle, AssessmentWorkflow.record_school_closure, overlapping)
    assert "already recorded as closed" in again.message
    backwards = summer.model_copy(update={"school": "Hillside", "reopens": summer.first_closed})
    wrong = await refused(handle, AssessmentWorkflow.record_school_closure, backwards)
    assert (wrong.type, wrong.message.split(":")[0]) == ("InvalidInput", "reopens")
    future = summer.model_copy(update={"school": "Hillside", "recorded_on": today + timedelta(days=5)})
    assert (await refused(handle, AssessmentWorkflow.record_school_closure, future)).type == "InvalidInput"
    by_an_agency = summer.model_copy(update={"school": "Hillside", "actor": agency("school")})
    assert (await refused(handle, AssessmentWorkflow.record_school_closure, by_an_agency)).type == "Forbidden"
    assert len((await handle.query(AssessmentWorkflow.state)).school_closures) == 1
