"""`AssessmentWorkflow`: one EHC needs assessment request, from receipt to the final plan (regs 3-14).

request received -> decision whether to assess (6 weeks) -> advice gathering (a child workflow per reg 6
item) -> decision whether to issue (16 weeks) -> draft served -> 15-day representations and school
consultations -> final plan (20 weeks), which starts the plan's own workflow. A refusal at either
decision sends a notice with the appeal and mediation rights and keeps the case open until the appeal
window closes.

The case's state is its list of vocabulary events. Every change recomputes the statutory timeline with
the statute engine (a local activity, so the answer is in history), projects the read model by state
version, and re-arms one timer for the next breach or escalation. Every command is an update whose
validator refuses an illegal step before anything is written; the handler checks again under the lock,
so two commands racing cannot both pass.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from statute.advice import required_advice
    from statute.events import Child
    from workflows.advice.messages import AdviceArrived, AdviceExcepted, AdviceRequestStart
    from workflows.advice.workflow import AdviceRequestWorkflow
    from workflows.assessment.messages import (
        ApproveException,
        AssessmentStart,
        AssessmentState,
        CaseRecord,
        ClaimException,
        ConsultSchool,
        DecideAssessment,
        DecideIssue,
        ExceptionClaim,
        IssueFinalPlan,
        RecordSchoolResponse,
        ServeDraft,
        Withdraw,
    )
    from workflows.common.commands import CaseCommands, refuse
    from workflows.common.deadlines import DeadlineWatch, key_of, latest, today, wait_until
    from workflows.common.effects import run_activity, run_local
    from workflows.common.ids import ASSESSMENT_WORKFLOW as WORKFLOW_NAME
    from workflows.common.ids import advice_workflow_id, plan_workflow_id
    from workflows.common.messages import (
        ActivityName,
        AdviceSpec,
        Stage,
        StatuteEvent,
        TimelineRequest,
        TimelineResult,
    )
    from workflows.common.publisher import Publisher
    from workflows.common.records import CaseProjection, Recipient
    from workflows.plan.messages import PlanStart
    from workflows.plan.workflow import PlanWorkflow

FINISHED = frozenset({Stage.FINAL_ISSUED, Stage.WITHDRAWN, Stage.CLOSED})
APPEAL_OPEN = frozenset({Stage.REFUSED_TO_ASSESS, Stage.NOT_ISSUED})


@workflow.defn(name=WORKFLOW_NAME)
class AssessmentWorkflow(CaseCommands):
    @workflow.init
    def __init__(self, start: AssessmentStart) -> None:
        self._start = start
        self._id = workflow.info().workflow_id
        first = "brought_to_attention" if start.brought_to_attention else "request_received"
        source: dict[str, Any] = (
            {"source": start.source} if start.source and first == "request_received" else {}
        )
        self._events: list[StatuteEvent] = [StatuteEvent(event=first, date=start.received_on, **source)]
        self._stage = Stage.AWAITING_DECISION_TO_ASSESS
        self._case_id = start.case_id
        self._init_commands()
        self._publisher = Publisher()
        self._timeline: TimelineResult | None = None
        self._claims: dict[str, ExceptionClaim] = {}
        self._pending_claims: dict[str, ClaimException] = {}  # claims awaiting a manager, by claim id
        self._advice: dict[str, AdviceSpec] = {}
        self._children: dict[str, workflow.ChildWorkflowHandle[Any, Any]] = {}
        self._received: dict[str, date] = {}
        self._excepted_advice: set[str] = set()
        self._consulted: dict[str, date] = {}
        self._responded: set[str] = set()
        self._decided: dict[str, date] = {}
        self._watch = DeadlineWatch(
            escalate_after_days=start.escalate_after_days, breached=set(), escalated=set()
        )
        self._plan_id: str | None = None
        self._ready = False
        self._dirty = False  # a signal changed the facts: recompute

    # ---- the life of the case ----

    @workflow.run
    async def run(self, start: AssessmentStart) -> AssessmentState:
        await run_activity(
            ActivityName.RECORD_CASE, CaseRecord(case_id=start.case_id, workflow_id=self._id, start=start)
        )
        async with self._lock:
            await self._refresh()
            self._ready = True  # the create request can be answered; the notice need not wait for it
            self._notice("request_received", "caseworker", "request received", start.received_on)
            self._flush()
        while self._stage not in FINISHED:
            assert self._timeline is not None
            wake = self._watch.next_wake(self._timeline.deadlines)
            await wait_until(wake, lambda: self._dirty or self._rearm or self._stage in FINISHED)
            async with self._lock:
                if self._stage in FINISHED:
                    break
                # A command has refreshed already and only moved the timer; a signal or the clock
                # changes what is due, so the timeline is recomputed.
                timer_fired = wake is not None and workflow.now() >= wake
                recompute = self._dirty or timer_fired
                self._dirty = self._rearm = False  # before awaiting: a signal may arrive meanwhile
                if recompute:
                    await self._refresh()
                    await self._act_on_deadlines()
                    self._flush()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._drain()
        return self.state()

    async def _refresh(self) -> None:
        """Recompute the timeline (recorded in history), write the read model, update search attributes."""
        start = self._start
        self._timeline = await run_local(
            ActivityName.COMPUTE_TIMELINE, self._timeline_request(self._events), TimelineResult
        )
        if (
            self._stage is Stage.GATHERING_ADVICE
            and self._advice
            and set(self._advice) <= set(self._received)
        ):
            self._stage = Stage.DECIDING_WHETHER_TO_ISSUE
        appeal = latest(self._timeline, "appeal")
        if self._stage in APPEAL_OPEN and appeal is not None and appeal.status in ("closed", "met"):
            self._stage = Stage.CLOSED
        prepared = self._publisher.prepare(
            CaseProjection(
                case_id=start.case_id,
                workflow_id=self._id,
                la_code=start.la_code,
                stage=self._stage,
                state_version=0,
                deadlines=self._timeline.deadlines,
                agency_by_advice_id={a.advice_id: a.agency_id for a in self._advice.values()},
                caseworker_id=start.caseworker_id,
                final_issued_on=self._decided.get("final_issued"),
                closed_on=today() if self._stage in (Stage.CLOSED, Stage.WITHDRAWN) else None,
                week20_exception=any(
                    d.deadline == "final_plan" and d.exception_accepted for d in self._timeline.deadlines
                ),
            )
        )
        if prepared is not None:
            self._projection = prepared

    async def _act_on_deadlines(self) -> None:
        """Tell the caseworker of each newly breached deadline; escalate statutory ones to a manager."""
        assert self._timeline is not None
        for template, d in self._watch.due_now(self._timeline.deadlines, workflow.now()):
            to: Recipient = "caseworker" if template == "deadline_breached" else "manager"
            self._notice(template, to, f"{d.deadline} ({d.rule})", d.due, key=key_of(d))

    # ---- commands ----

    @workflow.update
    async def acknowledge_request(self) -> AssessmentState:
        """The answer to the create request: the case as first recorded, with its timeline."""
        await workflow.wait_condition(lambda: self._ready)
        return self.state()

    @workflow.update
    async def decide_assessment(self, cmd: DecideAssessment) -> AssessmentState:
        """The decision whether to assess (reg 5(1)); on assess, the reg 6 advice requests go out."""
        async with self._command():
            self._check_decide_assessment(cmd)
            self._decided["decision_to_assess"] = cmd.decided_on
            self._events.append(
                StatuteEvent(event="decision_to_assess", date=cmd.decided_on, outcome=cmd.outcome)
            )
            self._record("decision_to_assess", cmd.outcome, cmd.decided_on, cmd.actor, cmd.reasons)
            if cmd.outcome == "refuse":
                await self._refuse(Stage.REFUSED_TO_ASSESS, "refuse_assess", cmd.decided_on)
                return self.state()
            self._stage = Stage.GATHERING_ADVICE
            for spec in cmd.advice:
                self._advice[spec.advice_id] = spec
                fields: dict[str, Any] = {"id": spec.advice_id, "advice": spec.advice}
                if spec.school:
                    fields["school"] = spec.school
                if spec.received_by_body:
                    fields["received_by_body"] = spec.received_by_body
                self._events.append(StatuteEvent(event="advice_requested", date=cmd.decided_on, **fields))
            await self._refresh()
            for spec in cmd.advice:
                self._later(self._request_advice(spec, cmd.decided_on))
            return self.state()

    @decide_assessment.validator
    def _check_decide_assessment(self, cmd: DecideAssessment) -> None:
        self._require_role(cmd.actor, "caseworker", "manager")
        if self._stage is not Stage.AWAITING_DECISION_TO_ASSESS:
            decided = self._decided.get("decision_to_assess")
            raise refuse(
                f"the decision whether to assess was already made on {decided}" if decided else self._closed()
            )
        self._check_date(cmd.decided_on, "decided_on", not_before=self._start.received_on)
        if cmd.outcome == "refuse":
            if not cmd.reasons.strip():
                raise refuse("reasons: a refusal must give reasons against the s.36(8) test", "InvalidInput")
            if cmd.advice:
                raise refuse("advice: a refusal to assess requests no advice", "InvalidInput")
            return
        ids = [a.advice_id for a in cmd.advice]
        if len(ids) != len(set(ids)):
            raise refuse("advice: each advice_id must be different", "InvalidInput")
        child = self._start.child
        needed = required_advice(
            Child(
                year_group=child.year_group,
                visual_impairment=child.visual_impairment,
                hearing_impairment=child.hearing_impairment,
                parent_requested=tuple(self._start.parent_requested),
            )
        )
        given: list[str] = [a.advice for a in cmd.advice]
        for item in needed:
            if given.count(item.advice) < sum(1 for other in needed if other.advice == item.advice):
                raise refuse(
                    f"advice: {item.rule} requires {item.advice} advice; add a request for it", "InvalidInput"
                )

    @workflow.update
    async def decide_issue(self, cmd: DecideIssue) -> AssessmentState:
        """The decision whether to issue a plan (reg 10); advice still awaited is withdrawn."""
        async with self._command():
            self._check_decide_issue(cmd)
            self._decided["decision_to_issue"] = cmd.decided_on
            self._events.append(
                StatuteEvent(event="decision_to_issue", date=cmd.decided_on, outcome=cmd.outcome)
            )
            self._record("decision_to_issue", cmd.outcome, cmd.decided_on, cmd.actor, cmd.reasons)
            await self._withdraw_outstanding_advice()
            if cmd.outcome == "not_issue":
                await self._refuse(Stage.NOT_ISSUED, "not_issue", cmd.decided_on)
            else:
                self._stage = Stage.DRAFTING
                await self._refresh()
            return self.state()

    @decide_issue.validator
    def _check_decide_issue(self, cmd: DecideIssue) -> None:
        self._require_role(cmd.actor, "caseworker", "manager")
        if self._stage not in (Stage.GATHERING_ADVICE, Stage.DECIDING_WHETHER_TO_ISSUE):
            decided = self._decided.get("decision_to_issue")
            if decided:
                raise refuse(f"the decision whether to issue a plan was already made on {decided}")
            raise refuse(f"the case is {self._stage.value}; decide whether to assess first")
        self._check_date(cmd.decided_on, "decided_on", not_before=self._decided["decision_to_assess"])
        for advice_id, due in self._advice_dues().items():
            answered = advice_id in self._received or advice_id in self._excepted_advice
            if not answered and cmd.decided_on <= due:
                raise refuse(
                    f"advice '{advice_id}' is still awaited (due {due}); decide once it arrives or its "
                    "deadline passes"
                )

    @workflow.update
    async def serve_draft(self, cmd: ServeDraft) -> AssessmentState:
        """The draft plan is served; the parent has 15 days for representations (reg 13(1))."""
        async with self._command():
            self._check_serve_draft(cmd)
            self._decided["draft_served"] = cmd.served_on
            self._events.append(StatuteEvent(event="draft_served", date=cmd.served_on, method=cmd.method))
            self._stage = Stage.DRAFT_SERVED
            self._record("draft_served", cmd.method, cmd.served_on, cmd.actor, "")
            await self._refresh()
            window = latest(self._timeline, "representations_end")
            facts = {"representations_end": window.due.isoformat()} if window else {}
            self._notice("draft_served", "parent", "draft plan served", cmd.served_on, facts=facts)
            return self.state()

    @serve_draft.validator
    def _check_serve_draft(self, cmd: ServeDraft) -> None:
        self._require_role(cmd.actor, "caseworker", "manager")
        if self._stage is Stage.DRAFT_SERVED:
            raise refuse(f"the draft plan was already served on {self._decided['draft_served']}")
        if self._stage is not Stage.DRAFTING:
            raise refuse(f"the case is {self._stage.value}; a draft follows a decision to issue a plan")
        self._check_date(cmd.served_on, "served_on", not_before=self._decided["decision_to_issue"])

    @workflow.update
    async def consult_school(self, cmd: ConsultSchool) -> AssessmentState:
        """A school or college is consulted on being named (CFA s.39(2)-(3), s.40(3))."""
        async with self._command():
            self._check_consult_school(cmd)
            self._consulted[cmd.school] = cmd.consulted_on
            self._events.append(
                StatuteEvent(event="school_consulted", date=cmd.consulted_on, school=cmd.school)
            )
            self._record("school_consulted", cmd.school, cmd.consulted_on, cmd.actor, "")
            await self._refresh()
            self._notice("school_consulted", "school", f"consultation with {cmd.school}", cmd.consulted_on)
            return self.state()

    @consult_school.validator
    def _check_consult_school(self, cmd: ConsultSchool) -> None:
        self._require_role(cmd.actor, "caseworker", "manager")
        if self._stage is not Stage.DRAFT_SERVED:
            raise refuse(f"the case is {self._stage.value}; schools are consulted once the draft is served")
        if cmd.school in self._consulted:
            raise refuse(f"'{cmd.school}' was already consulted on {self._consulted[cmd.school]}")
        self._check_date(cmd.consulted_on, "consulted_on", not_before=self._decided["draft_served"])

    @workflow.update
    async def record_school_response(self, cmd: RecordSchoolResponse) -> AssessmentState:
        """The consulted school's answer (CoP: within 15 days)."""
        async with self._command():
            self._check_school_response(cmd)
            self._responded.add(cmd.school)
            self._events.append(
                StatuteEvent(event="school_responded", date=cmd.responded_on, school=cmd.school)
            )
            self._record("school_responded", cmd.school, cmd.responded_on, cmd.actor, "")
            await self._refresh()
            return self.state()

    @record_school_response.validator
    def _check_school_response(self, cmd: RecordSchoolResponse) -> None:
        self._require_role(cmd.actor, "caseworker", "manager")
        if cmd.school not in self._consulted:
            raise refuse(f"'{cmd.school}' was not consulted on this case")
        if cmd.school in self._responded:
            raise refuse(f"'{cmd.school}' has already responded")
        self._check_date(cmd.responded_on, "responded_on", not_before=self._consulted[cmd.school])

    @workflow.update
    async def issue_final_plan(self, cmd: IssueFinalPlan) -> AssessmentState:
        """The final plan (reg 13(2)): the plan is made, and its own workflow takes over."""
        async with self._command():
            self._check_issue_final(cmd)
            self._decided["final_issued"] = cmd.issued_on
            self._events.append(StatuteEvent(event="final_issued", date=cmd.issued_on))
            self._record("final_issued", cmd.school_named or "", cmd.issued_on, cmd.actor, "")
            self._stage = Stage.FINAL_ISSUED
            await self._refresh()
            self._notice("final_issued", "parent", "final plan issued", cmd.issued_on)
            self._plan_id = plan_workflow_id(self._start.case_id)
            self._later(
                workflow.start_child_workflow(
                    PlanWorkflow.run,
                    PlanStart(
                        case_id=self._start.case_id,
                        assessment_workflow_id=self._id,
                        la_code=self._start.la_code,
                        made_on=cmd.issued_on,
                        events=self._events,
                        school_closures=self._start.school_closures,
                        caseworker_id=self._start.caseworker_id,
                        state_version=self._publisher.state_version,
                        escalate_after_days=self._start.escalate_after_days,
                        agency_by_advice_id={a.advice_id: a.agency_id for a in self._advice.values()},
                    ),
                    id=self._plan_id,
                    parent_close_policy=ParentClosePolicy.ABANDON,
                )
            )
            return self.state()

    @issue_final_plan.validator
    def _check_issue_final(self, cmd: IssueFinalPlan) -> None:
        self._require_role(cmd.actor, "caseworker", "manager")
        if self._stage is Stage.FINAL_ISSUED:
            raise refuse(f"the final plan was already issued on {self._decided['final_issued']}")
        if self._stage is not Stage.DRAFT_SERVED:
            raise refuse(f"the case is {self._stage.value}; a final plan follows a served draft")
        self._check_date(cmd.issued_on, "issued_on", not_before=self._decided["draft_served"])
        window = latest(self._timeline, "representations_end")
        if window is not None and cmd.issued_on <= window.due:
            raise refuse(
                f"the parent's representations window runs to {window.due} (reg 13(1)(a)); the final plan "
                f"can be issued from {window.due + timedelta(days=1)}"
            )

    @workflow.update
    async def claim_exception(self, cmd: ClaimException) -> AssessmentState:
        """An exception claimed against one deadline: the statute's verdict now, a manager's approval next."""
        async with self._command():
            self._check_claim(cmd)
            claim_id = workflow.current_update_info().id  # type: ignore[union-attr]
            candidate = self._exception_event(cmd, approved_by=None)
            judged = await run_local(
                ActivityName.COMPUTE_TIMELINE,
                self._timeline_request([*self._events, candidate]),
                TimelineResult,
            )
            verdict = next(
                v
                for v in reversed(judged.exceptions)
                if v.deadline == cmd.deadline and v.kind == cmd.kind and v.advice_id == cmd.advice_id
            )
            self._claims[claim_id] = ExceptionClaim(
                claim_id=claim_id,
                deadline=cmd.deadline,
                kind=cmd.kind,
                advice_id=cmd.advice_id,
                accepted=verdict.accepted,
                reason=verdict.reason,
                claimed_by=cmd.actor.actor_id,
                claimed_on=cmd.claimed_on,
            )
            self._pending_claims[claim_id] = cmd
            self._record(
                f"exception_claim:{cmd.deadline}", cmd.kind, cmd.claimed_on, cmd.actor, verdict.reason
            )
            return self.state()

    @claim_exception.validator
    def _check_claim(self, cmd: ClaimException) -> None:
        self._require_role(cmd.actor, "caseworker", "manager")
        if self._stage in FINISHED:
            raise refuse(self._closed())
        names = {d.deadline for d in self._timeline.deadlines} if self._timeline else set()
        if cmd.deadline not in names:
            raise refuse(f"deadline: this case has no {cmd.deadline} deadline", "InvalidInput")
        if (cmd.deadline == "advice") != (cmd.advice_id is not None):
            raise refuse("advice_id: give it for an advice deadline, and only then", "InvalidInput")
        if cmd.advice_id is not None and cmd.advice_id not in self._advice:
            raise refuse(f"advice_id: no advice request '{cmd.advice_id}' on this case", "InvalidInput")
        if cmd.kind in ("school_closure", "early_years_closure") and not cmd.school:
            raise refuse(f"school: a {cmd.kind} names the school", "InvalidInput")
        if cmd.kind in ("personal_circumstances", "absence", "missed_appointment") and cmd.start is None:
            raise refuse(f"start: a {cmd.kind} needs the day it began", "InvalidInput")
        if cmd.start and cmd.end and cmd.end < cmd.start:
            raise refuse("end: is before start", "InvalidInput")
        if not cmd.evidence.strip():
            raise refuse("evidence: say what the claim rests on", "InvalidInput")
        self._check_date(cmd.claimed_on, "claimed_on", not_before=self._start.received_on)

    @workflow.update
    async def approve_exception(self, cmd: ApproveException) -> AssessmentState:
        """A manager approves a claim the statute accepted; the parent is told (CoP 9.43)."""
        async with self._command():
            self._check_approve(cmd)
            claim, request = self._claims[cmd.claim_id], self._pending_claims.pop(cmd.claim_id)
            self._claims[cmd.claim_id] = claim.model_copy(
                update={"approved_by": cmd.actor.actor_id, "approved_on": cmd.approved_on}
            )
            self._events.append(self._exception_event(request, approved_by=str(cmd.actor.actor_id)))
            self._record(f"exception_approval:{claim.deadline}", claim.kind, cmd.approved_on, cmd.actor, "")
            await self._refresh()
            self._notice(
                "exception_applied",
                "parent",
                f"exception to {claim.deadline}" + (f" ({claim.advice_id})" if claim.advice_id else ""),
                cmd.approved_on,
                key=cmd.claim_id,
                facts={"reason": claim.reason},
            )
            if claim.advice_id is not None:
                self._excepted_advice.add(claim.advice_id)
                child = self._children.get(claim.advice_id)
                if child is not None:
                    await child.signal(
                        AdviceRequestWorkflow.excepted,
                        AdviceExcepted(kind=claim.kind, approved_by=cmd.actor.actor_id),
                    )
            return self.state()

    @approve_exception.validator
    def _check_approve(self, cmd: ApproveException) -> None:
        self._require_role(cmd.actor, "manager")
        claim = self._claims.get(cmd.claim_id)
        if claim is None:
            raise refuse(f"claim_id: no exception claim '{cmd.claim_id}' on this case", "InvalidInput")
        if claim.approved_by is not None:
            raise refuse(f"the claim was already approved on {claim.approved_on}")
        if not claim.accepted:
            raise refuse(f"the law does not allow this exception: {claim.reason}")
        self._check_date(cmd.approved_on, "approved_on", not_before=claim.claimed_on)

    @workflow.update
    async def withdraw(self, cmd: Withdraw) -> AssessmentState:
        """The request is withdrawn: advice requests stop, the case closes."""
        async with self._command():
            self._check_withdraw(cmd)
            self._record("withdrawn", "withdrawn", cmd.withdrawn_on, cmd.actor, cmd.reasons)
            await self._withdraw_outstanding_advice()
            self._stage = Stage.WITHDRAWN
            await self._refresh()
            return self.state()

    @withdraw.validator
    def _check_withdraw(self, cmd: Withdraw) -> None:
        self._require_role(cmd.actor, "caseworker", "manager")
        if self._stage in FINISHED or self._stage in APPEAL_OPEN:
            raise refuse(self._closed())
        self._check_date(cmd.withdrawn_on, "withdrawn_on", not_before=self._start.received_on)

    @workflow.signal
    def advice_arrived(self, arrived: AdviceArrived) -> None:
        """From an advice request: the agency answered."""
        if arrived.advice_id in self._advice and arrived.advice_id not in self._received:
            self._received[arrived.advice_id] = arrived.received_on
            self._events.append(
                StatuteEvent(event="advice_received", date=arrived.received_on, id=arrived.advice_id)
            )
            self._dirty = True

    @workflow.query
    def state(self) -> AssessmentState:
        timeline = self._timeline
        return AssessmentState(
            case_id=self._start.case_id,
            workflow_id=self._id,
            stage=self._stage,
            state_version=self._publisher.state_version,
            as_of=timeline.as_of if timeline else self._start.received_on,
            deadlines=timeline.deadlines if timeline else [],
            claims=list(self._claims.values()),
            advice=list(self._advice.values()),
            advice_received=dict(self._received),
            schools_consulted=list(self._consulted),
            plan_workflow_id=self._plan_id,
        )

    # ---- helpers ----

    def _timeline_request(self, events: list[StatuteEvent]) -> TimelineRequest:
        child = self._start.child
        return TimelineRequest(
            events=events,
            school_closures=self._start.school_closures,
            year_group=child.year_group,
            visual_impairment=child.visual_impairment,
            hearing_impairment=child.hearing_impairment,
            parent_requested=self._start.parent_requested,
            now=workflow.now(),
        )

    def _exception_event(self, cmd: ClaimException, *, approved_by: str | None) -> StatuteEvent:
        fields = {
            "deadline": cmd.deadline,
            "kind": cmd.kind,
            "advice_id": cmd.advice_id,
            "school": cmd.school,
            "start": cmd.start,
            "end": cmd.end,
            "evidence": cmd.evidence,
            "approved_by": approved_by,
        }
        return StatuteEvent(
            event="exception", date=cmd.claimed_on, **{k: v for k, v in fields.items() if v is not None}
        )

    def _advice_dues(self) -> dict[str, date]:
        if self._timeline is None:
            return {}
        return {d.id: d.due for d in self._timeline.deadlines if d.deadline == "advice" and d.id is not None}

    async def _request_advice(self, spec: AdviceSpec, requested_on: date) -> None:
        assert self._timeline is not None
        due = next(d for d in self._timeline.deadlines if d.deadline == "advice" and d.id == spec.advice_id)
        self._children[spec.advice_id] = await workflow.start_child_workflow(
            AdviceRequestWorkflow.run,
            AdviceRequestStart(
                case_id=self._start.case_id,
                la_code=self._start.la_code,
                advice=spec,
                requested_on=requested_on,
                due=due.due,
                practical_due=due.practical_due,
                remind_before_days=self._start.remind_before_days,
                escalate_after_days=self._start.escalate_after_days,
                caseworker_id=self._start.caseworker_id,
            ),
            id=advice_workflow_id(self._start.case_id, spec.advice_id),
            parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
        )

    async def _withdraw_outstanding_advice(self) -> None:
        await self._drain()  # every advice request has started before any is withdrawn
        for advice_id, child in self._children.items():
            if advice_id not in self._received:
                child.cancel()

    async def _refuse(self, stage: Stage, decision: str, on: date) -> None:
        """A refusal: the notice with appeal and mediation rights goes out, the appeal window opens."""
        self._stage = stage
        self._events.append(StatuteEvent(event="decision_notice_sent", date=on, decision=decision))
        await self._refresh()
        appeal = latest(self._timeline, "appeal")
        facts = {"decision": decision, "appeal_due": appeal.due.isoformat() if appeal else ""}
        self._notice(f"decision_{decision}", "parent", "decision with appeal rights", on, facts=facts)

    def _closed(self) -> str:
        return f"the case is {self._stage.value}; no further steps can be taken on it"
