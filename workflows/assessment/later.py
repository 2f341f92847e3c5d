"""The rules of what reaches an assessment after the request (issue 11 s.3-4): the LA's decision on the
parent's request for a particular adviser (reg 6(1)(h)), advice asked after the decision to assess, and a
school's closure learned later. Pure functions of the assessment's facts, as in rules.py.
"""

from __future__ import annotations

from workflows.assessment.messages import DecideParentRequest, RecordSchoolClosure, RequestFurtherAdvice
from workflows.assessment.rules import FINISHED, STAFF, AssessmentFacts, closed
from workflows.common.messages import Stage
from workflows.common.rules import check_date, refuse, require_role


def check_decide_parent_request(facts: AssessmentFacts, cmd: DecideParentRequest) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage is not Stage.AWAITING_DECISION_TO_ASSESS:
        raise refuse(
            f"the case is {facts.stage.value}; the parent's requests are decided before the decision to "
            "assess (later advice is asked as further advice)"
        )
    if cmd.person not in facts.start.parent_requested:
        raise refuse(f"person: the parent asked for no advice from '{cmd.person}'", "InvalidInput")
    if cmd.person in facts.parent_requests:
        raise refuse(f"the request for advice from '{cmd.person}' was already decided")
    if not cmd.reasonable and not cmd.reasons.strip():
        raise refuse("reasons: say why the request is not reasonable (reg 6(1)(h))", "InvalidInput")
    check_date(cmd.decided_on, "decided_on", not_before=facts.start.received_on, today=facts.today)


def check_request_further_advice(facts: AssessmentFacts, cmd: RequestFurtherAdvice) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage not in (Stage.GATHERING_ADVICE, Stage.DECIDING_WHETHER_TO_ISSUE):
        raise refuse(
            f"the case is {facts.stage.value}; further advice is asked between the decision to assess "
            "and the decision whether to issue"
        )
    ids = [a.advice_id for a in cmd.advice]
    if len(ids) != len(set(ids)):
        raise refuse("advice: each advice_id must be different", "InvalidInput")
    taken = sorted(set(ids) & set(facts.advice))
    if taken:
        raise refuse(
            f"advice: the case already has an advice request '{taken[0]}'; name it anew", "InvalidInput"
        )
    check_date(
        cmd.requested_on, "requested_on", not_before=facts.decided["decision_to_assess"], today=facts.today
    )
    for spec in cmd.advice:
        if spec.received_by_body is not None and spec.received_by_body < cmd.requested_on:
            raise refuse(
                f"advice: '{spec.advice_id}' was received by its body before it was asked, on "
                f"{cmd.requested_on}",
                "InvalidInput",
            )


def check_record_school_closure(facts: AssessmentFacts, cmd: RecordSchoolClosure) -> None:
    require_role(cmd.actor, *STAFF)
    if facts.stage in FINISHED:
        raise refuse(closed(facts.stage))
    if cmd.reopens <= cmd.first_closed:
        raise refuse(f"reopens: {cmd.reopens} is not after first_closed, {cmd.first_closed}", "InvalidInput")
    for known in (c for c in facts.closures if c.school == cmd.school):
        if cmd.first_closed < known.reopens and known.first_closed < cmd.reopens:
            raise refuse(
                f"'{cmd.school}' is already recorded as closed from {known.first_closed} until it reopens on "
                f"{known.reopens}; a closure overlapping it cannot be recorded as well"
            )
    check_date(cmd.recorded_on, "recorded_on", not_before=facts.start.received_on, today=facts.today)
