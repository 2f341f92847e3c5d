"""The assessment's rules (workflows/assessment/rules.py): what its events say, and for each command the
legal step and every refusal.

Dates follow docs/statute.md §1.1-1.2: a request received Mon 6 Jan 2025; the decision to assess on
Mon 17 Feb (6 weeks); advice asked that day is due 6 weeks later, Mon 31 Mar (reg 8(1)); the decision to
issue on 7 Apr; the draft served on Mon 14 Apr, so the 15 days for representations beginning with that day
run to Mon 28 Apr and the final plan may be issued from Tue 29 Apr (reg 13(1)(a), R2).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.unit.workflows.builders import AGENCY, AGENCY_ID, CASEWORKER, MANAGER, D, deadline, ev, refusal
from workflows.assessment import exceptions, later, rules
from workflows.assessment.messages import (
    ApproveException,
    AssessmentStart,
    ClaimException,
    ConsultSchool,
    DecideAssessment,
    DecideIssue,
    ExceptionClaim,
    IssueFinalPlan,
    RecordSchoolResponse,
    RequestFurtherAdvice,
    ServeDraft,
    Withdraw,
)
from workflows.assessment.rules import AssessmentFacts
from workflows.common.messages import AdviceSpec, ChildRecord, DeadlineView, SchoolClosure, Stage
from workflows.common.rules import advice_requested

TODAY = D("2025-06-02")
REQUEST = ev("request_received", "2025-01-06")
CHILD = ChildRecord(given_name="Ada", family_name="Lovelace", date_of_birth=D("2015-12-10"), year_group=4)
START = AssessmentStart(case_id=uuid.UUID(int=7), la_code="878", received_on=REQUEST.date, child=CHILD)
DECIDED = {
    "decision_to_assess": D("2025-02-17"),
    "decision_to_issue": D("2025-04-07"),
    "draft_served": D("2025-04-14"),
    "final_issued": D("2025-05-12"),
}
ASSESS = ev("decision_to_assess", "2025-02-17", outcome="assess")
SERVED = ev("draft_served", "2025-04-14")


def spec(advice_id: str, advice: str, **fields: Any) -> AdviceSpec:
    return AdviceSpec(advice_id=advice_id, advice=advice, agency_id=AGENCY_ID, **fields)


# Reg 6(1)(a)-(e): the advice every assessment seeks; a child in year 4 needs no (g).
REQUIRED = [
    spec("parent", "parent"),
    spec("school", "educational"),
    spec("health", "medical"),
    spec("ep", "psychological"),
    spec("social", "social_care"),
]
ADVICE_DUE = "2025-03-31"
ADVICE_DEADLINES = [deadline("advice", ADVICE_DUE, start=ASSESS, id=a.advice_id) for a in REQUIRED]


def facts(
    stage: Stage,
    *,
    start: AssessmentStart = START,
    deadlines: Sequence[DeadlineView] = (),
    decided: Sequence[str] = (),
    advice: Sequence[AdviceSpec] = (),
    received: Mapping[str, date] | None = None,
    excepted: Sequence[str] = (),
    consulted: Mapping[str, date] | None = None,
    responded: Sequence[str] = (),
    claims: Sequence[ExceptionClaim] = (),
) -> AssessmentFacts:
    """An assessment at `stage`, with the steps named in `decided` taken on the days of DECIDED."""
    return AssessmentFacts(
        start=start,
        stage=stage,
        deadlines=list(deadlines),
        today=TODAY,
        decided={step: DECIDED[step] for step in decided},
        advice={a.advice_id: a for a in advice},
        received=dict(received or {}),
        excepted_advice=set(excepted),
        consulted=dict(consulted or {}),
        responded=set(responded),
        claims={c.claim_id: c for c in claims},
    )


GATHERING = facts(
    Stage.GATHERING_ADVICE, decided=["decision_to_assess"], advice=REQUIRED, deadlines=ADVICE_DEADLINES
)
DRAFTING = facts(Stage.DRAFTING, decided=["decision_to_assess", "decision_to_issue"])
DRAFT_SERVED = facts(
    Stage.DRAFT_SERVED,
    decided=["decision_to_assess", "decision_to_issue", "draft_served"],
    deadlines=[deadline("representations_end", "2025-04-28", start=SERVED)],
    consulted={"Oak": D("2025-04-15")},
)
ADVICE_IN = facts(
    Stage.DECIDING_WHETHER_TO_ISSUE,
    decided=["decision_to_assess"],
    advice=REQUIRED,
    deadlines=ADVICE_DEADLINES,
    received={a.advice_id: D("2025-03-20") for a in REQUIRED},
)
FINAL_ISSUED = facts(Stage.FINAL_ISSUED, decided=list(DECIDED))

Check = Callable[[AssessmentFacts, Any], None]


def decide_assessment(**fields: Any) -> DecideAssessment:
    return DecideAssessment.model_validate(
        {"actor": CASEWORKER, "outcome": "assess", "decided_on": D("2025-02-17"), "advice": REQUIRED} | fields
    )


def claim(**fields: Any) -> ClaimException:
    """A missed appointment with the educational psychologist: a reg 8(2)(c) exception to its advice."""
    return ClaimException.model_validate(
        {
            "actor": CASEWORKER,
            "deadline": "advice",
            "advice_id": "ep",
            "kind": "missed_appointment",
            "start": D("2025-03-03"),
            "evidence": "the family missed the EP's visit",
            "claimed_on": D("2025-03-10"),
        }
        | fields
    )


ACCEPTED = ExceptionClaim(
    claim_id="c1",
    deadline="advice",
    kind="missed_appointment",
    advice_id="ep",
    accepted=True,
    reason="reg 8(2)(c)",
    claimed_by=CASEWORKER.actor_id,
    claimed_on=D("2025-03-10"),
)
APPROVE = ApproveException(actor=MANAGER, claim_id="c1", approved_on=D("2025-03-11"))


@dataclass(frozen=True)
class Step:
    """A command in a case where it is legal; `not_before` is the day of the step before it."""

    name: str
    check: Check
    case: AssessmentFacts
    cmd: Any
    not_before: date

    @property
    def field(self) -> str:
        """The command's date field."""
        fields: list[str] = [f for f in type(self.cmd).model_fields if f.endswith("_on")]
        return fields[0]


STEPS = [
    Step(
        "decide_assessment",
        rules.check_decide_assessment,
        facts(Stage.AWAITING_DECISION_TO_ASSESS),
        decide_assessment(),
        REQUEST.date,
    ),
    Step(
        "decide_issue",
        rules.check_decide_issue,
        ADVICE_IN,
        DecideIssue(actor=CASEWORKER, outcome="issue", decided_on=D("2025-04-07")),
        DECIDED["decision_to_assess"],
    ),
    Step(
        "serve_draft",
        rules.check_serve_draft,
        DRAFTING,
        ServeDraft(actor=CASEWORKER, served_on=D("2025-04-14")),
        DECIDED["decision_to_issue"],
    ),
    Step(
        "consult_school",
        rules.check_consult_school,
        DRAFT_SERVED,
        ConsultSchool(actor=CASEWORKER, school="Elm", consulted_on=D("2025-04-15")),
        DECIDED["draft_served"],
    ),
    Step(
        "record_school_response",
        rules.check_record_school_response,
        DRAFT_SERVED,
        RecordSchoolResponse(actor=CASEWORKER, school="Oak", responded_on=D("2025-04-25")),
        D("2025-04-15"),  # when Oak was consulted
    ),
    Step(
        "issue_final_plan",
        rules.check_issue_final_plan,
        DRAFT_SERVED,
        IssueFinalPlan(actor=CASEWORKER, issued_on=D("2025-04-29")),
        DECIDED["draft_served"],
    ),
    Step("claim_exception", exceptions.check_claim_exception, GATHERING, claim(), REQUEST.date),
    Step(
        "approve_exception",
        exceptions.check_approve_exception,
        facts(Stage.GATHERING_ADVICE, claims=[ACCEPTED]),
        APPROVE,
        ACCEPTED.claimed_on,
    ),
    Step(
        "withdraw",
        rules.check_withdraw,
        GATHERING,
        Withdraw(actor=CASEWORKER, withdrawn_on=D("2025-03-10")),
        REQUEST.date,
    ),
]
BY_NAME = {step.name: step for step in STEPS}


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_the_legal_step_passes(step: Step) -> None:
    step.check(step.case, step.cmd)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_an_agency_cannot_take_an_assessment_step(step: Step) -> None:
    refusal(step.check, step.case, step.cmd.model_copy(update={"actor": AGENCY}), "Forbidden", "agency")


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_an_assessment_step_is_not_dated_before_the_step_before(step: Step) -> None:
    early = step.not_before - timedelta(days=1)
    refusal(
        step.check,
        step.case,
        step.cmd.model_copy(update={step.field: early}),
        "InvalidInput",
        f"{step.field}: {early} is before {step.not_before}",
    )


def test_an_assessment_step_may_be_dated_tomorrow_but_no_later() -> None:
    """A day's grace: the workflow's clock is UTC, the council's England."""
    case = facts(Stage.AWAITING_DECISION_TO_ASSESS)
    rules.check_decide_assessment(case, decide_assessment(decided_on=TODAY + timedelta(days=1)))
    late = decide_assessment(decided_on=TODAY + timedelta(days=2))
    refusal(
        rules.check_decide_assessment, case, late, "InvalidInput", "decided_on: 2025-06-04 is in the future"
    )


# ---- the decision whether to assess (reg 5; reg 6 advice) ----


def test_the_decision_whether_to_assess_is_made_once() -> None:
    refusal(
        rules.check_decide_assessment,
        GATHERING,
        decide_assessment(),
        "IllegalStep",
        "whether to assess was already made on 2025-02-17",
    )
    withdrawn = facts(Stage.WITHDRAWN)
    refusal(
        rules.check_decide_assessment, withdrawn, decide_assessment(), "IllegalStep", "the case is withdrawn"
    )


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (
            {"outcome": "refuse", "advice": [], "reasons": " "},
            "reasons: a refusal must give reasons against the s.36(8) test",
        ),
        ({"outcome": "refuse", "reasons": "no SEN"}, "advice: a refusal to assess requests no advice"),
        ({"advice": [*REQUIRED, spec("ep", "other")]}, "advice: each advice_id must be different"),
        ({"advice": REQUIRED[:3] + REQUIRED[4:]}, "advice: reg 6(1)(d) requires psychological advice"),
        ({"advice": REQUIRED[1:]}, "advice: reg 6(1)(a) requires parent advice"),
    ],
)
def test_a_decision_to_assess_refusals(fields: dict[str, Any], words: str) -> None:
    case = facts(Stage.AWAITING_DECISION_TO_ASSESS)
    refusal(rules.check_decide_assessment, case, decide_assessment(**fields), "InvalidInput", words)


def test_a_refusal_to_assess_with_reasons_passes() -> None:
    cmd = decide_assessment(outcome="refuse", advice=[], reasons="no evidence of SEN")
    rules.check_decide_assessment(facts(Stage.AWAITING_DECISION_TO_ASSESS), cmd)


def test_a_child_in_year_9_needs_advice_on_preparing_for_adulthood() -> None:
    older = START.model_copy(update={"child": CHILD.model_copy(update={"year_group": 9})})
    case = facts(Stage.AWAITING_DECISION_TO_ASSESS, start=older)
    refusal(
        rules.check_decide_assessment,
        case,
        decide_assessment(),
        "InvalidInput",
        "reg 6(1)(g)",
        "preparing_for_adulthood",
    )
    rules.check_decide_assessment(
        case, decide_assessment(advice=[*REQUIRED, spec("pfa", "preparing_for_adulthood")])
    )


def test_each_adviser_the_parent_asks_for_is_asked() -> None:
    """Reg 6(1)(h): one request for each adviser the parent reasonably asks for."""
    asked = START.model_copy(update={"parent_requested": ["speech therapist", "occupational therapist"]})
    case = facts(Stage.AWAITING_DECISION_TO_ASSESS, start=asked)
    one = [*REQUIRED, spec("salt", "requested_by_parent")]
    refusal(rules.check_decide_assessment, case, decide_assessment(advice=one), "InvalidInput", "reg 6(1)(h)")
    rules.check_decide_assessment(case, decide_assessment(advice=[*one, spec("ot", "requested_by_parent")]))


# ---- the decision whether to issue (reg 10), the draft, the schools, the final plan (regs 11-13) ----

ISSUE = BY_NAME["decide_issue"].cmd


@pytest.mark.parametrize(
    ("stage", "decided", "words"),
    [
        (
            Stage.DRAFTING,
            ["decision_to_assess", "decision_to_issue"],
            "whether to issue a plan was already made on 2025-04-07",
        ),
        (
            Stage.AWAITING_DECISION_TO_ASSESS,
            [],
            "the case is awaiting_decision_to_assess; decide whether to assess first",
        ),
    ],
)
def test_the_decision_whether_to_issue_follows_the_assessment_once(
    stage: Stage, decided: list[str], words: str
) -> None:
    refusal(rules.check_decide_issue, facts(stage, decided=decided), ISSUE, "IllegalStep", words)


@pytest.mark.parametrize(
    ("decided_on", "received", "excepted", "legal"),
    [
        (ADVICE_DUE, {}, [], False),  # the adviser has until the end of its due day (reg 8(1))
        ("2025-04-01", {}, [], True),  # overdue: the LA need not wait for it
        (ADVICE_DUE, {"ep": D("2025-03-28")}, [], True),
        (ADVICE_DUE, {}, ["ep"], True),  # a reg 8(2) exception approved
        ("2025-03-27", {"ep": D("2025-03-28")}, [], False),  # dated before the advice it had came
        ("2025-04-02", {"ep": D("2025-04-05")}, [], True),  # the advice came late: it was not waited for
    ],
)
def test_the_decision_to_issue_waits_for_advice_until_it_is_due(
    decided_on: str, received: dict[str, date], excepted: list[str], legal: bool
) -> None:
    others = {a.advice_id: D("2025-03-20") for a in REQUIRED if a.advice_id != "ep"}
    case = facts(
        Stage.GATHERING_ADVICE,
        decided=["decision_to_assess"],
        advice=REQUIRED,
        deadlines=ADVICE_DEADLINES,
        received=others | received,
        excepted=excepted,
    )
    cmd = ISSUE.model_copy(update={"decided_on": D(decided_on)})
    if legal:
        rules.check_decide_issue(case, cmd)
    else:
        refusal(
            rules.check_decide_issue,
            case,
            cmd,
            "IllegalStep",
            f"advice 'ep' is still awaited (due {ADVICE_DUE})",
        )


@pytest.mark.parametrize(
    ("case", "words"),
    [
        (DRAFT_SERVED, "the draft plan was already served on 2025-04-14"),
        (GATHERING, "the case is gathering_advice; a draft follows a decision to issue a plan"),
    ],
)
def test_a_draft_is_served_once_after_a_decision_to_issue(case: AssessmentFacts, words: str) -> None:
    refusal(rules.check_serve_draft, case, BY_NAME["serve_draft"].cmd, "IllegalStep", words)


@pytest.mark.parametrize(
    ("case", "school", "words"),
    [
        (DRAFTING, "Elm", "the case is drafting; schools are consulted once the draft is served"),
        (DRAFT_SERVED, "Oak", "'Oak' was already consulted on 2025-04-15"),
    ],
)
def test_a_school_is_consulted_once_on_the_served_draft(
    case: AssessmentFacts, school: str, words: str
) -> None:
    cmd = ConsultSchool(actor=CASEWORKER, school=school, consulted_on=D("2025-04-16"))
    refusal(rules.check_consult_school, case, cmd, "IllegalStep", words)


@pytest.mark.parametrize(
    ("school", "responded", "words"),
    [
        ("Elm", [], "'Elm' was not consulted on this case"),
        ("Oak", ["Oak"], "'Oak' has already responded"),
    ],
)
def test_a_consulted_school_responds_once(school: str, responded: list[str], words: str) -> None:
    case = facts(Stage.DRAFT_SERVED, consulted={"Oak": D("2025-04-15")}, responded=responded)
    cmd = RecordSchoolResponse(actor=CASEWORKER, school=school, responded_on=D("2025-04-25"))
    refusal(rules.check_record_school_response, case, cmd, "IllegalStep", words)


def test_the_final_plan_follows_the_representations_window() -> None:
    cmd = IssueFinalPlan(actor=CASEWORKER, issued_on=D("2025-04-28"))
    refusal(
        rules.check_issue_final_plan,
        DRAFT_SERVED,
        cmd,
        "IllegalStep",
        "runs to 2025-04-28 (reg 13(1)(a))",
        "can be issued from 2025-04-29",
    )


@pytest.mark.parametrize(
    ("case", "words"),
    [
        (FINAL_ISSUED, "the final plan was already issued on 2025-05-12"),
        (DRAFTING, "the case is drafting; a final plan follows a served draft"),
    ],
)
def test_the_final_plan_is_issued_once_after_a_draft(case: AssessmentFacts, words: str) -> None:
    refusal(rules.check_issue_final_plan, case, BY_NAME["issue_final_plan"].cmd, "IllegalStep", words)


# ---- exceptions (regs 5(4), 8(2), 10(4), 13(3)) ----

CLAIMING = facts(
    Stage.GATHERING_ADVICE,
    decided=["decision_to_assess"],
    advice=REQUIRED,
    deadlines=[*ADVICE_DEADLINES, deadline("final_plan", "2025-05-26", start=REQUEST)],
)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"deadline": "review_due", "advice_id": None}, "deadline: this case has no review_due deadline"),
        ({"advice_id": None}, "advice_id: give it for an advice deadline, and only then"),
        (
            {"deadline": "final_plan", "kind": "absence"},
            "advice_id: give it for an advice deadline, and only then",
        ),
        ({"advice_id": "ot"}, "advice_id: no advice request 'ot' on this case"),
        (
            {"deadline": "final_plan", "advice_id": None, "kind": "school_closure"},
            "school: a school_closure names the school",
        ),
        (
            {"deadline": "final_plan", "advice_id": None, "kind": "early_years_closure"},
            "school: an early_years_closure names the school",
        ),
        ({"start": None}, "start: a missed_appointment needs the day it began"),
        ({"kind": "absence", "start": None}, "start: an absence needs the day it began"),
        (
            {"kind": "personal_circumstances", "start": None},
            "start: a personal_circumstances needs the day it began",
        ),
        ({"end": D("2025-03-02")}, "end: is before start"),
        ({"evidence": "  "}, "evidence: say what the claim rests on"),
    ],
)
def test_a_claimed_exception_is_refused_when_a_field_is_wrong(fields: dict[str, Any], words: str) -> None:
    refusal(exceptions.check_claim_exception, CLAIMING, claim(**fields), "InvalidInput", words)


@pytest.mark.parametrize(
    "fields",
    [
        {
            "deadline": "final_plan",
            "advice_id": None,
            "kind": "school_closure",
            "school": "Oak",
            "start": None,
        },
        {
            "deadline": "final_plan",
            "advice_id": None,
            "kind": "personal_circumstances",
            "end": D("2025-03-03"),
        },
    ],
)
def test_a_claimed_exception_with_its_fields_passes(fields: dict[str, Any]) -> None:
    exceptions.check_claim_exception(CLAIMING, claim(**fields))


@pytest.mark.parametrize("stage", [Stage.FINAL_ISSUED, Stage.WITHDRAWN, Stage.CLOSED])
def test_no_exception_is_claimed_on_a_finished_case(stage: Stage) -> None:
    refusal(
        exceptions.check_claim_exception, facts(stage), claim(), "IllegalStep", f"the case is {stage.value}"
    )


def test_only_a_manager_approves_an_exception() -> None:
    case = facts(Stage.GATHERING_ADVICE, claims=[ACCEPTED])
    refusal(
        exceptions.check_approve_exception,
        case,
        APPROVE.model_copy(update={"actor": CASEWORKER}),
        "Forbidden",
        "needs a manager",
    )


@pytest.mark.parametrize(
    ("held", "kind", "words"),
    [
        ([], "InvalidInput", "claim_id: no exception claim 'c1' on this case"),
        (
            [ACCEPTED.model_copy(update={"approved_by": MANAGER.actor_id, "approved_on": D("2025-03-11")})],
            "IllegalStep",
            "the claim was already approved on 2025-03-11",
        ),
        (
            [ACCEPTED.model_copy(update={"accepted": False, "reason": "a waiting list is not an exception"})],
            "IllegalStep",
            "the law does not allow this exception: a waiting list is not an exception",
        ),
    ],
)
def test_an_exception_is_approved_once_and_only_if_the_law_allows_it(
    held: list[ExceptionClaim], kind: str, words: str
) -> None:
    refusal(
        exceptions.check_approve_exception, facts(Stage.GATHERING_ADVICE, claims=held), APPROVE, kind, words
    )


# ---- withdrawal ----


@pytest.mark.parametrize("stage", [Stage.AWAITING_DECISION_TO_ASSESS, Stage.DRAFT_SERVED])
def test_a_request_is_withdrawn_while_undecided(stage: Stage) -> None:
    rules.check_withdraw(facts(stage), Withdraw(actor=CASEWORKER, withdrawn_on=D("2025-03-10")))


# A refusal's appeal window is open: the case is decided, not withdrawn.
@pytest.mark.parametrize(
    "stage",
    [
        Stage.FINAL_ISSUED,
        Stage.WITHDRAWN,
        Stage.CLOSED,
        Stage.REFUSED_TO_ASSESS,
        Stage.NOT_ISSUED,
        Stage.APPEALED,
    ],
)
def test_a_decided_or_finished_case_is_not_withdrawn(stage: Stage) -> None:
    cmd = Withdraw(actor=CASEWORKER, withdrawn_on=D("2025-03-10"))
    refusal(rules.check_withdraw, facts(stage), cmd, "IllegalStep", f"the case is {stage.value}")


# ---- what the events say ----


@pytest.mark.parametrize(
    ("fields", "event"),
    [
        ({"source": "school"}, {"event": "request_received", "date": REQUEST.date, "source": "school"}),
        ({}, {"event": "request_received", "date": REQUEST.date}),
        ({"brought_to_attention": True}, {"event": "brought_to_attention", "date": REQUEST.date}),
    ],
)
def test_first_event(fields: dict[str, Any], event: dict[str, Any]) -> None:
    assert rules.first_event(START.model_copy(update=fields)).model_dump() == event


def test_advice_requested() -> None:
    on = D("2025-02-17")
    bare = advice_requested(spec("ep", "psychological"), on)
    assert bare.model_dump() == {
        "event": "advice_requested",
        "date": on,
        "id": "ep",
        "advice": "psychological",
    }
    school = advice_requested(
        spec("school", "educational", school="Oak", received_by_body=D("2025-02-19")), on
    )
    assert school.model_dump() == {
        "event": "advice_requested",
        "date": on,
        "id": "school",
        "advice": "educational",
        "school": "Oak",
        "received_by_body": D("2025-02-19"),
    }


def test_exception_event_leaves_out_what_the_claim_does_not_say() -> None:
    event = exceptions.exception_event(claim(), approved_by=None)
    assert event.model_dump() == {
        "event": "exception",
        "date": D("2025-03-10"),
        "deadline": "advice",
        "kind": "missed_appointment",
        "advice_id": "ep",
        "start": D("2025-03-03"),
        "evidence": "the family missed the EP's visit",
    }
    approved = exceptions.exception_event(claim(), approved_by="manager-1")
    assert approved.model_dump()["approved_by"] == "manager-1"


def test_timeline_request_carries_the_childs_facts() -> None:
    closure = SchoolClosure(school="Oak", first_closed=D("2025-07-23"), reopens=D("2025-09-03"))
    child = CHILD.model_copy(update={"year_group": 10, "visual_impairment": True, "hearing_impairment": True})
    start = START.model_copy(
        update={"child": child, "parent_requested": ["ot"], "school_closures": [closure]}
    )
    now = datetime(2025, 3, 1, 9, tzinfo=UTC)
    request = rules.timeline_request(start, [REQUEST], now, reused=["psychological"])
    assert request.model_dump() == {
        "events": [REQUEST.model_dump()],
        "school_closures": [closure.model_dump()],
        "year_group": 10,
        "visual_impairment": True,
        "hearing_impairment": True,
        "parent_requested": ["ot"],
        "existing_advice": ["psychological"],
        "now": now,
        "conventions": {},
    }


@pytest.mark.parametrize(
    ("stage", "received", "appeal", "now"),
    [
        (Stage.GATHERING_ADVICE, list(DECIDED), None, Stage.GATHERING_ADVICE),  # some advice still out
        (Stage.GATHERING_ADVICE, [a.advice_id for a in REQUIRED], None, Stage.DECIDING_WHETHER_TO_ISSUE),
        (Stage.REFUSED_TO_ASSESS, [], "open", Stage.REFUSED_TO_ASSESS),
        (Stage.REFUSED_TO_ASSESS, [], "closed", Stage.CLOSED),
        (Stage.NOT_ISSUED, [], "met", Stage.CLOSED),  # the window used, no appeal step: nothing awaited
        (Stage.APPEALED, [], "met", Stage.APPEALED),  # the appeal recorded: the case waits for the tribunal
        (Stage.APPEALED, [], "closed", Stage.APPEALED),
        (Stage.FINAL_ISSUED, [], "closed", Stage.FINAL_ISSUED),
    ],
)
def test_stage_now(stage: Stage, received: list[str], appeal: str | None, now: Stage) -> None:
    notice = ev("decision_notice_sent", "2025-02-17", decision="refuse_assess")
    deadlines = [deadline("appeal", "2025-04-17", start=notice, status=appeal)] if appeal else []
    case = facts(
        stage,
        advice=REQUIRED,
        deadlines=deadlines,
        received={advice_id: D("2025-03-20") for advice_id in received},
    )
    assert rules.stage_now(stage, case) is now


def test_stage_now_waits_for_advice_only_once_some_was_asked() -> None:
    assert rules.stage_now(Stage.GATHERING_ADVICE, facts(Stage.GATHERING_ADVICE)) is Stage.GATHERING_ADVICE


def test_the_latest_appeal_window_decides_whether_the_case_closed() -> None:
    first = ev("decision_notice_sent", "2025-02-17", decision="refuse_assess")
    again = ev("decision_notice_sent", "2025-06-02", decision="refuse_assess")
    deadlines = [
        deadline("appeal", "2025-08-04", start=again),
        deadline("appeal", "2025-04-17", start=first, status="closed"),
    ]
    case = facts(Stage.REFUSED_TO_ASSESS, deadlines=deadlines)
    assert rules.stage_now(Stage.REFUSED_TO_ASSESS, case) is Stage.REFUSED_TO_ASSESS


def test_advice_dues_by_advice_id() -> None:
    deadlines = [*ADVICE_DEADLINES[:2], deadline("final_plan", "2025-05-26", start=REQUEST)]
    assert rules.advice_dues(deadlines) == {"parent": D(ADVICE_DUE), "school": D(ADVICE_DUE)}


# ---- steps the law forbids (issue 9 s.5) ----


def test_the_final_plan_names_only_a_school_that_was_consulted() -> None:
    cmd = IssueFinalPlan(actor=CASEWORKER, issued_on=D("2025-05-12"), school_named="Elm")
    refusal(
        rules.check_issue_final_plan,
        DRAFT_SERVED,
        cmd,
        "IllegalStep",
        "school_named: 'Elm' was not consulted on being named",
        "consult it first",
    )


def test_the_final_plan_may_name_the_school_consulted_or_none() -> None:
    for school in ("Oak", None):
        cmd = IssueFinalPlan(actor=CASEWORKER, issued_on=D("2025-05-12"), school_named=school)
        rules.check_issue_final_plan(DRAFT_SERVED, cmd)


def test_a_manager_does_not_approve_their_own_claim() -> None:
    own = ACCEPTED.model_copy(update={"claimed_by": MANAGER.actor_id})
    case = facts(Stage.GATHERING_ADVICE, decided=["decision_to_assess"], advice=REQUIRED, claims=[own])
    refusal(exceptions.check_approve_exception, case, APPROVE, "Forbidden", "someone other than who made it")


# ---- advice asked later (issue 11 s.3) ----


def further(on: str = "2025-03-03", *advice: AdviceSpec, actor: Any = CASEWORKER) -> RequestFurtherAdvice:
    return RequestFurtherAdvice(
        actor=actor, requested_on=D(on), advice=list(advice) or [spec("ot", "other")], reasons=""
    )


@pytest.mark.parametrize("at", [GATHERING, ADVICE_IN], ids=["gathering", "all advice in"])
def test_further_advice_is_asked_between_the_two_decisions(at: AssessmentFacts) -> None:
    later.check_request_further_advice(at, further())


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (facts(Stage.AWAITING_DECISION_TO_ASSESS), "between the decision to assess"),
        (DRAFTING, "between the decision to assess"),
    ],
)
def test_further_advice_before_the_decision_or_after_the_next_is_refused(
    at: AssessmentFacts, words: str
) -> None:
    refusal(later.check_request_further_advice, at, further(), "IllegalStep", words)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (further("2025-02-14"), "requested_on: 2025-02-14 is before 2025-02-17"),
        (further("2025-03-03", spec("ep", "psychological")), "already has an advice request 'ep'"),
        (further("2025-03-03", spec("ot", "other"), spec("ot", "other")), "each advice_id must be different"),
        (
            further("2025-03-03", spec("ot", "other", received_by_body=D("2025-03-01"))),
            "received by its body before it was asked",
        ),
    ],
)
def test_further_advice_that_cannot_be_is_refused_naming_the_field(
    command: RequestFurtherAdvice, words: str
) -> None:
    refusal(later.check_request_further_advice, GATHERING, command, "InvalidInput", words)


def test_an_agency_cannot_ask_for_further_advice() -> None:
    refusal(later.check_request_further_advice, GATHERING, further(actor=AGENCY), "Forbidden", "agency")
