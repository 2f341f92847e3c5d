"""The plan's rules (workflows/plan/rules.py): what its events say, and for each command the legal step and
every refusal. Dates follow docs/statute.md: a plan made on Mon 3 Mar 2025; a decision notice served on
Mon 2 Jun 2025, whose appeal window (2 months, to Sat 2 Aug, a day in August) ends on the first working day
after 31 August, Mon 1 Sep 2025 (HESC r.12, R7)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest

from tests.unit.workflows.builders import ADMIN, AGENCY, CASEWORKER, MANAGER, D, deadline, ev, refusal
from workflows.common.messages import Actor, AdviceSpec, DeadlineView, Stage, StatuteEvent
from workflows.plan import reassessment, rules
from workflows.plan.messages import (
    CeasePlan,
    ConcedeAppeal,
    DecideNotToAmend,
    DecideReassessment,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    PlanCommand,
    ProposeAmendments,
    RecordAppeal,
    RecordAppealOutcome,
    RecordMediation,
    RecordMove,
    RecordPhaseTransfer,
    RecordReviewInvitations,
    RecordReviewReport,
    RecordTransferInformed,
    RequestReassessment,
    TransferPlanOut,
)
from workflows.plan.rules import PlanFacts

TODAY = D("2026-06-01")
MADE = ev("final_issued", "2025-03-03")
MEETING = ev("review_meeting", "2026-02-02")
NOTICE = ev("decision_notice_sent", "2025-06-02", decision="cease")
APPEAL_DUE = "2025-09-01"  # 2 Jun + 2 months = Sat 2 Aug, in August: moved to Mon 1 Sep (R7)
LODGED = ev("appeal_lodged", "2025-07-01")
AMENDMENTS = ev("amendment_notice_sent", "2025-06-02")
AWARE = ev("transfer_aware", "2025-05-01", move=D("2025-06-01"))

Check = Callable[[PlanFacts, Any], None]

# The reg 6(1)(a)-(e) advice a reassessment asks for (reg 26), under ids the case has not used.
REASSESSMENT_ADVICE = [
    AdviceSpec(advice_id=f"{kind}-again", advice=kind, agency_id="00000000-0000-4000-8000-000000000001")
    for kind in ("parent", "educational", "medical", "psychological", "social_care")
]


def facts(
    *events: StatuteEvent,
    deadlines: Sequence[DeadlineView] = (),
    stage: Stage = Stage.PLAN_MAINTAINED,
    today: date = TODAY,
    appeal_concluded_on: date | None = None,
) -> PlanFacts:
    """A plan's facts: the cycle opens at the plan's making, then `events` in the order recorded."""
    return PlanFacts(
        events=[MADE, *events],
        deadlines=list(deadlines),
        stage=stage,
        today=today,
        appeal_concluded_on=appeal_concluded_on,
    )


def appeal(status: str = "open", notice: StatuteEvent = NOTICE, due: str = APPEAL_DUE) -> DeadlineView:
    return deadline("appeal", due, start=notice, status=status, id=getattr(notice, "decision", None))


# ---- every command: the legal step, dated no earlier than the step before, on a maintained plan ----


@dataclass(frozen=True)
class Step:
    """A command in a case where it is legal: `on` is its date, `not_before` the step before's."""

    name: str
    check: Check
    make: Callable[[date, Actor], PlanCommand]
    on: str
    not_before: str
    field: str
    events: tuple[StatuteEvent, ...] = ()
    deadlines: tuple[DeadlineView, ...] = ()

    def facts(self, **kw: Any) -> PlanFacts:
        return facts(*self.events, deadlines=self.deadlines, **kw)

    def command(self, on: str | date | None = None, actor: Actor = CASEWORKER) -> PlanCommand:
        day = D(on) if isinstance(on, str) else on
        return self.make(day or D(self.on), actor)


STEPS = [
    Step(
        "record_review_invitations",
        rules.check_record_review_invitations,
        lambda on, a: RecordReviewInvitations(actor=a, sent_on=on),
        "2026-01-19",
        MADE.date.isoformat(),
        "sent_on",
    ),
    Step(
        "hold_review_meeting",
        rules.check_hold_review_meeting,
        lambda on, a: HoldReviewMeeting(actor=a, held_on=on),
        "2026-02-02",
        MADE.date.isoformat(),
        "held_on",
        (ev("review_invitations_sent", "2026-01-19"),),
    ),
    Step(
        "record_review_report",
        rules.check_record_review_report,
        lambda on, a: RecordReviewReport(actor=a, sent_on=on),
        "2026-02-10",
        "2026-02-02",
        "sent_on",
        (MEETING,),
    ),
    Step(
        "decide_review",
        rules.check_decide_review,
        lambda on, a: DecideReview(actor=a, decided_on=on, outcome="keep"),
        "2026-02-20",
        "2026-02-02",
        "decided_on",
        (MEETING,),
    ),
    Step(
        "decide_not_to_amend",
        rules.check_decide_not_to_amend,
        lambda on, a: DecideNotToAmend(actor=a, decided_on=on, reasons="The OT advice confirms section F."),
        "2025-06-20",
        "2025-06-02",
        "decided_on",
        (AMENDMENTS,),
    ),
    Step(
        "propose_amendments",
        rules.check_propose_amendments,
        lambda on, a: ProposeAmendments(actor=a, served_on=on),
        "2025-06-02",
        MADE.date.isoformat(),
        "served_on",
    ),
    Step(
        "issue_amended_plan",  # served 2 Jun: representations to 16 Jun (reg 22(2)(c)), the plan from 17 Jun
        rules.check_issue_amended_plan,
        lambda on, a: IssueAmendedPlan(actor=a, issued_on=on),
        "2025-06-17",
        "2025-06-02",
        "issued_on",
        (AMENDMENTS,),
    ),
    Step(
        "record_phase_transfer",
        rules.check_record_phase_transfer,
        lambda on, a: RecordPhaseTransfer(actor=a, recorded_on=on, kind="school", year=2026),
        "2025-09-01",
        MADE.date.isoformat(),
        "recorded_on",
    ),
    Step(
        "decide_to_cease",
        rules.check_decide_to_cease,
        lambda on, a: DecideToCease(actor=a, decided_on=on, reasons="needs met without a plan"),
        "2025-06-02",
        MADE.date.isoformat(),
        "decided_on",
    ),
    Step(
        "record_appeal",
        rules.check_record_appeal,
        lambda on, a: RecordAppeal(actor=a, lodged_on=on),
        "2025-07-01",
        "2025-06-02",
        "lodged_on",
        (NOTICE,),
        (appeal(),),
    ),
    Step(
        "record_appeal_outcome",
        rules.check_record_appeal_outcome,
        lambda on, a: RecordAppealOutcome(actor=a, decided_on=on, outcome="dismissed"),
        "2025-10-01",
        "2025-07-01",
        "decided_on",
        (NOTICE, LODGED),
        (appeal("met"),),
    ),
    Step(
        "concede_appeal",
        rules.check_concede_appeal,
        lambda on, a: ConcedeAppeal(actor=a, conceded_on=on, appeal="content"),
        "2025-08-01",
        "2025-07-01",
        "conceded_on",
        (NOTICE, LODGED),
        (appeal("met"),),
    ),
    Step(
        "record_mediation:adviser_contacted",
        rules.check_record_mediation,
        lambda on, a: RecordMediation(actor=a, on=on, step="adviser_contacted", wants_mediation=True),
        "2025-06-10",
        "2025-06-02",
        "on",
        (NOTICE,),
    ),
    Step(
        "record_mediation:held",
        rules.check_record_mediation,
        lambda on, a: RecordMediation(actor=a, on=on, step="held"),
        "2025-07-01",
        "2025-06-02",
        "on",
        (NOTICE, ev("mediation_adviser_contacted", "2025-06-10", wants_mediation=True)),
    ),
    Step(
        "cease_plan",
        rules.check_cease_plan,
        lambda on, a: CeasePlan(actor=a, ceased_on=on),
        "2025-09-02",
        "2025-06-02",
        "ceased_on",
        (NOTICE,),
        (appeal("closed"),),
    ),
    Step(
        "request_reassessment",
        reassessment.check_request_reassessment,
        lambda on, a: RequestReassessment(actor=a, requested_on=on),
        "2025-05-01",
        MADE.date.isoformat(),
        "requested_on",
    ),
    Step(
        "decide_reassessment",
        reassessment.check_decide_reassessment,
        lambda on, a: DecideReassessment(
            actor=a, decided_on=on, outcome="reassess", advice=REASSESSMENT_ADVICE
        ),
        "2025-05-12",
        "2025-05-01",
        "decided_on",
        (ev("reassessment_requested", "2025-05-01"),),
    ),
    Step(
        "record_move",
        rules.check_record_move,
        lambda on, a: RecordMove(actor=a, aware_on=on, move_on=on + timedelta(days=31), to_la="Devon"),
        "2025-05-01",
        MADE.date.isoformat(),
        "aware_on",
    ),
    Step(
        "transfer_plan_out",
        rules.check_transfer_plan_out,
        lambda on, a: TransferPlanOut(actor=a, transferred_on=on),
        "2025-05-20",
        "2025-05-01",
        "transferred_on",
        (AWARE,),
    ),
    Step(
        "record_transfer_informed",  # a plan transferred in: made by the old LA, then transferred here
        rules.check_record_transfer_informed,
        lambda on, a: RecordTransferInformed(actor=a, informed_on=on),
        "2025-04-15",
        "2025-04-01",
        "informed_on",
        (ev("transferred", "2025-04-01"),),
    ),
]
BY_NAME = {step.name: step for step in STEPS}


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_the_legal_step_passes(step: Step) -> None:
    step.check(step.facts(), step.command())


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_a_step_dated_before_the_step_before_is_invalid(step: Step) -> None:
    early = D(step.not_before) - timedelta(days=1)
    refusal(
        step.check,
        step.facts(),
        step.command(early),
        "InvalidInput",
        f"{step.field}: {early} is before {step.not_before}",
    )


# ---- check_step: who may act and when ----


def test_an_agency_cannot_take_a_plan_step() -> None:
    step = BY_NAME["hold_review_meeting"]
    refusal(step.check, step.facts(), step.command(actor=AGENCY), "Forbidden", "agency", "caseworker")


@pytest.mark.parametrize("actor", [MANAGER, ADMIN], ids=lambda a: a.role)
def test_a_manager_or_an_admin_may_take_a_step(actor: Actor) -> None:
    step = BY_NAME["record_review_invitations"]
    step.check(step.facts(), step.command(actor=actor))


def test_no_step_is_taken_on_a_ceased_plan() -> None:
    step = BY_NAME["record_review_invitations"]
    ceased = facts(ev("plan_ceased", "2026-03-02"), stage=Stage.PLAN_CEASED)
    refusal(step.check, ceased, step.command(), "IllegalStep", "ceased on 2026-03-02")


def test_no_step_is_taken_here_on_a_plan_transferred_out() -> None:
    step = BY_NAME["record_review_invitations"]
    moved = facts(AWARE, ev("transferred", "2025-05-20"), stage=Stage.PLAN_TRANSFERRED)
    refusal(step.check, moved, step.command(), "IllegalStep", "transferred to another LA on 2025-05-20")


@pytest.mark.parametrize(("days", "legal"), [(1, True), (2, False)])
def test_a_step_may_be_dated_tomorrow_but_no_later(days: int, legal: bool) -> None:
    step = BY_NAME["record_review_invitations"]
    cmd = step.command(TODAY + timedelta(days=days))
    if legal:
        step.check(step.facts(), cmd)
    else:
        refusal(step.check, step.facts(), cmd, "InvalidInput", "sent_on", "in the future")


@pytest.mark.parametrize(
    ("name", "needs"),
    [
        ("record_review_report", "review meeting"),
        ("decide_review", "review meeting"),
        ("issue_amended_plan", "amendment notice sent"),
        ("record_appeal", "decision notice sent"),
        ("record_appeal_outcome", "appeal lodged"),
        ("concede_appeal", "appeal lodged"),
        ("record_mediation:adviser_contacted", "decision notice sent"),
        ("cease_plan", "decision notice sent"),
        ("decide_reassessment", "reassessment requested"),
        ("transfer_plan_out", "transfer aware"),
        ("record_transfer_informed", "transferred"),
    ],
)
def test_a_step_is_refused_without_the_step_it_follows(name: str, needs: str) -> None:
    step = BY_NAME[name]
    article = "an" if needs[0] in "aeiou" else "a"
    refusal(step.check, facts(), step.command(), "IllegalStep", f"needs {article} {needs} first")


# ---- what the events say ----

REVIEWED = ev("plan_reviewed", "2026-02-20", outcome="keep")


@pytest.mark.parametrize(
    ("events", "waiting"),
    [
        ([], None),
        ([MEETING], MEETING),
        ([MEETING, REVIEWED], None),
        ([MEETING, ev("plan_reviewed", "2026-02-02")], None),  # decided the day of the meeting
        ([MEETING, REVIEWED, ev("review_meeting", "2026-05-01")], ev("review_meeting", "2026-05-01")),
    ],
)
def test_undecided_meeting(events: list[StatuteEvent], waiting: StatuteEvent | None) -> None:
    assert rules.undecided_meeting([MADE, *events]) == waiting


ORDER_CONTINUE = ev("tribunal_order", "2025-11-03", order="continue")
LATER_NOTICE = ev("decision_notice_sent", "2025-08-04", decision="refuse_assess")


@pytest.mark.parametrize(
    ("events", "in_force"),
    [
        ([], None),
        ([ev("decision_notice_sent", "2025-06-02", decision="refuse_assess")], None),
        ([NOTICE], NOTICE),
        ([NOTICE, LODGED, ORDER_CONTINUE], None),  # the tribunal overturned it
        ([NOTICE, ev("tribunal_order", "2025-06-02", order="continue")], None),  # ordered the same day
        ([ev("tribunal_order", "2025-05-01", order="amend"), NOTICE], NOTICE),  # an earlier order
        (
            [NOTICE, ORDER_CONTINUE, ev("decision_notice_sent", "2026-01-05", decision="cease")],
            ev("decision_notice_sent", "2026-01-05", decision="cease"),
        ),
    ],
)
def test_ceasing(events: list[StatuteEvent], in_force: StatuteEvent | None) -> None:
    assert rules.ceasing([MADE, *events]) == in_force


def test_appeal_deadline_is_the_latest_notices_own() -> None:
    refused = ev("decision_notice_sent", "2025-04-01", decision="refuse_assess")
    older = appeal(notice=refused, due="2025-06-02")
    assert rules.appeal_deadline(facts(refused, NOTICE, deadlines=[older, appeal()])) == appeal()
    assert rules.appeal_deadline(facts(refused, NOTICE, deadlines=[older, appeal()]), refused) == older


@pytest.mark.parametrize(
    "deadlines",
    [
        [],
        [appeal(notice=ev("decision_notice_sent", "2025-04-01", decision="cease"))],  # an older notice's
        [deadline("appeal", APPEAL_DUE, start=NOTICE, id="refuse_assess")],  # another decision's
        [deadline("review_due", "2026-03-02", start=MADE)],
    ],
)
def test_appeal_deadline_none_without_the_notices_own(deadlines: list[DeadlineView]) -> None:
    assert rules.appeal_deadline(facts(NOTICE, deadlines=deadlines)) is None
    assert rules.appeal_deadline(facts(deadlines=[appeal()])) is None  # no notice at all


@pytest.mark.parametrize(
    ("events", "concluded", "pending"),
    [
        ([NOTICE], None, None),
        ([NOTICE, LODGED], None, LODGED),
        ([NOTICE, LODGED, LATER_NOTICE], None, None),  # lodged against an earlier decision
        ([NOTICE, LODGED, ORDER_CONTINUE], None, None),
        ([NOTICE, LODGED, ev("appeal_unopposed", "2025-08-01", appeal="content")], None, None),
        ([ev("tribunal_order", "2025-05-01", order="amend"), NOTICE, LODGED], None, LODGED),
        ([NOTICE, LODGED], "2025-10-01", None),  # dismissed: no order, concluded
        ([NOTICE, LODGED], "2025-06-30", LODGED),  # an earlier appeal's conclusion
    ],
)
def test_appeal_pending(
    events: list[StatuteEvent], concluded: str | None, pending: StatuteEvent | None
) -> None:
    plan = facts(*events, appeal_concluded_on=D(concluded) if concluded else None)
    assert rules.appeal_pending(plan) == pending


ORDER_AMEND = ev("tribunal_order", "2025-11-03", order="amend")
UNOPPOSED = ev("appeal_unopposed", "2025-08-01", appeal="school")


@pytest.mark.parametrize(
    ("events", "awaiting"),
    [
        ([], None),
        ([ORDER_CONTINUE], None),
        ([ORDER_AMEND], ORDER_AMEND),
        ([UNOPPOSED], UNOPPOSED),
        ([UNOPPOSED, ORDER_AMEND], ORDER_AMEND),
        ([ORDER_AMEND, ev("amended_plan_issued", "2025-12-01")], None),
        ([ev("amended_plan_issued", "2025-07-01"), ORDER_AMEND], ORDER_AMEND),
    ],
)
def test_tribunal_amendment(events: list[StatuteEvent], awaiting: StatuteEvent | None) -> None:
    assert rules.tribunal_amendment([MADE, *events]) == awaiting


# ---- the review cycle (CFA s.44; regs 18-21) ----

INVITED = ev("review_invitations_sent", "2026-01-19")


def test_invitations_are_sent_once_for_each_meeting() -> None:
    step = BY_NAME["record_review_invitations"]
    refusal(
        step.check, facts(INVITED), step.command("2026-01-20"), "IllegalStep", "already sent on 2026-01-19"
    )
    step.check(facts(INVITED, MEETING), step.command("2026-04-01"))  # the next meeting's


def test_a_meeting_is_not_held_before_the_last_review_decision() -> None:
    step = BY_NAME["hold_review_meeting"]
    refusal(
        step.check,
        facts(MEETING, REVIEWED),
        step.command("2026-02-19"),
        "InvalidInput",
        "held_on: 2026-02-19 is before the last review decision, on 2026-02-20",
    )
    step.check(facts(MEETING, REVIEWED), step.command("2026-02-20"))


def test_a_meeting_awaiting_its_decision_blocks_the_next() -> None:
    step = BY_NAME["hold_review_meeting"]
    refusal(
        step.check,
        facts(MEETING),
        step.command("2026-03-02"),
        "IllegalStep",
        "held on 2026-02-02 still awaits",
    )


def test_a_meetings_report_is_sent_once() -> None:
    step = BY_NAME["record_review_report"]
    report = ev("review_report_sent", "2026-02-10")
    refusal(
        step.check,
        facts(MEETING, report),
        step.command("2026-02-11"),
        "IllegalStep",
        "already sent on 2026-02-10",
    )
    # An earlier meeting's report does not count for the latest one.
    later = ev("review_meeting", "2026-05-01")
    step.check(facts(MEETING, report, REVIEWED, later), step.command("2026-05-05"))


def test_a_review_is_decided_once() -> None:
    step = BY_NAME["decide_review"]
    refusal(
        step.check,
        facts(MEETING, REVIEWED),
        step.command("2026-02-25"),
        "IllegalStep",
        "meeting on 2026-02-02 was already decided on 2026-02-20",
    )


@pytest.mark.parametrize(("outcome", "legal"), [("amend", False), ("keep", True), ("cease", True)])
def test_a_review_decides_to_amend_only_without_amendments_pending(outcome: str, legal: bool) -> None:
    pending = facts(ev("amendment_notice_sent", "2025-10-01"), MEETING)
    cmd = DecideReview(actor=CASEWORKER, decided_on=D("2026-02-20"), outcome=outcome, reasons="why")
    if legal:
        rules.check_decide_review(pending, cmd)
    else:
        refusal(rules.check_decide_review, pending, cmd, "IllegalStep", "proposed on 2025-10-01 await")
    issued = facts(
        ev("amendment_notice_sent", "2025-10-01"), ev("amended_plan_issued", "2025-10-20"), MEETING
    )
    rules.check_decide_review(issued, cmd)


def test_a_review_decides_to_cease_once_and_with_reasons() -> None:
    cease = DecideReview(actor=CASEWORKER, decided_on=D("2026-02-20"), outcome="cease", reasons="needs met")
    refusal(
        rules.check_decide_review, facts(NOTICE, MEETING), cease, "IllegalStep", "already decided to cease"
    )
    blank = cease.model_copy(update={"reasons": "  "})
    refusal(rules.check_decide_review, facts(MEETING), blank, "InvalidInput", "reasons", "reg 31")
    rules.check_decide_review(facts(MEETING), cease)


# ---- amendments (reg 22) and phase transfers (reg 18) ----


def test_amendments_are_proposed_one_notice_at_a_time() -> None:
    step = BY_NAME["propose_amendments"]
    refusal(
        step.check,
        facts(AMENDMENTS),
        step.command("2025-06-09"),
        "IllegalStep",
        "proposed on 2025-06-02 await",
    )
    step.check(facts(AMENDMENTS, ev("amended_plan_issued", "2025-06-17")), step.command("2025-07-01"))


@pytest.mark.parametrize(
    ("issued_on", "legal"),
    [
        ("2025-06-16", False),  # served 2 Jun: 15 days beginning with that day run to 16 Jun (R2)
        ("2025-06-17", True),
    ],
)
def test_an_amended_plan_follows_the_representations(issued_on: str, legal: bool) -> None:
    step = BY_NAME["issue_amended_plan"]
    if legal:
        step.check(facts(AMENDMENTS), step.command(issued_on))
    else:
        refusal(
            step.check,
            facts(AMENDMENTS),
            step.command(issued_on),
            "IllegalStep",
            "run to 2025-06-16",
            "reg 22(2)(c)",
        )


def test_not_amending_after_all_needs_amendments_proposed_and_reasons() -> None:
    """Reg 22(4): a decision not to amend answers the notice as an amended plan would; then neither the
    amended plan nor a second decision is legal, and new amendments can be proposed."""
    step = BY_NAME["decide_not_to_amend"]
    refusal(step.check, facts(), step.command(), "IllegalStep", "needs an amendment notice sent first")
    blank = DecideNotToAmend(actor=CASEWORKER, decided_on=D("2025-06-20"), reasons=" ")
    refusal(step.check, facts(AMENDMENTS), blank, "InvalidInput", "reasons", "reg 22(4)")
    decided = facts(AMENDMENTS, ev("decided_not_to_amend", "2025-06-20"))
    refusal(step.check, decided, step.command("2025-06-21"), "IllegalStep", "no amendments are proposed")
    issue = BY_NAME["issue_amended_plan"]
    refusal(issue.check, decided, issue.command("2025-07-01"), "IllegalStep", "no amendments are proposed")
    BY_NAME["propose_amendments"].check(decided, BY_NAME["propose_amendments"].command("2025-07-01"))


def test_not_amending_is_appealable_only_after_a_review() -> None:
    with_review = [ev("plan_reviewed", "2025-06-02", outcome="amend"), AMENDMENTS]
    assert rules.after_review(with_review, AMENDMENTS)
    assert not rules.after_review([AMENDMENTS], AMENDMENTS)
    earlier = [ev("plan_reviewed", "2025-05-01", outcome="amend"), AMENDMENTS]
    assert not rules.after_review(earlier, AMENDMENTS)


def test_an_amended_plan_is_issued_once_for_each_notice() -> None:
    step = BY_NAME["issue_amended_plan"]
    issued = facts(AMENDMENTS, ev("amended_plan_issued", "2025-06-17"))
    refusal(step.check, issued, step.command("2025-07-01"), "IllegalStep", "no amendments are proposed")


@pytest.mark.parametrize("ordered", [ORDER_AMEND, UNOPPOSED], ids=lambda e: e.event)
def test_a_tribunals_amendment_needs_no_representations_window(ordered: StatuteEvent) -> None:
    """Regs 44-45: the amended plan follows the order or the concession, with no notice or 15 days."""
    step = BY_NAME["issue_amended_plan"]
    step.check(facts(NOTICE, LODGED, ordered), step.command(ordered.date))
    early = ordered.date - timedelta(days=1)
    refusal(
        step.check, facts(NOTICE, LODGED, ordered), step.command(early), "InvalidInput", f"issued_on: {early}"
    )


@pytest.mark.parametrize("year", [2024, 2027])
def test_a_phase_transfer_is_this_year_or_next(year: int) -> None:
    cmd = RecordPhaseTransfer(actor=CASEWORKER, recorded_on=D("2025-09-01"), kind="school", year=year)
    refusal(
        rules.check_record_phase_transfer, facts(), cmd, "InvalidInput", f"year: a phase transfer in {year}"
    )


def test_a_phase_transfer_is_recorded_once_a_year() -> None:
    step = BY_NAME["record_phase_transfer"]
    recorded = facts(ev("phase_transfer", "2025-09-01", kind="school", year=2026))
    refusal(
        step.check, recorded, step.command("2025-10-01"), "IllegalStep", "September 2026 was already recorded"
    )
    post16 = RecordPhaseTransfer(actor=CASEWORKER, recorded_on=D("2025-10-01"), kind="post16", year=2025)
    rules.check_record_phase_transfer(recorded, post16)


# ---- ceasing (regs 29-31), its appeal and mediation (CFA s.51-55; regs 33-45) ----


def test_a_plan_is_decided_to_cease_once_while_that_decision_stands() -> None:
    step = BY_NAME["decide_to_cease"]
    refusal(
        step.check,
        facts(NOTICE),
        step.command("2025-07-01"),
        "IllegalStep",
        "already decided to cease the plan on 2025-06-02",
    )
    step.check(
        facts(NOTICE, LODGED, ORDER_CONTINUE), step.command("2026-01-05")
    )  # the tribunal overturned it


def test_a_decision_to_cease_gives_reasons() -> None:
    cmd = DecideToCease(actor=CASEWORKER, decided_on=D("2025-06-02"), reasons=" ")
    refusal(rules.check_decide_to_cease, facts(), cmd, "InvalidInput", "reasons", "reg 31")


def test_an_appeal_is_recorded_once() -> None:
    step = BY_NAME["record_appeal"]
    refusal(
        step.check,
        facts(NOTICE, LODGED),
        step.command("2025-07-02"),
        "IllegalStep",
        "of 2025-06-02 is already recorded",
    )


@pytest.mark.parametrize(("lodged_on", "legal"), [(APPEAL_DUE, True), ("2025-09-02", False)])
def test_an_appeal_is_lodged_by_the_last_day(lodged_on: str, legal: bool) -> None:
    step = BY_NAME["record_appeal"]
    plan = facts(NOTICE, deadlines=[appeal()])
    if legal:
        step.check(plan, step.command(lodged_on))
    else:
        refusal(
            step.check,
            plan,
            step.command(lodged_on),
            "InvalidInput",
            f"lodged_on: the last day to appeal the decision of 2025-06-02 was {APPEAL_DUE}",
        )


@pytest.mark.parametrize("name", ["record_appeal_outcome", "concede_appeal"])
@pytest.mark.parametrize(
    ("ended", "concluded"),
    [
        (ORDER_CONTINUE, None),
        (ev("appeal_unopposed", "2025-08-01", appeal="content"), None),
        (None, "2025-08-01"),  # dismissed
    ],
)
def test_an_appeal_is_decided_once(name: str, ended: StatuteEvent | None, concluded: str | None) -> None:
    step = BY_NAME[name]
    events = [NOTICE, LODGED, *([ended] if ended else [])]
    decided = facts(*events, appeal_concluded_on=D(concluded) if concluded else None)
    refusal(
        step.check,
        decided,
        step.command("2025-11-04"),
        "IllegalStep",
        "lodged on 2025-07-01 was already decided",
    )


CONTACTED = ev("mediation_adviser_contacted", "2025-06-10", wants_mediation=True)
NOT_WANTED = ev("mediation_adviser_contacted", "2025-06-10", wants_mediation=False)


def mediation(step: str, on: str = "2025-07-01", wants: bool | None = None) -> RecordMediation:
    return RecordMediation(actor=CASEWORKER, on=D(on), step=step, wants_mediation=wants)


@pytest.mark.parametrize(
    ("events", "cmd", "kind", "words"),
    [
        ([NOTICE], mediation("adviser_contacted"), "InvalidInput", "wants_mediation"),
        (
            [NOTICE, CONTACTED],
            mediation("adviser_contacted", wants=False),
            "IllegalStep",
            "already contacted on 2025-06-10",
        ),
        (
            [NOTICE],
            mediation("held"),
            "IllegalStep",
            "has not been contacted about the decision of 2025-06-02",
        ),
        # A contact about an earlier decision is not one about the latest.
        (
            [CONTACTED, LATER_NOTICE],
            mediation("certificate_issued", "2025-08-05"),
            "IllegalStep",
            "has not been contacted",
        ),
        (
            [NOTICE, CONTACTED],
            mediation("held", "2025-06-09"),
            "InvalidInput",
            "on: 2025-06-09 is before 2025-06-10",
        ),
        ([NOTICE, NOT_WANTED], mediation("held"), "IllegalStep", "did not want mediation"),
        ([NOTICE, NOT_WANTED], mediation("not_arranged"), "IllegalStep", "did not want mediation"),
    ],
)
def test_mediation_refusals(events: list[StatuteEvent], cmd: RecordMediation, kind: str, words: str) -> None:
    refusal(rules.check_record_mediation, facts(*events), cmd, kind, words)


@pytest.mark.parametrize(
    ("events", "cmd"),
    [
        ([NOTICE, NOT_WANTED], mediation("certificate_issued")),  # reg 34: the certificate at once
        ([NOTICE, CONTACTED], mediation("not_arranged")),
        ([CONTACTED, LATER_NOTICE], mediation("adviser_contacted", "2025-08-05", wants=True)),
    ],
)
def test_mediation_legal_steps(events: list[StatuteEvent], cmd: RecordMediation) -> None:
    rules.check_record_mediation(facts(*events), cmd)


def test_a_plan_ceases_only_after_a_decision_to_cease() -> None:
    step = BY_NAME["cease_plan"]
    refused = ev("decision_notice_sent", "2025-06-02", decision="refuse_assess")
    for plan in (facts(refused), facts(NOTICE, LODGED, ORDER_CONTINUE)):
        refusal(
            step.check, plan, step.command("2025-11-05"), "IllegalStep", "decide to cease first", "reg 30"
        )


@pytest.mark.parametrize(("ceased_on", "legal"), [(APPEAL_DUE, False), ("2025-09-02", True)])
def test_a_plan_stays_maintained_while_its_appeal_window_is_open(ceased_on: str, legal: bool) -> None:
    step = BY_NAME["cease_plan"]
    plan = facts(NOTICE, deadlines=[appeal("open")], today=D("2025-09-01"))
    if legal:
        step.check(plan, step.command(ceased_on))  # dated tomorrow, after the window
    else:
        refusal(step.check, plan, step.command(ceased_on), "IllegalStep", f"until {APPEAL_DUE}", "s.45(3)")


def test_a_plan_stays_maintained_while_an_appeal_is_pending() -> None:
    step = BY_NAME["cease_plan"]
    plan = facts(NOTICE, LODGED, deadlines=[appeal("met")])
    refusal(
        step.check,
        plan,
        step.command("2025-10-01"),
        "IllegalStep",
        "appeal against the decision to cease is pending",
    )
    dismissed = facts(NOTICE, LODGED, deadlines=[appeal("met")], appeal_concluded_on=D("2025-10-01"))
    step.check(dismissed, step.command("2025-10-01"))


# ---- reassessment (CFA s.44(2); regs 24-28) and transfers (reg 15) ----

REQUESTED = ev("reassessment_requested", "2025-05-01")


def test_a_request_to_reassess_awaits_its_decision_before_another() -> None:
    step = BY_NAME["request_reassessment"]
    refusal(
        step.check, facts(REQUESTED), step.command("2025-05-05"), "IllegalStep", "of 2025-05-01 still awaits"
    )
    decided = ev("reassessment_decided", "2025-05-12", outcome="refuse")
    step.check(facts(REQUESTED, decided), step.command("2025-09-01"))


@pytest.mark.parametrize(
    ("requested", "legal"), [("2025-05-11", False), ("2025-05-12", False), ("2025-05-13", True)]
)
def test_a_new_request_to_reassess_comes_after_the_last_decision(requested: str, legal: bool) -> None:
    """On the day of a refusal a new request would read as decided already (the read model once broke on
    it: a request, a refusal and the same request again, all one day)."""
    step = BY_NAME["request_reassessment"]
    decided = facts(REQUESTED, ev("reassessment_decided", "2025-05-12", outcome="refuse"))
    if legal:
        step.check(decided, step.command(requested))
    else:
        refusal(step.check, decided, step.command(requested), "InvalidInput", "requested_on")


def test_a_request_to_reassess_is_decided_once() -> None:
    step = BY_NAME["decide_reassessment"]
    decided = facts(REQUESTED, ev("reassessment_decided", "2025-05-12", outcome="reassess"))
    refusal(
        step.check, decided, step.command("2025-05-13"), "IllegalStep", "of 2025-05-01 was already decided"
    )


@pytest.mark.parametrize(("reasons", "legal"), [("", False), ("no change in needs", True)])
def test_a_refusal_to_reassess_gives_reasons(reasons: str, legal: bool) -> None:
    cmd = DecideReassessment(actor=CASEWORKER, decided_on=D("2025-05-12"), outcome="refuse", reasons=reasons)
    if legal:
        reassessment.check_decide_reassessment(facts(REQUESTED), cmd)
    else:
        refusal(reassessment.check_decide_reassessment, facts(REQUESTED), cmd, "InvalidInput", "reasons")


def test_a_move_is_not_before_the_la_learns_of_it() -> None:
    cmd = RecordMove(actor=CASEWORKER, aware_on=D("2025-05-01"), move_on=D("2025-04-30"), to_la="Devon")
    refusal(
        rules.check_record_move,
        facts(),
        cmd,
        "InvalidInput",
        "move_on: 2025-04-30 is before aware_on, 2025-05-01",
    )


def test_a_move_is_recorded_once() -> None:
    step = BY_NAME["record_move"]
    refusal(
        step.check, facts(AWARE), step.command("2025-05-02"), "IllegalStep", "already recorded on 2025-05-01"
    )


def test_the_parent_is_told_once_after_a_transfer_in() -> None:
    step = BY_NAME["record_transfer_informed"]
    told = facts(ev("transferred", "2025-04-01"), ev("transfer_informed", "2025-04-15"))
    refusal(
        step.check,
        told,
        step.command("2025-04-20"),
        "IllegalStep",
        "already told after the transfer of 2025-04-01",
    )


def test_a_reassessment_asks_for_the_reg_6_advice_under_new_ids() -> None:
    """Reg 26: the reassessment gathers the advice of regs 6-10; ids already used on the case are refused
    (an earlier request's answer is not this one's); a refusal asks for none."""
    requested = facts(ev("reassessment_requested", "2025-05-01"))
    on = D("2025-05-12")

    def decide(advice: list[AdviceSpec], outcome: str = "reassess") -> DecideReassessment:
        return DecideReassessment.model_validate(
            {"actor": CASEWORKER, "decided_on": on, "outcome": outcome, "advice": advice, "reasons": "x"}
        )

    reassessment.check_decide_reassessment(requested, decide(REASSESSMENT_ADVICE))
    short = refusal(
        reassessment.check_decide_reassessment,
        requested,
        decide(REASSESSMENT_ADVICE[1:]),
        "InvalidInput",
        "advice",
    )
    assert "reg 6(1)(a)" in short
    twice = refusal(
        reassessment.check_decide_reassessment,
        requested,
        decide([*REASSESSMENT_ADVICE, REASSESSMENT_ADVICE[0]]),
        "InvalidInput",
        "advice",
    )
    assert "each advice_id must be different" in twice
    known = replace(requested, advice_ids=frozenset({"parent-again"}))
    used = refusal(
        reassessment.check_decide_reassessment, known, decide(REASSESSMENT_ADVICE), "InvalidInput", "advice"
    )
    assert "already had an advice request 'parent-again'" in used
    refusal(
        reassessment.check_decide_reassessment,
        requested,
        decide(REASSESSMENT_ADVICE, "refuse"),
        "InvalidInput",
        "advice",
    )
