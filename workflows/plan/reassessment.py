"""The rules of a reassessment (CFA s.44(2); regs 24-28): its request, the decision whether to reassess,
and the reg 6 advice a reassessment asks for again (reg 26). Pure functions of the plan's facts, as in
rules.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from statute.advice import required_advice
from workflows.common.messages import AdviceSpec
from workflows.common.rules import awaits, last, refuse
from workflows.plan.messages import DecideReassessment, RequestReassessment
from workflows.plan.rules import PlanFacts, check_step


def check_request_reassessment(facts: PlanFacts, cmd: RequestReassessment) -> None:
    check_step(facts, cmd, cmd.requested_on, "requested_on")
    waiting = last(facts.events, "reassessment_requested")
    if waiting is not None and awaits(facts.events, waiting, "reassessment_decided"):
        raise refuse(f"the request to reassess of {waiting.date} still awaits its decision")
    decided = last(facts.events, "reassessment_decided")
    if decided is not None and cmd.requested_on <= decided.date:
        # The statute engine tells requests apart by their dates: a new request on the day the last was
        # decided would read as already decided, and its 6 weeks as met.
        raise refuse(
            f"requested_on: {cmd.requested_on} is not after {decided.date}, when the last request to "
            "reassess was decided; a new request counts from the day after",
            "InvalidInput",
        )


def check_decide_reassessment(facts: PlanFacts, cmd: DecideReassessment) -> None:
    request = check_step(facts, cmd, cmd.decided_on, "decided_on", after="reassessment_requested")
    if not awaits(facts.events, request, "reassessment_decided"):
        raise refuse(f"the request to reassess of {request.date} was already decided")
    if cmd.outcome == "refuse" and not cmd.reasons.strip():
        raise refuse("reasons: a refusal to reassess must give its reasons", "InvalidInput")
    if cmd.outcome == "refuse" and cmd.advice:
        raise refuse("advice: a refusal to reassess requests no advice", "InvalidInput")
    if cmd.outcome == "reassess":
        check_reassessment_advice(facts, cmd.advice)


def check_reassessment_advice(facts: PlanFacts, advice: Sequence[AdviceSpec]) -> None:
    """A reassessment asks for the reg 6(1)(a)-(e) advice as the first assessment did (reg 26), each
    request under an id the case has not used (an earlier request's answer is not this one's)."""
    ids = [spec.advice_id for spec in advice]
    if len(ids) != len(set(ids)):
        raise refuse("advice: each advice_id must be different", "InvalidInput")
    used = sorted(set(ids) & facts.advice_ids)
    if used:
        raise refuse(
            f"advice: the case already had an advice request '{used[0]}'; name this one anew (e.g. "
            f"'{used[0]}-reassessment')",
            "InvalidInput",
        )
    given = {spec.advice for spec in advice}
    for item in required_advice(None):
        if item.advice not in given:
            raise refuse(
                f"advice: a reassessment asks for the advice of {item.rule} as the first assessment did (reg "
                f"26); add a request for {item.advice} advice",
                "InvalidInput",
            )
