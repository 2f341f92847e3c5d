"""Facts that reach the case after the request (issue 11 s.3-4): a school's closure learned later is judged
as one recorded with the request, advice asked later has its own clock, and every wrong way of recording
either is refused before it is written."""

from __future__ import annotations

from datetime import timedelta

from workflows.advice.messages import SubmitAdvice
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.messages import (
    ClaimException,
    DecideAssessment,
    DecideParentRequest,
    ExistingAdviceUse,
    RecordSchoolClosure,
    RequestFurtherAdvice,
)
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.messages import AdviceSpec, SchoolClosure, Stage

from .conftest import AGENCIES, CASEWORKER, Harness, advice_set, agency, eventually, new_start, refused


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


async def test_advice_asked_after_the_decision_has_its_own_six_weeks(harness: Harness) -> None:
    """Issue 11 s.3: a body newly involved ten days after the decision is asked for advice; its 6 weeks
    run from the day it received the request, and the case waits for its answer as for the first five."""
    h = harness
    today = await h.today()
    start = new_start(today)
    handle, _ = await h.open_case(start)
    early = RequestFurtherAdvice(
        actor=CASEWORKER,
        requested_on=today,
        advice=[AdviceSpec(advice_id="ot", advice="other", agency_id=AGENCIES["health"])],
    )
    not_yet = await refused(handle, AssessmentWorkflow.request_further_advice, early)
    assert "further advice is asked between the decision to assess" in not_yet.message
    await handle.execute_update(
        AssessmentWorkflow.decide_assessment,
        DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set()),
    )
    await h.env.sleep(timedelta(days=10))
    asked_on = today + timedelta(days=10)
    received = asked_on + timedelta(days=2)  # by post: the body had it two days later
    later = early.model_copy(
        update={
            "requested_on": asked_on,
            "advice": [
                AdviceSpec(
                    advice_id="ot", advice="other", agency_id=AGENCIES["health"], received_by_body=received
                )
            ],
            "reasons": "Occupational therapy became involved.",
        }
    )
    state = await handle.execute_update(AssessmentWorkflow.request_further_advice, later)
    ot = next(d for d in state.deadlines if d.deadline == "advice" and d.id == "ot")
    assert (ot.due, ot.from_date) == (received + timedelta(weeks=6), received)
    first = next(d for d in state.deadlines if d.deadline == "advice" and d.id == "ep")
    assert first.due == today + timedelta(weeks=6)  # the first requests keep their own clocks
    await eventually(lambda: sum(r.case_id == start.case_id for r in h.fakes.advice_requests) == 6)
    again = await refused(handle, AssessmentWorkflow.request_further_advice, later)
    assert (again.type, again.message) == (
        "InvalidInput",
        "advice: the case already has an advice request 'ot'; name it anew",
    )
    decided = [d for d in h.fakes.decisions if d.kind == "further_advice"]
    assert [(d.outcome, d.reasons) for d in decided] == [("ot", "Occupational therapy became involved.")]

    kinds = {"educational": "school", "medical": "health", "psychological": "ep", "social_care": "social"}
    for spec in advice_set():
        await h.advice_handle(start.case_id, spec.advice_id).execute_update(
            AdviceRequestWorkflow.submit_advice,
            SubmitAdvice(actor=agency(kinds.get(spec.advice, "parent")), received_on=asked_on),
        )
    await h.env.sleep(timedelta(seconds=5))
    state = await handle.query(AssessmentWorkflow.state)
    assert state.stage is Stage.GATHERING_ADVICE  # the OT's advice is still awaited
    await h.advice_handle(start.case_id, "ot").execute_update(
        AdviceRequestWorkflow.submit_advice, SubmitAdvice(actor=agency("health"), received_on=asked_on)
    )
    for _ in range(20):
        state = await handle.query(AssessmentWorkflow.state)
        if state.stage is Stage.DECIDING_WHETHER_TO_ISSUE:
            break
        await h.env.sleep(timedelta(seconds=1))
    assert state.stage is Stage.DECIDING_WHETHER_TO_ISSUE
    assert set(state.advice_received) == {"parent", "school", "health", "ep", "social", "ot"}


async def test_the_parents_request_for_an_adviser_is_decided_with_its_reasons(harness: Harness) -> None:
    """Issue 11 s.3, reg 6(1)(h): the LA records whether the parent's request for advice from a person is
    reasonable; found not, with the reasons, that advice is no longer required at the decision."""
    h = harness
    today = await h.today()
    start = new_start(today).model_copy(update={"parent_requested": ["Dr Patel", "Ms Khan"]})
    handle, _ = await h.open_case(start)
    assess = DecideAssessment(actor=CASEWORKER, outcome="assess", decided_on=today, advice=advice_set())
    without = await refused(handle, AssessmentWorkflow.decide_assessment, assess)
    assert (without.type, without.message.split(":")[0]) == ("InvalidInput", "advice")
    unreasoned = DecideParentRequest(actor=CASEWORKER, person="Dr Patel", reasonable=False, decided_on=today)
    assert (
        await refused(handle, AssessmentWorkflow.decide_parent_request, unreasoned)
    ).type == "InvalidInput"
    nobody = unreasoned.model_copy(update={"person": "Mr Jones", "reasons": "x"})
    assert (
        "asked for no advice from 'Mr Jones'"
        in (await refused(handle, AssessmentWorkflow.decide_parent_request, nobody)).message
    )
    reasons = "The OT's advice of last month covers the same needs."
    for person in ("Dr Patel", "Ms Khan"):
        state = await handle.execute_update(
            AssessmentWorkflow.decide_parent_request,
            DecideParentRequest(
                actor=CASEWORKER, person=person, reasonable=False, decided_on=today, reasons=reasons
            ),
        )
    assert state.parent_requests_refused == {"Dr Patel": reasons, "Ms Khan": reasons}
    again = await refused(
        handle, AssessmentWorkflow.decide_parent_request, unreasoned.model_copy(update={"reasons": reasons})
    )
    assert "already decided" in again.message
    state = await handle.execute_update(AssessmentWorkflow.decide_assessment, assess)
    assert state.stage is Stage.GATHERING_ADVICE
    kinds = [d for d in h.fakes.decisions if d.kind == "parent_request"]
    assert [(d.outcome, d.detail) for d in kinds] == [
        ("not_reasonable", {"person": "Dr Patel"}),
        ("not_reasonable", {"person": "Ms Khan"}),
    ]


async def test_advice_already_held_stands_instead_of_a_request_when_all_three_agree(harness: Harness) -> None:
    """Reg 6(4): the EP's report of last term is sufficient, says the EP, the LA and the parent: no request
    is sent for psychological advice, no clock runs for it, and the other four close the gathering."""
    h = harness
    today = await h.today()
    handle, _ = await h.open_case(new_start(today))
    others = [spec for spec in advice_set() if spec.advice != "psychological"]
    report = ExistingAdviceUse(
        advice="psychological",
        description="EP report by Dr Rao, 3 March",
        adviser_agrees=True,
        la_agrees=True,
        parent_agrees=False,
    )

    def decide(existing: ExistingAdviceUse | None, advice: list[AdviceSpec]) -> DecideAssessment:
        return DecideAssessment(
            actor=CASEWORKER,
            outcome="assess",
            decided_on=today,
            advice=advice,
            existing_advice=[existing] if existing else [],
        )

    cause = await refused(handle, AssessmentWorkflow.decide_assessment, decide(report, others))
    assert cause.message.startswith("existing_advice[0]: reg 6(4) lets advice already held stand only if")
    assert cause.message.endswith("missing: the parent or young person")
    cause = await refused(handle, AssessmentWorkflow.decide_assessment, decide(None, others))
    assert "requires psychological advice" in cause.message
    agreed = report.model_copy(update={"parent_agrees": True})
    cause = await refused(handle, AssessmentWorkflow.decide_assessment, decide(agreed, advice_set()))
    assert (
        cause.message
        == "existing_advice: psychological advice is both asked for and reused under reg 6(4); do one"
    )

    state = await handle.execute_update(AssessmentWorkflow.decide_assessment, decide(agreed, others))
    assert state.advice_reused == [agreed]
    assert sorted(a.advice_id for a in state.advice) == ["health", "parent", "school", "social"]
    assert not [d for d in state.deadlines if d.deadline == "advice" and d.id == "ep"]
    await eventually(lambda: any(d.kind == "existing_advice:psychological" for d in h.fakes.decisions))
    reused = next(d for d in h.fakes.decisions if d.kind == "existing_advice:psychological")
    assert (reused.outcome, reused.reasons) == ("reused", "EP report by Dr Rao, 3 March")
    kinds = {"educational": "school", "medical": "health", "social_care": "social"}
    await eventually(lambda: sum(r.case_id == state.case_id for r in h.fakes.advice_requests) == 4)
    for spec in others:
        await h.advice_handle(state.case_id, spec.advice_id).execute_update(
            AdviceRequestWorkflow.submit_advice,
            SubmitAdvice(actor=agency(kinds.get(spec.advice, "parent")), received_on=today),
        )
    for _ in range(20):  # the four answers close the gathering: the reused advice is not awaited
        state = await handle.query(AssessmentWorkflow.state)
        if state.stage is Stage.DECIDING_WHETHER_TO_ISSUE:
            break
        await h.env.sleep(timedelta(seconds=1))
    assert state.stage is Stage.DECIDING_WHETHER_TO_ISSUE
