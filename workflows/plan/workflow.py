"""`PlanWorkflow`: one EHC plan for its whole life, up to the end of the academic year the young person
turns 25 (CFA s.44-45; regs 15-31).

One run per review cycle (`cycle.py`): a run holds the events dated from its cycle's anchor, ids, dates and
enums, never the whole case. Every change recomputes the cycle's timeline with `statute` (a local activity,
recorded in history), projects the deadlines the cycle owns (earlier cycles' rows stay as they were last
written) and re-arms one timer from the absolute due dates: the next breach, escalation or review reminder.

Every step is an update whose rule (`rules.py`) refuses an illegal step before anything is written. A run
continues as new with the next cycle once a review is decided and every deadline before it settled, or
with the same cycle when Temporal suggests it; first, every handler finishes and every write lands.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from workflows.advice.messages import AdviceArrived, AdviceRequestStart
    from workflows.advice.rules import request_start
    from workflows.advice.workflow import AdviceRequestWorkflow
    from workflows.common.commands import CaseCommands, command_handlers
    from workflows.common.deadlines import DeadlineWatch, is_pending, key_of, latest, start_of, wait_until
    from workflows.common.disputes import MEDIATION_EVENTS
    from workflows.common.effects import run_local
    from workflows.common.ids import ADVICE_ARRIVED, PLAN_WORKFLOW, STATE_QUERY, advice_workflow_id
    from workflows.common.messages import (
        ActivityName,
        DeadlineView,
        Stage,
        StatuteEvent,
        TimelineRequest,
        TimelineResult,
    )
    from workflows.common.records import CaseProjection
    from workflows.common.rules import advice_requested, last, plan_issued
    from workflows.plan import reassessment, rules
    from workflows.plan.cycle import NEW_LA_DEADLINES, PlanCycle, meeting_dates
    from workflows.plan.messages import (
        CeasePlan,
        ConcedeAppeal,
        DecideNotToAmend,
        DecideReassessment,
        DecideReview,
        DecideToCease,
        HoldReviewMeeting,
        IssueAmendedPlan,
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
        WaiveReviewStep,
    )

# Review reminders came in behind a patch checked after the run's first local activity, where a query
# splitting the first workflow task made replay answer it differently. Runs since REMINDERS_DECIDED_FIRST
# decide in their first activation, before any activity; runs before it replay as they ran.
REVIEW_REMINDERS = "review-reminders"
REMINDERS_DECIDED_FIRST = "review-reminders-decided-first"
# Runs since this patch send an amended plan's notice as a decision with appeal rights and its appeal
# deadline (`plan_content`, issue 11 s.2), where earlier runs sent `amended_plan_issued` without either.
CONTENT_NOTICES = "plan-content-notices"

command = command_handlers(PlanState)


@workflow.defn(name=PLAN_WORKFLOW)
class PlanWorkflow(CaseCommands[PlanState]):
    @workflow.init
    def __init__(self, start: PlanStart) -> None:
        self._start = start
        self._cycle = PlanCycle.of(start)
        self._init_commands(
            workflow_id=workflow.info().workflow_id,
            case_id=start.case_id,
            case_ref=start.assessment_workflow_id,
            watch=DeadlineWatch(
                escalate_after_days=start.escalate_after_days,
                breached=self._cycle.breached,
                escalated=self._cycle.escalated,
            ),
            state_version=start.state_version,
            applied=self._cycle.applied,
        )
        self._timeline: TimelineResult | None = None
        self._stage = Stage.PLAN_MAINTAINED
        if last(self._cycle.events, "plan_ceased"):
            self._stage = Stage.PLAN_CEASED
        # A transfer out (after a move was recorded) ends the plan here; one in has no move before it.
        moved, aware = last(self._cycle.events, "transferred"), last(self._cycle.events, "transfer_aware")
        if moved is not None and aware is not None and moved.date >= aware.date:
            self._stage = Stage.PLAN_TRANSFERRED
        self._agencies = dict(start.agency_by_advice_id)  # every advice request's agency, by its id
        self._dirty = False  # an agency's advice arrived: recompute
        self._ready = False
        self._reminders_decided = False
        self._continue_as_new_suggested = False

    # ---- the life of the plan ----

    @workflow.run
    async def run(self, start: PlanStart) -> PlanState:
        self._reminders_decided = workflow.patched(REMINDERS_DECIDED_FIRST)
        if start.arriving is not None:  # a plan transferred in: its case is recorded before anything else
            await self._side_effects.run(ActivityName.RECORD_CASE, start.arriving)
        async with self._lock:
            await self._refresh()
            if start.imported_on is not None:  # imported: what fell due before the import is not announced
                self._watch.silence(self._cycle.owned(self._deadlines()), before=start.imported_on)
                self._cycle.forgo_reminders(self._deadlines(), start_of(start.imported_on))
            self._act_on_deadlines()
            self._flush()
            self._ready = True
        while not self._ended():
            deadlines = self._deadlines()
            if self._cycle.next_anchor(deadlines) is not None or self._suggested():
                break
            wake = self._watch.next_wake(self._cycle.owned(deadlines))
            if self._reminding():
                reminder = min(
                    (at for at, _ in self._cycle.reminders(deadlines, workflow.now())), default=None
                )
                wake = reminder if wake is None or (reminder is not None and reminder < wake) else wake
            await wait_until(wake, lambda: self._rearm or self._dirty or self._ended() or self._suggested())
            async with self._lock:
                self._rearm = False
                fired = wake is not None and workflow.now() >= wake
                if (fired or self._dirty) and not self._ended():
                    self._dirty = False
                    await self._refresh()
                    self._act_on_deadlines()
                    self._flush()
        while True:  # every command answered and every write landed, even those that came meanwhile
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._drain()
            if workflow.all_handlers_finished():
                break
        if self._ended():
            return self.state()
        self._cycle.applied = self._applied_ids
        carried = self._cycle.carried(self._deadlines())
        start = self._start.model_copy(update={"agency_by_advice_id": self._agencies})
        workflow.continue_as_new(carried.start(start, state_version=self._publisher.state_version))

    async def _refresh(self) -> None:
        """Recompute the cycle's timeline (recorded in history); prepare the read model if it changed."""
        start = self._start
        request = TimelineRequest(
            events=self._cycle.events, school_closures=start.school_closures, now=workflow.now()
        )
        self._timeline = await run_local(ActivityName.COMPUTE_TIMELINE, request, TimelineResult)
        deadlines = self._cycle.owned(self._timeline.deadlines)
        if self._stage is Stage.PLAN_TRANSFERRED:  # what follows a transfer is the new LA's to do
            deadlines = [d for d in deadlines if d.deadline not in NEW_LA_DEADLINES]
        ended = last(self._cycle.events, "plan_ceased") or (
            last(self._cycle.events, "transferred") if self._stage is Stage.PLAN_TRANSFERRED else None
        )
        self._project(
            CaseProjection(
                case_id=start.case_id,
                workflow_id=start.assessment_workflow_id,
                la_code=start.la_code,
                stage=self._stage,
                state_version=0,
                deadlines=deadlines,
                agency_by_advice_id=self._agencies,
                caseworker_id=start.caseworker_id,
                final_issued_on=start.made_on,
                closed_on=ended.date if ended else None,
                replace_from=self._cycle.cycle_from,
            )
        )

    def _act_on_deadlines(self) -> None:
        """Report breaches and escalations; remind the caseworker to arrange each review, once."""
        self._report_breaches(self._cycle.owned(self._deadlines()))
        if not self._reminding():
            return
        for d in self._cycle.remind_now(self._deadlines(), workflow.now()):
            step, facts = f"{d.deadline} ({d.rule})", meeting_dates(d)
            self._notice("review_reminder", "caseworker", step, d.due, key=key_of(d), facts=facts)

    # ---- the review cycle (CFA s.44; regs 18-21) ----

    @command(rules.check_record_review_invitations)
    async def record_review_invitations(self, cmd: RecordReviewInvitations) -> None:
        """Invitations and advice circulated for the review meeting (reg 20(2)-(4))."""
        await self._happened("review_invitations_sent", cmd.sent_on)

    @command(rules.check_hold_review_meeting)
    async def hold_review_meeting(self, cmd: HoldReviewMeeting) -> None:
        """The review meeting was held (reg 20(5)); the report is due in 2 weeks, the decision in 4."""
        await self._happened("review_meeting", cmd.held_on)
        self._record("review_meeting", cmd.led_by, cmd.held_on, cmd.actor, "")

    @command(rules.check_record_review_report)
    async def record_review_report(self, cmd: RecordReviewReport) -> None:
        """The review report was circulated (reg 20(7)-(8))."""
        await self._happened("review_report_sent", cmd.sent_on)

    @command(rules.check_waive_review_step)
    async def waive_review_step(self, cmd: WaiveReviewStep) -> None:
        """A manager waived a review step as not needed, with reasons: owed no longer, the cycle can close."""
        meeting = {"meeting_on": cmd.meeting_on.isoformat()}
        self._record("review_step_waived", cmd.step, cmd.waived_on, cmd.actor, cmd.reasons, detail=meeting)
        await self._happened("review_step_waived", cmd.waived_on, deadline=cmd.step, start=cmd.meeting_on)

    @command(rules.check_decide_review)
    async def decide_review(self, cmd: DecideReview) -> None:
        """The LA's decision after the review (reg 20(10)): keep, amend (with the proposed amendments,
        Devon [2022]) or cease (a decision notice with appeal rights). It opens the next review cycle."""
        on = cmd.decided_on
        self._cycle.events.append(StatuteEvent(event="plan_reviewed", date=on, outcome=cmd.outcome))
        self._record("review_decision", cmd.outcome, on, cmd.actor, cmd.reasons)
        if cmd.outcome == "amend":
            await self._amendments_proposed(on, cmd.method)
        elif cmd.outcome == "cease":
            await self._decision_notice("cease", on, "decision to cease the EHC plan, with appeal rights")
        else:
            await self._refresh()
            self._notice("review_decision_keep", "parent", "decision after the annual review", on)

    # ---- amendments (reg 22) and phase transfers (reg 18) ----

    @command(rules.check_propose_amendments)
    async def propose_amendments(self, cmd: ProposeAmendments) -> None:
        """A notice of proposed amendments outside a review (reg 22(2)); the amended plan is due in
        8 weeks (reg 22(3))."""
        self._record("amendment_proposed", "amend", cmd.served_on, cmd.actor, cmd.reasons)
        await self._amendments_proposed(cmd.served_on, cmd.method)

    @command(rules.check_issue_amended_plan)
    async def issue_amended_plan(self, cmd: IssueAmendedPlan) -> None:
        """The amended plan, once the 15 days for representations have passed (reg 22(2)(c), (3))."""
        detail = {"school_named": cmd.school_named} if cmd.school_named else {}
        self._record("amended_plan", "issued", cmd.issued_on, cmd.actor, "", detail=detail)
        self._withdraw_reassessment_advice()
        # Asked here, not at the run's start: a run continued as new can take this update before its
        # main method begins. Its content and school can be appealed: the notice says until when.
        if workflow.patched(CONTENT_NOTICES):
            self._cycle.events.append(StatuteEvent(event="amended_plan_issued", date=cmd.issued_on))
            plan = plan_issued("amended EHC plan", cmd.school_named)
            await self._decision_notice("plan_content", cmd.issued_on, "amended EHC plan issued", **plan)
        else:
            await self._happened("amended_plan_issued", cmd.issued_on)
            self._notice("amended_plan_issued", "parent", "amended EHC plan issued", cmd.issued_on)

    @command(rules.check_decide_not_to_amend)
    async def decide_not_to_amend(self, cmd: DecideNotToAmend) -> None:
        """The LA decided not to amend after all (reg 22(4)): the parent is told why; after a review, with
        the right to appeal (CFA s.51(2)(e))."""
        notice = rules.pending_amendments(self._cycle.events)
        self._record("decision_not_to_amend", "not_amended", cmd.decided_on, cmd.actor, cmd.reasons)
        self._cycle.events.append(StatuteEvent(event="decided_not_to_amend", date=cmd.decided_on))
        reasons, step = {"reasons": cmd.reasons}, "decision not to amend the EHC plan"
        if notice is not None and rules.after_review(self._cycle.events, notice):
            step = f"{step}, with appeal rights"
            await self._decision_notice("refuse_amend", cmd.decided_on, step, **reasons)
        else:
            await self._refresh()
            self._notice("amendment_not_made", "parent", step, cmd.decided_on, facts=reasons)

    @command(rules.check_record_phase_transfer)
    async def record_phase_transfer(self, cmd: RecordPhaseTransfer) -> None:
        """The child changes phase next September: the plan must be reviewed and amended by 15 February
        (school) or 31 March (post-16) of that year (reg 18)."""
        move = {"move": cmd.transfer_on} if cmd.transfer_on is not None else {}
        await self._happened("phase_transfer", cmd.recorded_on, kind=cmd.kind, year=cmd.year, **move)

    # ---- ceasing (regs 29-31), its appeal and mediation (CFA s.51-55; regs 33-45) ----

    @command(rules.check_decide_to_cease)
    async def decide_to_cease(self, cmd: DecideToCease) -> None:
        """The LA decided to cease the plan (reg 30); the notice carries appeal and mediation rights."""
        self._record("decision_to_cease", "cease", cmd.decided_on, cmd.actor, cmd.reasons)
        await self._decision_notice(
            "cease", cmd.decided_on, "decision to cease the EHC plan, with appeal rights"
        )

    @command(rules.check_record_appeal)
    async def record_appeal(self, cmd: RecordAppeal) -> None:
        """An appeal against the latest decision reached the tribunal: the plan stays maintained."""
        await self._happened("appeal_lodged", cmd.lodged_on)

    @command(rules.check_record_appeal_outcome)
    async def record_appeal_outcome(self, cmd: RecordAppealOutcome) -> None:
        """The tribunal decided: `continue` orders the plan maintained (reg 44, the decision to cease is
        gone); `amend` orders it amended; `dismissed` lets the LA cease it."""
        self._record("appeal_outcome", cmd.outcome, cmd.decided_on, cmd.actor, "")
        if cmd.outcome == "dismissed":
            self._cycle.appeal_concluded_on = cmd.decided_on
            await self._refresh()
        else:
            await self._happened("tribunal_order", cmd.decided_on, order=cmd.outcome)

    @command(rules.check_concede_appeal)
    async def concede_appeal(self, cmd: ConcedeAppeal) -> None:
        """The LA does not oppose the appeal (reg 45): the amended plan is due within 5 weeks (content) or
        2 weeks (the school only)."""
        self._record("appeal_conceded", cmd.appeal, cmd.conceded_on, cmd.actor, "")
        await self._happened("appeal_unopposed", cmd.conceded_on, appeal=cmd.appeal)

    @command(rules.check_record_mediation)
    async def record_mediation(self, cmd: RecordMediation) -> None:
        """A step of mediation on the latest appealable decision (CFA s.53-55; regs 33-39)."""
        fields = {"wants_mediation": bool(cmd.wants_mediation)} if cmd.step == "adviser_contacted" else {}
        await self._happened(MEDIATION_EVENTS[cmd.step], cmd.on, **fields)

    @command(rules.check_cease_plan)
    async def cease_plan(self, cmd: CeasePlan) -> None:
        """The LA stops maintaining the plan (reg 31): only once no appeal is possible or pending."""
        self._stage = Stage.PLAN_CEASED
        await self._happened("plan_ceased", cmd.ceased_on)
        self._record("plan_ceased", "ceased", cmd.ceased_on, cmd.actor, cmd.reasons)
        self._notice("plan_ceased", "parent", "EHC plan ceased", cmd.ceased_on)

    # ---- reassessment (CFA s.44(2); regs 24-28) ----

    @command(reassessment.check_request_reassessment)
    async def request_reassessment(self, cmd: RequestReassessment) -> None:
        """A request to reassess: the LA decides within 15 days (reg 25)."""
        await self._happened("reassessment_requested", cmd.requested_on)

    @command(reassessment.check_decide_reassessment)
    async def decide_reassessment(self, cmd: DecideReassessment) -> None:
        """Whether to reassess (reg 25): on `reassess` the amended plan is due in 14 weeks (reg 27); a
        refusal is a decision notice with appeal rights."""
        on = cmd.decided_on
        self._record("reassessment_decision", cmd.outcome, on, cmd.actor, cmd.reasons)
        if cmd.outcome == "refuse":
            await self._happened("reassessment_decided", on, outcome=cmd.outcome)
            await self._decision_notice("refuse_assess", on, "decision not to reassess, with appeal rights")
            return
        # Reg 26: the advice of regs 6-10, each request a child workflow with its own 6 weeks.
        self._cycle.events.append(StatuteEvent(event="reassessment_decided", date=on, outcome=cmd.outcome))
        for spec in cmd.advice:
            self._agencies[spec.advice_id] = spec.agency_id
            self._cycle.events.append(advice_requested(spec, on))
        await self._refresh()
        for spec in cmd.advice:
            plan = self._start
            start = request_start(
                case_id=plan.case_id,
                la_code=plan.la_code,
                caseworker_id=plan.caseworker_id,
                spec=spec,
                requested_on=on,
                deadlines=self._deadlines(),
                escalate_after_days=plan.escalate_after_days,
            )
            self._later(self._ask_for_advice(start))

    async def _ask_for_advice(self, start: AdviceRequestStart) -> None:
        """One reassessment advice request, a child left running across this plan's runs (its answer is
        signalled to the plan's id, whichever run holds it)."""
        await workflow.start_child_workflow(
            AdviceRequestWorkflow.run,
            start,
            id=advice_workflow_id(start.case_id, start.advice.advice_id),
            parent_close_policy=ParentClosePolicy.ABANDON,
        )

    @workflow.signal(name=ADVICE_ARRIVED)
    def advice_arrived(self, arrived: AdviceArrived) -> None:
        """From a reassessment's advice request: the agency answered."""
        events = self._cycle.events
        asked = {e.model_extra.get("id") for e in events if e.event == "advice_requested" and e.model_extra}
        answered = {e.model_extra.get("id") for e in events if e.event == "advice_received" and e.model_extra}
        if arrived.advice_id in asked and arrived.advice_id not in answered:
            events.append(
                StatuteEvent(event="advice_received", date=arrived.received_on, id=arrived.advice_id)
            )
            self._dirty = True

    def _withdraw_reassessment_advice(self) -> None:
        """The reassessment's plan is issued: advice still awaited is no longer wanted (its requests stop)."""
        events = self._cycle.events
        answered = {e.model_extra.get("id") for e in events if e.event == "advice_received" and e.model_extra}
        for e in events:
            advice_id = str((e.model_extra or {}).get("id"))
            if e.event == "advice_requested" and advice_id not in answered:
                handle = workflow.get_external_workflow_handle(
                    advice_workflow_id(self._start.case_id, advice_id)
                )
                self._later(self._cancel(handle))

    @staticmethod
    async def _cancel(handle: workflow.ExternalWorkflowHandle[Any]) -> None:
        try:
            await handle.cancel()
        except Exception:
            workflow.logger.info("advice.already_ended")

    # ---- transfer between LAs (reg 15) ----

    @command(rules.check_record_move)
    async def record_move(self, cmd: RecordMove) -> None:
        """The family is moving to another LA: the plan must go by the move, or within 15 working days
        of the LA learning of it (reg 15(1)-(2))."""
        self._record("move", "to_another_la", cmd.aware_on, cmd.actor, "", detail={"to_la": cmd.to_la})
        await self._happened("transfer_aware", cmd.aware_on, move=cmd.move_on)

    @command(rules.check_transfer_plan_out)
    async def transfer_plan_out(self, cmd: TransferPlanOut) -> None:
        """The plan went to the new LA (reg 15(2)): this LA maintains it no longer."""
        self._stage = Stage.PLAN_TRANSFERRED
        self._record("transfer", "transferred_out", cmd.transferred_on, cmd.actor, "")
        await self._happened("transferred", cmd.transferred_on)
        self._notice("plan_transferred", "parent", "EHC plan transferred to the new LA", cmd.transferred_on)

    @command(rules.check_record_transfer_informed)
    async def record_transfer_informed(self, cmd: RecordTransferInformed) -> None:
        """For a plan transferred in: the parent was told whether it will be reassessed or reviewed
        (reg 15(4), within 6 weeks)."""
        await self._happened("transfer_informed", cmd.informed_on)

    # ---- answers ----

    @workflow.update  # named ACKNOWLEDGE_PLAN (tests/workflows/test_commands.py)
    async def acknowledge(self) -> PlanState:
        """The plan as its current run holds it, once that run has projected it."""
        await workflow.wait_condition(lambda: self._ready)
        return self.state()

    @workflow.query(name=STATE_QUERY)
    def state(self) -> PlanState:
        deadlines = self._deadlines()
        reviews = [d for d in deadlines if d.deadline in ("review_due", "transfer_review") and is_pending(d)]
        deciding, ceased = rules.ceasing(self._cycle.events), last(self._cycle.events, "plan_ceased")
        return PlanState(
            case_id=self._start.case_id,
            workflow_id=self._id,
            stage=self._stage,
            state_version=self._publisher.state_version,
            as_of=self._timeline.as_of if self._timeline else self._start.made_on,
            made_on=self._start.made_on,
            review_due=min((d.due for d in reviews), default=None),
            deadlines=deadlines,
            cycle=self._cycle.cycle,
            cycle_from=self._cycle.cycle_from,
            events=self._cycle.events,
            cease_decided_on=deciding.date if deciding else None,
            ceased_on=ceased.date if ceased else None,
            run_id=workflow.info().run_id,
        )

    # ---- helpers ----

    def _facts(self) -> rules.PlanFacts:
        return rules.PlanFacts(
            events=self._cycle.events,
            deadlines=self._deadlines(),
            stage=self._stage,
            today=workflow.now().date(),
            appeal_concluded_on=self._cycle.appeal_concluded_on,
            advice_ids=frozenset(self._agencies),
        )

    def _deadlines(self) -> list[DeadlineView]:
        return self._timeline.deadlines if self._timeline else []

    async def _happened(self, event: str, on: date, **fields: Any) -> None:
        self._cycle.events.append(StatuteEvent(event=event, date=on, **fields))
        await self._refresh()

    async def _amendments_proposed(self, on: date, method: str) -> None:
        await self._happened("amendment_notice_sent", on, method=method)
        amended = latest(self._timeline, "amended_plan")
        facts = {
            "representations_end": (on + rules.REPRESENTATIONS - timedelta(days=1)).isoformat(),
            "due": amended.due.isoformat() if amended else "",
        }
        self._notice("amendment_notice", "parent", "proposed amendments to the EHC plan", on, facts=facts)

    async def _decision_notice(self, decision: str, on: date, step: str, **more: str) -> None:
        """An appealable decision: the notice with appeal and mediation rights; the appeal window opens."""
        await self._happened("decision_notice_sent", on, decision=decision)
        appeal = rules.appeal_deadline(self._facts())
        facts = {"decision": decision, "appeal_due": appeal.due.isoformat() if appeal else ""} | more
        template = "decision_refuse_reassess" if decision == "refuse_assess" else f"decision_{decision}"
        self._notice(template, "parent", step, on, facts=facts)

    def _reminding(self) -> bool:
        """Whether this run reminds the caseworker to arrange reviews (see REMINDERS_DECIDED_FIRST)."""
        return self._reminders_decided or workflow.patched(REVIEW_REMINDERS)

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
