"""`PlanWorkflow`: one EHC plan for its whole life, up to the end of the academic year the young person
turns 25 (CFA s.44-45; regs 18-31).

One run per review cycle. A run starts from its cycle's anchor (the plan's making, or the review decision
that opened the cycle) and carries only the events dated from it: ids, dates and enums, never the whole
case. Every change recomputes the cycle's timeline with `statute` (a local activity, recorded in
history), projects the deadlines the cycle owns (those starting on or after its anchor; earlier cycles'
rows stay as they were last written) and re-arms one timer from the absolute due dates.

The cycle's steps are updates with validators: invitations, the meeting, the report, the LA's decision
(keep, amend with the proposed amendments, cease), amendments outside a review (reg 22), the amended
plan, a phase transfer (reg 18), and ceasing (regs 29-31: the plan stays maintained while an appeal
against the decision is possible or pending). When a review decision has been made and every deadline
of the cycle before it is met or closed, the run continues as new with the next cycle; it also continues
as new whenever Temporal suggests it, carrying the same cycle. Either way it first waits for every
handler to finish and every write to land.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common.commands import CaseCommands, refuse
    from workflows.common.deadlines import DeadlineWatch, is_pending, key_of, latest, start_of, wait_until
    from workflows.common.effects import run_activity, run_local
    from workflows.common.ids import PLAN_WORKFLOW as WORKFLOW_NAME
    from workflows.common.messages import (
        ActivityName,
        DeadlineView,
        Stage,
        StatuteEvent,
        TimelineRequest,
        TimelineResult,
    )
    from workflows.common.publisher import Publisher
    from workflows.common.records import CaseProjection, Recipient
    from workflows.plan.messages import (
        CeasePlan,
        ConcedeAppeal,
        DecideReassessment,
        DecideReview,
        DecideToCease,
        HoldReviewMeeting,
        IssueAmendedPlan,
        PlanCommand,
        PlanStart,
        PlanState,
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

# Representations on proposed amendments: at least 15 days beginning with the day served (reg 22(2)(c)).
REPRESENTATIONS = timedelta(days=15)
# How many of the latest commands' update ids a run carries to the next (retries come within minutes).
APPLIED_KEPT = 20
# When the caseworker is reminded to arrange a review, before its deadline: for an annual review, the
# invitations (2 weeks before a meeting held 4 weeks before the due date, so the decision can follow within
# 4 weeks, reg 20(10)) are 6 weeks out; for a phase transfer, the meeting must be 12 weeks before the
# deadline (the 4-week decision and the 8-week amended plan, Devon [2022]).
REMIND = {
    "review_due": (timedelta(weeks=8), timedelta(weeks=4)),  # (remind before, meet by) the due date
    "transfer_review": (timedelta(weeks=8), timedelta(weeks=4)),
    "phase_transfer_review": (timedelta(weeks=14), timedelta(weeks=12)),
}
REVIEW_REMINDERS = "review-reminders"  # the patch that added them: plans started before it replay without
# A plan transferred to another LA: these are that LA's duties (reg 15(4)-(5)), not this one's.
NEW_LA_DEADLINES = frozenset({"transfer_inform", "transfer_review"})
# The events that open a review cycle: its review is due 12 months later (CFA s.44(1)).
ANCHORS = ("final_issued", "plan_reviewed")


@workflow.defn(name=WORKFLOW_NAME)
class PlanWorkflow(CaseCommands):
    @workflow.init
    def __init__(self, start: PlanStart) -> None:
        self._start = start
        self._id = workflow.info().workflow_id
        self._case_id = start.case_id
        self._init_commands()
        # The cycle owns what is dated from its anchor; the first run drops the assessment's history.
        self._cycle_from = start.cycle_from or start.made_on
        self._events = [e for e in start.events if e.date >= self._cycle_from]
        self._publisher = Publisher(state_version=start.state_version)
        self._timeline: TimelineResult | None = None
        self._watch = DeadlineWatch(
            escalate_after_days=start.escalate_after_days,
            breached=set(start.breached),
            escalated=set(start.escalated),
        )
        self._appeal_concluded_on = start.appeal_concluded_on
        self._stage = Stage.PLAN_MAINTAINED
        if self._last("plan_ceased"):
            self._stage = Stage.PLAN_CEASED
        # A transfer out (after a move was recorded) ends the plan here; one in has no move before it.
        moved, aware = self._last("transferred"), self._last("transfer_aware")
        if moved is not None and aware is not None and moved.date >= aware.date:
            self._stage = Stage.PLAN_TRANSFERRED
        self._ready = False
        self._continue_as_new_suggested = False
        # The update ids of the latest commands, carried across runs: a command retried with the same
        # Idempotency-Key after its run continued as new (a review decision opens the next cycle) is
        # answered, not refused and not applied twice.
        self._applied_ids = list(start.applied)
        self._reminded = set(start.reminded)

    # ---- the life of the plan ----

    @workflow.run
    async def run(self, start: PlanStart) -> PlanState:
        if start.arriving is not None:  # a plan transferred in: its case is recorded before anything else
            await run_activity(ActivityName.RECORD_CASE, start.arriving)
        async with self._lock:
            await self._refresh()
            await self._act_on_deadlines()
            self._flush()
            self._ready = True
        while not self._ended():
            assert self._timeline is not None
            if self._next_cycle() is not None or self._suggested():
                break
            wake = self._watch.next_wake(self._owned(self._timeline.deadlines))
            if workflow.patched(REVIEW_REMINDERS):
                reminder = min((at for at, _ in self._reminders()), default=None)
                wake = reminder if wake is None or (reminder is not None and reminder < wake) else wake
            await wait_until(
                wake,
                lambda: self._rearm or self._ended() or self._suggested(),
            )
            async with self._lock:
                self._rearm = False
                if wake is not None and workflow.now() >= wake and not self._ended():
                    await self._refresh()
                    await self._act_on_deadlines()
                    self._flush()
        while True:  # every command answered and every write landed, even those that came meanwhile
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._drain()
            if workflow.all_handlers_finished():
                break
        if self._ended():
            return self.state()
        workflow.continue_as_new(self._next_start())

    def _next_cycle(self) -> StatuteEvent | None:
        """The review decision that opens the next cycle, once every deadline before it is settled."""
        assert self._timeline is not None
        anchor = self._last("plan_reviewed")
        if anchor is None or anchor.date <= self._cycle_from:
            return None
        unsettled = [
            d
            for d in self._timeline.deadlines
            if d.from_date < anchor.date
            and (is_pending(d) or (d.deadline == "appeal" and d.status == "open"))
        ]
        return None if unsettled else anchor

    def _next_start(self) -> PlanStart:
        """The next run's input: the next cycle's, or this cycle's again when Temporal suggested it."""
        assert self._timeline is not None
        anchor = self._next_cycle()
        cycle_from = anchor.date if anchor is not None else self._cycle_from
        kept = {key_of(d) for d in self._timeline.deadlines if d.from_date >= cycle_from}
        return self._start.model_copy(
            update={
                "events": [e for e in self._events if e.date >= cycle_from],
                "state_version": self._publisher.state_version,
                "breached": sorted(self._watch.breached & kept),
                "escalated": sorted(self._watch.escalated & kept),
                "reminded": sorted(self._reminded & kept),
                "cycle": self._start.cycle + (1 if anchor is not None else 0),
                "cycle_from": cycle_from,
                "appeal_concluded_on": self._appeal_concluded_on,
                "applied": self._applied_ids,
                "arriving": None,  # recorded by the first run
            }
        )

    async def _refresh(self) -> None:
        """Recompute the cycle's timeline (recorded in history); prepare the read model if it changed."""
        start = self._start
        self._timeline = await run_local(
            ActivityName.COMPUTE_TIMELINE,
            TimelineRequest(events=self._events, school_closures=start.school_closures, now=workflow.now()),
            TimelineResult,
        )
        deadlines = self._owned(self._timeline.deadlines)
        if self._stage is Stage.PLAN_TRANSFERRED:  # what follows a transfer is the new LA's to do
            deadlines = [d for d in deadlines if d.deadline not in NEW_LA_DEADLINES]
        ended = self._last("plan_ceased") or (
            self._last("transferred") if self._stage is Stage.PLAN_TRANSFERRED else None
        )
        prepared = self._publisher.prepare(
            CaseProjection(
                case_id=start.case_id,
                workflow_id=start.assessment_workflow_id,
                la_code=start.la_code,
                stage=self._stage,
                state_version=0,
                deadlines=deadlines,
                agency_by_advice_id=start.agency_by_advice_id,
                caseworker_id=start.caseworker_id,
                final_issued_on=start.made_on,
                closed_on=ended.date if ended else None,
                replace_from=self._cycle_from,
            )
        )
        if prepared is not None:
            self._projection = prepared

    def _owned(self, deadlines: list[DeadlineView]) -> list[DeadlineView]:
        """The deadlines this cycle owns: those starting on or after its anchor."""
        return [d for d in deadlines if d.from_date >= self._cycle_from]

    async def _act_on_deadlines(self) -> None:
        """Tell the caseworker of each newly breached deadline; escalate statutory ones to a manager."""
        assert self._timeline is not None
        for template, d in self._watch.due_now(self._owned(self._timeline.deadlines), workflow.now()):
            to: Recipient = "caseworker" if template == "deadline_breached" else "manager"
            self._say(template, to, f"{d.deadline} ({d.rule})", d.due, key=key_of(d))
        if not workflow.patched(REVIEW_REMINDERS):
            return
        for at, d in self._reminders():
            if workflow.now() < at:
                continue
            self._reminded.add(key_of(d))
            meet_by = d.due - REMIND[d.deadline][1]
            facts = {
                "meeting_by": meet_by.isoformat(),
                "invitations_by": (meet_by - timedelta(weeks=2)).isoformat(),
            }
            self._say(
                "review_reminder", "caseworker", f"{d.deadline} ({d.rule})", d.due, key=key_of(d), facts=facts
            )

    def _reminders(self) -> list[tuple[datetime, DeadlineView]]:
        """The reviews not yet reminded of and not yet due, with when to remind of each."""
        assert self._timeline is not None
        return [
            (start_of(d.due - REMIND[d.deadline][0]), d)
            for d in self._owned(self._timeline.deadlines)
            if d.deadline in REMIND
            and is_pending(d)
            and key_of(d) not in self._reminded
            and workflow.now() < start_of(d.due + timedelta(days=1))
        ]

    # ---- the review cycle (CFA s.44; regs 18-21) ----

    @workflow.update
    async def record_review_invitations(self, cmd: RecordReviewInvitations) -> PlanState:
        """Invitations and advice circulated for the review meeting (reg 20(2)-(4))."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_record_review_invitations(cmd)
            await self._happened("review_invitations_sent", cmd.sent_on)
            return self.state()

    @record_review_invitations.validator
    def _check_record_review_invitations(self, cmd: RecordReviewInvitations) -> None:
        if self._repeated():
            return
        self._check_step(cmd, cmd.sent_on, "sent_on")
        sent = self._last("review_invitations_sent")
        if sent is not None and self._after(sent, "review_meeting"):
            raise refuse(f"invitations for the next review meeting were already sent on {sent.date}")

    @workflow.update
    async def hold_review_meeting(self, cmd: HoldReviewMeeting) -> PlanState:
        """The review meeting was held (reg 20(5)); the report is due in 2 weeks, the decision in 4."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_hold_review_meeting(cmd)
            await self._happened("review_meeting", cmd.held_on)
            self._record("review_meeting", cmd.led_by, cmd.held_on, cmd.actor, "")
            return self.state()

    @hold_review_meeting.validator
    def _check_hold_review_meeting(self, cmd: HoldReviewMeeting) -> None:
        if self._repeated():
            return
        self._check_step(cmd, cmd.held_on, "held_on")
        decided = self._last("plan_reviewed")
        if decided is not None and cmd.held_on < decided.date:
            raise refuse(
                f"held_on: {cmd.held_on} is before the last review decision, on {decided.date}",
                "InvalidInput",
            )
        waiting = self._undecided_meeting()
        if waiting is not None:
            raise refuse(
                f"the review meeting held on {waiting.date} still awaits the LA's decision; record it first"
            )

    @workflow.update
    async def record_review_report(self, cmd: RecordReviewReport) -> PlanState:
        """The review report was circulated (reg 20(7)-(8))."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_record_review_report(cmd)
            await self._happened("review_report_sent", cmd.sent_on)
            return self.state()

    @record_review_report.validator
    def _check_record_review_report(self, cmd: RecordReviewReport) -> None:
        if self._repeated():
            return
        meeting = self._check_step(cmd, cmd.sent_on, "sent_on", after="review_meeting")
        report = self._last("review_report_sent")
        if report is not None and report.date >= meeting.date:
            raise refuse(f"the report of the meeting on {meeting.date} was already sent on {report.date}")

    @workflow.update
    async def decide_review(self, cmd: DecideReview) -> PlanState:
        """The LA's decision after the review (reg 20(10)): keep, amend (with the proposed amendments,
        Devon [2022]) or cease (a decision notice with appeal rights). It opens the next review cycle."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_decide_review(cmd)
            on = cmd.decided_on
            self._events.append(StatuteEvent(event="plan_reviewed", date=on, outcome=cmd.outcome))
            self._record("review_decision", cmd.outcome, on, cmd.actor, cmd.reasons)
            if cmd.outcome == "amend":
                await self._amendments_proposed(on, cmd.method)
            elif cmd.outcome == "cease":
                await self._cease_decided(on)
            else:
                await self._refresh()
                self._say("review_decision_keep", "parent", "decision after the annual review", on)
            return self.state()

    @decide_review.validator
    def _check_decide_review(self, cmd: DecideReview) -> None:
        if self._repeated():
            return
        meeting = self._check_step(cmd, cmd.decided_on, "decided_on", after="review_meeting")
        if self._undecided_meeting() is None:
            decided = self._last("plan_reviewed")
            on = decided.date if decided is not None else None
            raise refuse(f"the review meeting on {meeting.date} was already decided on {on}")
        if cmd.outcome == "amend":
            self._check_no_pending_amendment()
        if cmd.outcome == "cease":
            self._check_not_ceasing()
            if not cmd.reasons.strip():
                raise refuse("reasons: a decision to cease must give its reasons (reg 31)", "InvalidInput")

    # ---- amendments (reg 22) and phase transfers (reg 18) ----

    @workflow.update
    async def propose_amendments(self, cmd: ProposeAmendments) -> PlanState:
        """A notice of proposed amendments outside a review (reg 22(2)); the amended plan is due in
        8 weeks (reg 22(3))."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_propose_amendments(cmd)
            self._record("amendment_proposed", "amend", cmd.served_on, cmd.actor, cmd.reasons)
            await self._amendments_proposed(cmd.served_on, cmd.method)
            return self.state()

    @propose_amendments.validator
    def _check_propose_amendments(self, cmd: ProposeAmendments) -> None:
        if self._repeated():
            return
        self._check_step(cmd, cmd.served_on, "served_on")
        self._check_no_pending_amendment()

    @workflow.update
    async def issue_amended_plan(self, cmd: IssueAmendedPlan) -> PlanState:
        """The amended plan, once the 15 days for representations have passed (reg 22(2)(c), (3))."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_issue_amended_plan(cmd)
            await self._happened("amended_plan_issued", cmd.issued_on)
            detail = {"school_named": cmd.school_named} if cmd.school_named else {}
            self._record("amended_plan", "issued", cmd.issued_on, cmd.actor, "", detail=detail)
            self._say("amended_plan_issued", "parent", "amended EHC plan issued", cmd.issued_on)
            return self.state()

    @issue_amended_plan.validator
    def _check_issue_amended_plan(self, cmd: IssueAmendedPlan) -> None:
        if self._repeated():
            return
        ordered = self._tribunal_amendment()
        if ordered is not None:  # the tribunal's amendments: no representations window (reg 44, 45)
            self._check_step(cmd, cmd.issued_on, "issued_on", after=ordered.event)
            return
        notice = self._check_step(cmd, cmd.issued_on, "issued_on", after="amendment_notice_sent")
        if not self._after(notice, "amended_plan_issued"):
            raise refuse("no amendments are proposed: serve a notice of proposed amendments first (reg 22)")
        ends = notice.date + REPRESENTATIONS - timedelta(days=1)
        if cmd.issued_on <= ends:
            raise refuse(
                f"the parent's 15 days for representations on the amendments served on {notice.date} run "
                f"to {ends} (reg 22(2)(c)); issue the amended plan after that"
            )

    @workflow.update
    async def record_phase_transfer(self, cmd: RecordPhaseTransfer) -> PlanState:
        """The child changes phase next September: the plan must be reviewed and amended by 15 February
        (school) or 31 March (post-16) of that year (reg 18)."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_record_phase_transfer(cmd)
            self._events.append(
                StatuteEvent(event="phase_transfer", date=cmd.recorded_on, kind=cmd.kind, year=cmd.year)
            )
            await self._refresh()
            return self.state()

    @record_phase_transfer.validator
    def _check_record_phase_transfer(self, cmd: RecordPhaseTransfer) -> None:
        if self._repeated():
            return
        self._check_step(cmd, cmd.recorded_on, "recorded_on")
        if not cmd.recorded_on.year <= cmd.year <= cmd.recorded_on.year + 1:
            raise refuse(
                f"year: a phase transfer in {cmd.year} is not within the next 12 months of {cmd.recorded_on}",
                "InvalidInput",
            )
        for e in self._events:
            if e.event == "phase_transfer" and getattr(e, "year", None) == cmd.year:
                raise refuse(f"the phase transfer in September {cmd.year} was already recorded on {e.date}")

    # ---- ceasing (regs 29-31) and its appeal ----

    @workflow.update
    async def decide_to_cease(self, cmd: DecideToCease) -> PlanState:
        """The LA decided to cease the plan (reg 30); the notice carries appeal and mediation rights."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_decide_to_cease(cmd)
            self._record("decision_to_cease", "cease", cmd.decided_on, cmd.actor, cmd.reasons)
            await self._cease_decided(cmd.decided_on)
            return self.state()

    @decide_to_cease.validator
    def _check_decide_to_cease(self, cmd: DecideToCease) -> None:
        if self._repeated():
            return
        self._check_step(cmd, cmd.decided_on, "decided_on")
        self._check_not_ceasing()
        if not cmd.reasons.strip():
            raise refuse("reasons: a decision to cease must give its reasons (reg 31)", "InvalidInput")

    @workflow.update
    async def record_appeal(self, cmd: RecordAppeal) -> PlanState:
        """An appeal against the decision to cease reached the tribunal: the plan stays maintained."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_record_appeal(cmd)
            await self._happened("appeal_lodged", cmd.lodged_on)
            return self.state()

    @record_appeal.validator
    def _check_record_appeal(self, cmd: RecordAppeal) -> None:
        if self._repeated():
            return
        notice = self._check_step(cmd, cmd.lodged_on, "lodged_on", after="decision_notice_sent")
        if not self._after(notice, "appeal_lodged"):
            raise refuse(f"an appeal against the decision of {notice.date} is already recorded")
        appeal = self._appeal()
        if appeal is not None and cmd.lodged_on > appeal.due:
            raise refuse(
                f"lodged_on: the last day to appeal the decision of {notice.date} was {appeal.due}",
                "InvalidInput",
            )

    @workflow.update
    async def record_appeal_outcome(self, cmd: RecordAppealOutcome) -> PlanState:
        """The tribunal decided: `continue` orders the plan maintained (reg 44, the decision to cease is
        gone); `dismissed` lets the LA cease it."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_record_appeal_outcome(cmd)
            self._record("appeal_outcome", cmd.outcome, cmd.decided_on, cmd.actor, "")
            if cmd.outcome == "dismissed":
                self._appeal_concluded_on = cmd.decided_on
            else:
                self._events.append(
                    StatuteEvent(event="tribunal_order", date=cmd.decided_on, order=cmd.outcome)
                )
            await self._refresh()
            return self.state()

    @record_appeal_outcome.validator
    def _check_record_appeal_outcome(self, cmd: RecordAppealOutcome) -> None:
        if self._repeated():
            return
        lodged = self._check_step(cmd, cmd.decided_on, "decided_on", after="appeal_lodged")
        if self._appeal_pending() is None:
            raise refuse(f"the appeal lodged on {lodged.date} was already decided")

    @workflow.update
    async def concede_appeal(self, cmd: ConcedeAppeal) -> PlanState:
        """The LA does not oppose the appeal (reg 45): the amended plan is due within 5 weeks (content) or
        2 weeks (the school only)."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_concede_appeal(cmd)
            self._record("appeal_conceded", cmd.appeal, cmd.conceded_on, cmd.actor, "")
            await self._happened("appeal_unopposed", cmd.conceded_on, appeal=cmd.appeal)
            return self.state()

    @concede_appeal.validator
    def _check_concede_appeal(self, cmd: ConcedeAppeal) -> None:
        if self._repeated():
            return
        lodged = self._check_step(cmd, cmd.conceded_on, "conceded_on", after="appeal_lodged")
        if self._appeal_pending() is None:
            raise refuse(f"the appeal lodged on {lodged.date} was already decided")

    @workflow.update
    async def record_mediation(self, cmd: RecordMediation) -> PlanState:
        """A step of mediation on the latest appealable decision (CFA s.53-55; regs 33-39)."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_record_mediation(cmd)
            if cmd.step == "adviser_contacted":
                await self._happened(
                    "mediation_adviser_contacted", cmd.on, wants_mediation=bool(cmd.wants_mediation)
                )
            elif cmd.step == "held":
                await self._happened("mediation_held", cmd.on)
            elif cmd.step == "not_arranged":
                await self._happened("mediation_not_arranged", cmd.on)
            else:
                await self._happened("mediation_certificate_issued", cmd.on)
            return self.state()

    @record_mediation.validator
    def _check_record_mediation(self, cmd: RecordMediation) -> None:
        if self._repeated():
            return
        notice = self._check_step(cmd, cmd.on, "on", after="decision_notice_sent")
        contact = self._last("mediation_adviser_contacted")
        contacted = contact if contact is not None and contact.date >= notice.date else None
        if cmd.step == "adviser_contacted":
            if cmd.wants_mediation is None:
                raise refuse("wants_mediation: say whether the parent wants mediation", "InvalidInput")
            if contacted is not None:
                raise refuse(f"the mediation adviser was already contacted on {contacted.date}")
            return
        if contacted is None:
            raise refuse(f"the mediation adviser has not been contacted about the decision of {notice.date}")
        self._check_date(cmd.on, "on", not_before=contacted.date)
        if cmd.step in ("held", "not_arranged") and not getattr(contacted, "wants_mediation", False):
            raise refuse("the parent did not want mediation: record the certificate instead")

    # ---- reassessment (CFA s.44(2); regs 24-28) ----

    @workflow.update
    async def request_reassessment(self, cmd: RequestReassessment) -> PlanState:
        """A request to reassess: the LA decides within 15 days (reg 25)."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_request_reassessment(cmd)
            await self._happened("reassessment_requested", cmd.requested_on)
            return self.state()

    @request_reassessment.validator
    def _check_request_reassessment(self, cmd: RequestReassessment) -> None:
        if self._repeated():
            return
        self._check_step(cmd, cmd.requested_on, "requested_on")
        waiting = self._last("reassessment_requested")
        if waiting is not None and self._after(waiting, "reassessment_decided"):
            raise refuse(f"the request to reassess of {waiting.date} still awaits its decision")

    @workflow.update
    async def decide_reassessment(self, cmd: DecideReassessment) -> PlanState:
        """Whether to reassess (reg 25): on `reassess` the amended plan is due in 14 weeks (reg 27); a
        refusal is a decision notice with appeal rights."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_decide_reassessment(cmd)
            on = cmd.decided_on
            self._record("reassessment_decision", cmd.outcome, on, cmd.actor, cmd.reasons)
            await self._happened("reassessment_decided", on, outcome=cmd.outcome)
            if cmd.outcome == "refuse":
                await self._decision_notice(
                    "refuse_assess", on, "decision not to reassess, with appeal rights"
                )
            return self.state()

    @decide_reassessment.validator
    def _check_decide_reassessment(self, cmd: DecideReassessment) -> None:
        if self._repeated():
            return
        request = self._check_step(cmd, cmd.decided_on, "decided_on", after="reassessment_requested")
        if not self._after(request, "reassessment_decided"):
            raise refuse(f"the request to reassess of {request.date} was already decided")
        if cmd.outcome == "refuse" and not cmd.reasons.strip():
            raise refuse("reasons: a refusal to reassess must give its reasons", "InvalidInput")

    # ---- transfer between LAs (reg 15) ----

    @workflow.update
    async def record_move(self, cmd: RecordMove) -> PlanState:
        """The family is moving to another LA: the plan must go by the move, or within 15 working days
        of the LA learning of it (reg 15(1)-(2))."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_record_move(cmd)
            self._record("move", "to_another_la", cmd.aware_on, cmd.actor, "", detail={"to_la": cmd.to_la})
            await self._happened("transfer_aware", cmd.aware_on, move=cmd.move_on)
            return self.state()

    @record_move.validator
    def _check_record_move(self, cmd: RecordMove) -> None:
        if self._repeated():
            return
        self._check_step(cmd, cmd.aware_on, "aware_on")
        if cmd.move_on < cmd.aware_on:
            raise refuse(f"move_on: {cmd.move_on} is before aware_on, {cmd.aware_on}", "InvalidInput")
        moving = self._last("transfer_aware")
        if moving is not None:
            raise refuse(f"a move was already recorded on {moving.date}")

    @workflow.update
    async def transfer_plan_out(self, cmd: TransferPlanOut) -> PlanState:
        """The plan went to the new LA (reg 15(2)): this LA maintains it no longer."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_transfer_plan_out(cmd)
            self._stage = Stage.PLAN_TRANSFERRED
            self._record("transfer", "transferred_out", cmd.transferred_on, cmd.actor, "")
            await self._happened("transferred", cmd.transferred_on)
            self._say("plan_transferred", "parent", "EHC plan transferred to the new LA", cmd.transferred_on)
            return self.state()

    @transfer_plan_out.validator
    def _check_transfer_plan_out(self, cmd: TransferPlanOut) -> None:
        if self._repeated():
            return
        self._check_step(cmd, cmd.transferred_on, "transferred_on", after="transfer_aware")

    @workflow.update
    async def record_transfer_informed(self, cmd: RecordTransferInformed) -> PlanState:
        """For a plan transferred in: the parent was told whether it will be reassessed or reviewed
        (reg 15(4), within 6 weeks)."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_record_transfer_informed(cmd)
            await self._happened("transfer_informed", cmd.informed_on)
            return self.state()

    @record_transfer_informed.validator
    def _check_record_transfer_informed(self, cmd: RecordTransferInformed) -> None:
        if self._repeated():
            return
        arrived = self._check_step(cmd, cmd.informed_on, "informed_on", after="transferred")
        if not self._after(arrived, "transfer_informed"):
            raise refuse(f"the parent was already told after the transfer of {arrived.date}")

    @workflow.update
    async def cease_plan(self, cmd: CeasePlan) -> PlanState:
        """The LA stops maintaining the plan (reg 31): only once no appeal is possible or pending."""
        async with self._command():
            if self._repeated():
                return self.state()
            self._check_cease_plan(cmd)
            self._stage = Stage.PLAN_CEASED
            await self._happened("plan_ceased", cmd.ceased_on)
            self._record("plan_ceased", "ceased", cmd.ceased_on, cmd.actor, cmd.reasons)
            self._say("plan_ceased", "parent", "EHC plan ceased", cmd.ceased_on)
            return self.state()

    @cease_plan.validator
    def _check_cease_plan(self, cmd: CeasePlan) -> None:
        if self._repeated():
            return
        notice = self._check_step(cmd, cmd.ceased_on, "ceased_on", after="decision_notice_sent")
        ceasing = self._ceasing()
        if ceasing is None:
            raise refuse("the plan can only cease after a decision to cease: decide to cease first (reg 30)")
        notice = ceasing
        appeal = self._appeal(ceasing)
        if appeal is not None and appeal.status == "open" and cmd.ceased_on <= appeal.due:
            raise refuse(
                f"the parent can appeal the decision of {notice.date} until {appeal.due}: the plan stays "
                "maintained until then (CFA s.45(3))"
            )
        if self._appeal_pending() is not None:
            raise refuse("an appeal against the decision to cease is pending: the plan stays maintained")

    # ---- queries ----

    @workflow.update
    async def acknowledge(self) -> PlanState:
        """The plan as its current run holds it, once that run has projected it."""
        await workflow.wait_condition(lambda: self._ready)
        return self.state()

    @workflow.query
    def state(self) -> PlanState:
        timeline = self._timeline
        deadlines = timeline.deadlines if timeline else []
        reviews = [d for d in deadlines if d.deadline in ("review_due", "transfer_review") and is_pending(d)]
        ceasing = self._ceasing()
        ceased = self._last("plan_ceased")
        return PlanState(
            case_id=self._start.case_id,
            workflow_id=self._id,
            stage=self._stage,
            state_version=self._publisher.state_version,
            as_of=timeline.as_of if timeline else self._start.made_on,
            made_on=self._start.made_on,
            review_due=min((d.due for d in reviews), default=None),
            deadlines=deadlines,
            cycle=self._start.cycle,
            cycle_from=self._cycle_from,
            events=self._events,
            cease_decided_on=ceasing.date if ceasing else None,
            ceased_on=ceased.date if ceased else None,
            run_id=workflow.info().run_id,
        )

    # ---- helpers ----

    async def _happened(self, event: str, on: date, **fields: Any) -> None:
        self._events.append(StatuteEvent(event=event, date=on, **fields))
        await self._refresh()

    async def _amendments_proposed(self, on: date, method: str) -> None:
        await self._happened("amendment_notice_sent", on, method=method)
        amended = latest(self._timeline, "amended_plan")
        facts = {
            "representations_end": (on + REPRESENTATIONS - timedelta(days=1)).isoformat(),
            "due": amended.due.isoformat() if amended else "",
        }
        self._say("amendment_notice", "parent", "proposed amendments to the EHC plan", on, facts=facts)

    async def _cease_decided(self, on: date) -> None:
        await self._decision_notice("cease", on, "decision to cease the EHC plan, with appeal rights")

    async def _decision_notice(self, decision: str, on: date, step: str) -> None:
        """An appealable decision: the notice with appeal and mediation rights; the appeal window opens."""
        await self._happened("decision_notice_sent", on, decision=decision)
        appeal = self._appeal()
        facts = {"decision": decision, "appeal_due": appeal.due.isoformat() if appeal else ""}
        template = "decision_refuse_reassess" if decision == "refuse_assess" else f"decision_{decision}"
        self._say(template, "parent", step, on, facts=facts)

    def _say(self, template: str, to: Recipient, step: str, on: date, **kwargs: Any) -> None:
        """A notice on the case, under the case's reference (the assessment's workflow id)."""
        self._notice(template, to, step, on, workflow_id=self._start.assessment_workflow_id, **kwargs)

    def _check_step(
        self, cmd: PlanCommand, on: date, field: str, *, after: str | None = None
    ) -> StatuteEvent:
        """Who may act and when: a caseworker or manager, on a maintained plan, dated on or after the latest
        `after` event (which must exist), or else on or after the cycle's start; returns that event."""
        self._require_role(cmd.actor, "caseworker", "manager")
        if self._stage is Stage.PLAN_CEASED:
            ceased = self._last("plan_ceased")
            raise refuse(
                f"the plan ceased on {ceased.date if ceased else '?'}; no further steps can be taken"
            )
        if self._stage is Stage.PLAN_TRANSFERRED:
            moved = self._last("transferred")
            raise refuse(
                f"the plan was transferred to another LA on {moved.date if moved else '?'}; "
                "no further steps can be taken here"
            )
        previous = self._last(after) if after else self._events[0]
        if previous is None:
            raise refuse(f"this step needs a {(after or 'previous step').replace('_', ' ')} first")
        self._check_date(on, field, not_before=previous.date)
        return previous

    def _check_no_pending_amendment(self) -> None:
        notice = self._last("amendment_notice_sent")
        if notice is not None and self._after(notice, "amended_plan_issued"):
            raise refuse(f"the amendments proposed on {notice.date} await their amended plan; issue it first")

    def _check_not_ceasing(self) -> None:
        ceasing = self._ceasing()
        if ceasing is not None:
            raise refuse(f"the LA already decided to cease the plan on {ceasing.date}")

    def _repeated(self) -> bool:
        """This update's id was applied already, in this run or an earlier one."""
        info = workflow.current_update_info()
        return info is not None and info.id in self._applied_ids

    def _applied(self) -> None:
        info = workflow.current_update_info()
        if info is not None and info.id not in self._applied_ids:
            self._applied_ids = [*self._applied_ids, info.id][-APPLIED_KEPT:]

    def _suggested(self) -> bool:
        """Temporal suggested continue-as-new. Latched: only the activation that starts a workflow task
        carries the suggestion, and a local activity's result arrives in an activation that does not."""
        self._continue_as_new_suggested = (
            self._continue_as_new_suggested or workflow.info().is_continue_as_new_suggested()
        )
        return self._continue_as_new_suggested

    def _ended(self) -> bool:
        """Ceased, or transferred to another LA: nothing more happens to the plan here."""
        return self._stage in (Stage.PLAN_CEASED, Stage.PLAN_TRANSFERRED)

    def _last(self, name: str) -> StatuteEvent | None:
        return next((e for e in reversed(self._events) if e.event == name), None)

    def _after(self, event: StatuteEvent, name: str) -> bool:
        """True when no `name` event is dated on or after `event` (it is still outstanding)."""
        later = self._last(name)
        return later is None or later.date < event.date

    def _undecided_meeting(self) -> StatuteEvent | None:
        meeting = self._last("review_meeting")
        if meeting is None:
            return None
        decided = self._last("plan_reviewed")
        return meeting if decided is None or decided.date < meeting.date else None

    def _ceasing(self) -> StatuteEvent | None:
        """The decision to cease still in force: not overturned by a tribunal order to continue."""
        notice = next(
            (
                e
                for e in reversed(self._events)
                if e.event == "decision_notice_sent" and getattr(e, "decision", None) == "cease"
            ),
            None,
        )
        if notice is None:
            return None
        order = self._last("tribunal_order")
        return None if order is not None and order.date >= notice.date else notice

    def _appeal(self, notice: StatuteEvent | None = None) -> DeadlineView | None:
        """The appeal deadline of a decision notice: the latest one unless given."""
        notice = notice or self._last("decision_notice_sent")
        if notice is None or self._timeline is None:
            return None
        return next(
            (
                d
                for d in self._timeline.deadlines
                if d.deadline == "appeal"
                and d.id == getattr(notice, "decision", None)
                and d.from_date == notice.date
            ),
            None,
        )

    def _appeal_pending(self) -> StatuteEvent | None:
        """An appeal against the latest decision, lodged and not yet decided (no order, not conceded,
        not dismissed)."""
        notice = self._last("decision_notice_sent")
        lodged = self._last("appeal_lodged")
        if notice is None or lodged is None or lodged.date < notice.date:
            return None
        for ended in ("tribunal_order", "appeal_unopposed"):
            after = self._last(ended)
            if after is not None and after.date >= lodged.date:
                return None
        concluded = self._appeal_concluded_on
        return lodged if concluded is None or concluded < lodged.date else None

    def _tribunal_amendment(self) -> StatuteEvent | None:
        """A tribunal order to amend, or a conceded appeal, still awaiting its amended plan."""
        orders = [
            e
            for e in self._events
            if (e.event == "tribunal_order" and getattr(e, "order", None) == "amend")
            or e.event == "appeal_unopposed"
        ]
        if not orders:
            return None
        return orders[-1] if self._after(orders[-1], "amended_plan_issued") else None
