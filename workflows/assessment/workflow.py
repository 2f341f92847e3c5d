"""`AssessmentWorkflow`: one EHC needs assessment request, from receipt to the final plan (regs 3-14).

request -> decision whether to assess (6 weeks) -> advice (a child workflow per reg 6 item) -> decision
whether to issue (16 weeks) -> draft -> 15-day representations and school consultations -> final plan (20
weeks), which starts the plan's own workflow. A refusal at either decision sends a notice with the appeal
and mediation rights and keeps the case open until the appeal window closes.

The case's state is its list of vocabulary events. Every change recomputes the statutory timeline with
the statute engine (a local activity, so the answer is in history), projects the read model by state
version, and re-arms one timer for the next breach or escalation. Every command is an update whose
validator refuses an illegal step before anything is written; the handler checks again under the lock,
so two commands racing cannot both pass.
"""

from __future__ import annotations

from datetime import date

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from workflows.advice.messages import AdviceArrived, AdviceExcepted
    from workflows.assessment import disputes, exceptions, later, rules
    from workflows.assessment.advice import AdviceRequests, Child
    from workflows.assessment.imported import ImportRefused, steps_of
    from workflows.assessment.messages import (
        ApproveException,
        AssessmentStart,
        AssessmentState,
        CaseRecord,
        ClaimException,
        ConcedeRefusalAppeal,
        ConsultSchool,
        DecideAssessment,
        DecideIssue,
        DecideParentRequest,
        ExceptionClaim,
        ExistingAdviceUse,
        ImportedCase,
        IssueFinalPlan,
        RecordSchoolClosure,
        RecordSchoolResponse,
        RecordTribunalOutcome,
        RequestFurtherAdvice,
        ServeDraft,
        Withdraw,
    )
    from workflows.assessment.rules import FINISHED
    from workflows.common.commands import CaseCommands, command_handlers
    from workflows.common.deadlines import DeadlineWatch, latest, wait_until
    from workflows.common.disputes import MEDIATION_EVENTS
    from workflows.common.effects import run_local
    from workflows.common.ids import (
        ADVICE_ARRIVED,
        ASSESSMENT_WORKFLOW,
        STATE_QUERY,
        advice_workflow_id,
        labelled_advice_workflow_id,
        plan_workflow_id,
    )
    from workflows.common.messages import (
        ActivityName,
        AdviceSpec,
        Command,
        DeadlineView,
        SchoolClosure,
        Stage,
        StatuteEvent,
        TimelineResult,
    )
    from workflows.common.rules import advice_requested, plan_issued
    from workflows.plan.messages import RecordAppeal, RecordMediation
    from workflows.plan.workflow import PlanWorkflow

command = command_handlers(AssessmentState)

# Runs since this patch keep the read model true (issue 9 s.4): a withdrawal is a statute event, so nothing
# stays owed; advice withdrawn at the decision is waited for, so advice accepted just before it counts; a
# signal after the last step is recomputed before the end. Decided in the first activation.
READ_MODEL_TRUTH = "read-model-truth"
# Runs since this patch name their advice requests' workflows by a hash of the label (common/ids.py).
ADVICE_IDS_HASHED = "advice-ids-hashed"
# Runs since this patch send the final plan's notice as a decision with appeal rights and its appeal
# deadline (`plan_content`, issue 11 s.2), where earlier runs sent `final_issued` without either.
PLAN_CONTENT_NOTICE = "plan-content-notice"


@workflow.defn(name=ASSESSMENT_WORKFLOW)
class AssessmentWorkflow(CaseCommands[AssessmentState]):
    @workflow.init
    def __init__(self, start: AssessmentStart) -> None:
        self._start = start
        workflow_id = workflow.info().workflow_id
        self._init_commands(
            workflow_id=workflow_id,
            case_id=start.case_id,
            case_ref=workflow_id,
            watch=DeadlineWatch(
                escalate_after_days=start.escalate_after_days, breached=set(), escalated=set()
            ),
        )
        self._events: list[StatuteEvent] = [rules.first_event(start)]
        self._stage = Stage.AWAITING_DECISION_TO_ASSESS
        self._timeline: TimelineResult | None = None
        self._claims: dict[str, ExceptionClaim] = {}
        self._pending_claims: dict[str, ClaimException] = {}  # claims awaiting a manager, by claim id
        self._advice: dict[str, AdviceSpec] = {}
        self._requests = AdviceRequests()
        self._received: dict[str, date] = {}
        self._excepted_advice: set[str] = set()
        self._consulted: dict[str, date] = {}
        self._responded: set[str] = set()
        self._closures: list[SchoolClosure] = list(start.school_closures)
        self._parent_requests: dict[str, bool] = {}  # reg 6(1)(h), by person: found reasonable?
        self._refused_requests: dict[str, str] = {}  # and why not
        self._reused: list[ExistingAdviceUse] = []  # advice already held standing instead of a request
        self._decided: dict[str, date] = {}
        self._plan_id: str | None = None
        self._asked_on: dict[str, date] = {}  # an imported request's advice, by the day each was asked
        self._refused: str | None = None  # why an imported case could not be taken
        self._ready = False
        self._dirty = False  # a signal changed the facts: recompute

    @workflow.run
    async def run(self, start: AssessmentStart) -> AssessmentState:
        self._truthful = workflow.patched(READ_MODEL_TRUTH)
        self._hashed_ids = workflow.patched(ADVICE_IDS_HASHED)
        self._content_notice = workflow.patched(PLAN_CONTENT_NOTICE)
        if start.imported is not None:
            self._refused = await self._take_imported(start.imported)
            if self._refused is not None:  # nothing was written: the import's answer says why
                self._ready = True
                await workflow.wait_condition(workflow.all_handlers_finished)
                raise ApplicationError(self._refused, type="IllegalStep", non_retryable=True)
        await self._side_effects.run(
            ActivityName.RECORD_CASE, CaseRecord(case_id=start.case_id, workflow_id=self._id, start=start)
        )
        async with self._lock:
            await self._refresh()
            self._ready = True  # the create request can be answered; the notice need not wait for it
            if start.imported is None:
                self._notice("request_received", "caseworker", "request received", start.received_on)
            else:
                self._dirty = False  # the imported answers are in the timeline just computed
                self._watch.silence(self._deadlines(), before=start.imported.imported_on)
                self._ask_outstanding(start.imported.imported_on)
            self._flush()
        while self._stage not in FINISHED:
            wake = self._watch.next_wake(self._deadlines(), advice=self._truthful)
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
                    self._report_breaches(self._deadlines())
                    self._flush()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._drain()
        if self._truthful and self._dirty:  # advice arrived after the last step: the read model shows it
            async with self._lock:
                self._dirty = False
                await self._refresh()
                self._flush()
            await self._drain()
        return self.state()

    async def _refresh(self) -> None:
        """Recompute the timeline (recorded in history), write the read model, update search attributes."""
        self._timeline = await self._timeline_of(self._events)
        self._stage = rules.stage_now(self._stage, self._facts())
        self._project(
            rules.projection(
                self._start,
                workflow_id=self._id,
                stage=self._stage,
                timeline=self._timeline,
                advice=self._advice,
                decided=self._decided,
                today=workflow.now().date(),
            )
        )

    @workflow.update  # named ACKNOWLEDGE_REQUEST (tests/workflows/test_commands.py)
    async def acknowledge_request(self) -> AssessmentState:
        """The answer to the create request: the case as first recorded, with its timeline; for an imported
        case, the refusal of the first of its steps that could not be taken."""
        await workflow.wait_condition(lambda: self._ready)
        if self._refused is not None:
            raise ApplicationError(self._refused, type="IllegalStep", non_retryable=True)
        return self.state()

    # ---- a case imported in flight (`ehcp import`) ----

    async def _take_imported(self, imported: ImportedCase) -> str | None:
        """Take the imported case's steps, each by its command's rule, announcing nothing and holding what
        they write until the case is recorded; the first refusal, if any, as `events[i]: why`."""
        try:
            taken = steps_of(imported)
        except ImportRefused as refused:
            return str(refused)
        self._asked_on = taken.asked_on
        self._importing = True
        try:
            for index, step in taken.steps:
                try:
                    await self._take_step(step)
                except ApplicationError as error:
                    return f"events[{index}]: {error.message}"
        finally:
            self._importing = False
        return None

    async def _take_step(self, step: Command | AdviceArrived | StatuteEvent) -> None:
        """One step: an answer or an exception changes the facts (recomputed before the next command needs
        them, or once the case is recorded); a command is judged by its rule on the facts as they stand."""
        if isinstance(step, AdviceArrived):
            if step.advice_id not in self._advice or step.advice_id in self._received:
                raise ApplicationError(
                    f"advice '{step.advice_id}' was not asked for, or was received already"
                )
            self.advice_arrived(step)
        elif isinstance(step, StatuteEvent):  # an approved exception
            self._events.append(step)
            advice_id = (step.model_extra or {}).get("advice_id")
            if advice_id is not None:
                self._excepted_advice.add(str(advice_id))
            self._dirty = True
        else:
            if self._dirty:
                async with self._lock:
                    await self._refresh()
                self._dirty = False
            await getattr(self, step.update_name)(step)

    def _ask_outstanding(self, imported_on: date) -> None:
        """The imported case's advice still awaited: a request each, sent already, so chased from now on."""
        if self._stage is not Stage.GATHERING_ADVICE:
            return
        for advice_id, spec in self._advice.items():
            if advice_id not in self._received:
                self._later(
                    self._request_advice(spec, self._asked_on.get(advice_id, imported_on), imported_on)
                )

    @command(rules.check_decide_assessment)
    async def decide_assessment(self, cmd: DecideAssessment) -> None:
        """The decision whether to assess (reg 5(1)); on assess, the reg 6 advice requests go out."""
        self._decided["decision_to_assess"] = cmd.decided_on
        self._events.append(
            StatuteEvent(event="decision_to_assess", date=cmd.decided_on, outcome=cmd.outcome)
        )
        self._record("decision_to_assess", cmd.outcome, cmd.decided_on, cmd.actor, cmd.reasons)
        if cmd.outcome == "refuse":
            await self._appealable_decision(Stage.REFUSED_TO_ASSESS, "refuse_assess", cmd.decided_on)
            return
        for existing in cmd.existing_advice:  # reg 6(4): no request, no clock; the trail says what stands
            self._reused.append(existing)
            self._record(
                f"existing_advice:{existing.advice}",
                "reused",
                cmd.decided_on,
                cmd.actor,
                existing.description,
            )
        await self._ask_for_advice(cmd.advice, cmd.decided_on)

    @command(later.check_decide_parent_request)
    async def decide_parent_request(self, cmd: DecideParentRequest) -> None:
        """The LA's decision on the parent's request for advice from a person (reg 6(1)(h)), with reasons."""
        self._parent_requests[cmd.person] = cmd.reasonable
        if not cmd.reasonable:
            self._refused_requests[cmd.person] = cmd.reasons
        outcome = "reasonable" if cmd.reasonable else "not_reasonable"
        self._record(
            "parent_request", outcome, cmd.decided_on, cmd.actor, cmd.reasons, detail={"person": cmd.person}
        )
        await self._refresh()

    @command(later.check_request_further_advice)
    async def request_further_advice(self, cmd: RequestFurtherAdvice) -> None:
        """Advice asked after the decision to assess: its own 6 weeks, from the day its body received it."""
        asked = ", ".join(spec.advice_id for spec in cmd.advice)
        self._record("further_advice", asked, cmd.requested_on, cmd.actor, cmd.reasons)
        await self._ask_for_advice(cmd.advice, cmd.requested_on)

    @command(rules.check_decide_issue)
    async def decide_issue(self, cmd: DecideIssue) -> None:
        """The decision whether to issue a plan (reg 10); advice still awaited is withdrawn."""
        self._decided["decision_to_issue"] = cmd.decided_on
        self._events.append(StatuteEvent(event="decision_to_issue", date=cmd.decided_on, outcome=cmd.outcome))
        self._record("decision_to_issue", cmd.outcome, cmd.decided_on, cmd.actor, cmd.reasons)
        await self._withdraw_outstanding_advice()
        if cmd.outcome == "not_issue":
            await self._appealable_decision(Stage.NOT_ISSUED, "not_issue", cmd.decided_on)
        else:
            self._stage = Stage.DRAFTING
            await self._refresh()

    @command(rules.check_serve_draft)
    async def serve_draft(self, cmd: ServeDraft) -> None:
        """The draft plan is served; the parent has 15 days for representations (reg 13(1))."""
        self._decided["draft_served"] = cmd.served_on
        self._events.append(StatuteEvent(event="draft_served", date=cmd.served_on, method=cmd.method))
        self._stage = Stage.DRAFT_SERVED
        self._record("draft_served", cmd.method, cmd.served_on, cmd.actor, "")
        await self._refresh()
        window = latest(self._timeline, "representations_end")
        facts = {"representations_end": window.due.isoformat()} if window else {}
        self._notice("draft_served", "parent", "draft plan served", cmd.served_on, facts=facts)

    @command(rules.check_consult_school)
    async def consult_school(self, cmd: ConsultSchool) -> None:
        """A school or college is consulted on being named (CFA s.39(2)-(3), s.40(3))."""
        self._consulted[cmd.school] = cmd.consulted_on
        self._events.append(StatuteEvent(event="school_consulted", date=cmd.consulted_on, school=cmd.school))
        self._record("school_consulted", cmd.school, cmd.consulted_on, cmd.actor, "")
        await self._refresh()
        self._notice("school_consulted", "school", f"consultation with {cmd.school}", cmd.consulted_on)

    @command(later.check_record_school_closure)
    async def record_school_closure(self, cmd: RecordSchoolClosure) -> None:
        """A closure of the child's school learned after the request: judged as one recorded with it."""
        closure = SchoolClosure(school=cmd.school, first_closed=cmd.first_closed, reopens=cmd.reopens)
        self._closures.append(closure)
        dates = {"first_closed": cmd.first_closed.isoformat(), "reopens": cmd.reopens.isoformat()}
        self._record("school_closure", cmd.school, cmd.recorded_on, cmd.actor, "", detail=dates)
        await self._refresh()

    @command(rules.check_record_school_response)
    async def record_school_response(self, cmd: RecordSchoolResponse) -> None:
        """The consulted school's answer (CoP: within 15 days)."""
        self._responded.add(cmd.school)
        self._events.append(StatuteEvent(event="school_responded", date=cmd.responded_on, school=cmd.school))
        self._record("school_responded", cmd.school, cmd.responded_on, cmd.actor, "")
        await self._refresh()

    @command(rules.check_issue_final_plan)
    async def issue_final_plan(self, cmd: IssueFinalPlan) -> None:
        """The final plan (reg 13(2)): the plan is made, and its own workflow takes over."""
        self._decided["final_issued"] = cmd.issued_on
        self._events.append(StatuteEvent(event="final_issued", date=cmd.issued_on))
        self._record("final_issued", cmd.school_named or "", cmd.issued_on, cmd.actor, "")
        if self._content_notice:  # the plan's content and school can be appealed: the notice says until when
            issued = plan_issued("final EHC plan", cmd.school_named)
            await self._appealable_decision(Stage.FINAL_ISSUED, "plan_content", cmd.issued_on, **issued)
        else:
            self._stage = Stage.FINAL_ISSUED
            await self._refresh()
            self._notice("final_issued", "parent", "final plan issued", cmd.issued_on)
        if self._truthful:
            # The assessment's last read model lands before the plan's first: written after it, it was
            # dropped as older, and the final plan stayed overdue in the read model for ever.
            self._flush()
            await self._drain()
        self._plan_id = plan_workflow_id(self._start.case_id)
        plan = rules.plan_start(
            self._start,
            assessment_workflow_id=self._id,
            made_on=cmd.issued_on,
            events=self._events,
            state_version=self._publisher.state_version,
            advice=self._advice,
            closures=self._closures,
        )
        self._later(
            workflow.start_child_workflow(
                PlanWorkflow.run, plan, id=self._plan_id, parent_close_policy=ParentClosePolicy.ABANDON
            )
        )

    # ---- disagreements with a refusal (CFA s.51-55; regs 33-45) ----

    @command(disputes.check_record_refusal_mediation)
    async def record_mediation(self, cmd: RecordMediation) -> None:
        """A step of mediation on the refusal: the adviser contacted, mediation held or not, the
        certificate (which can move the last day to appeal)."""
        fields = {"wants_mediation": bool(cmd.wants_mediation)} if cmd.step == "adviser_contacted" else {}
        self._events.append(StatuteEvent(event=MEDIATION_EVENTS[cmd.step], date=cmd.on, **fields))
        await self._refresh()

    @command(disputes.check_record_refusal_appeal)
    async def record_appeal(self, cmd: RecordAppeal) -> None:
        """The family's appeal against the refusal reached the tribunal: the case waits for its decision."""
        self._stage = Stage.APPEALED
        self._events.append(StatuteEvent(event="appeal_lodged", date=cmd.lodged_on))
        self._record("appeal", "lodged", cmd.lodged_on, cmd.actor, "")
        await self._refresh()

    @command(disputes.check_record_tribunal_outcome)
    async def record_appeal_outcome(self, cmd: RecordTribunalOutcome) -> None:
        """The tribunal's decision: dismissed, the case closes; an order (reg 44) starts the assessment
        again on the ordered clock."""
        self._record("appeal_outcome", cmd.outcome, cmd.decided_on, cmd.actor, "")
        if cmd.outcome == "dismissed":
            self._stage = Stage.CLOSED
            await self._refresh()
            return
        self._events.append(StatuteEvent(event="tribunal_order", date=cmd.decided_on, order=cmd.outcome))
        await self._ordered(assess=cmd.outcome == "assess")

    @command(disputes.check_concede_refusal_appeal)
    async def concede_appeal(self, cmd: ConcedeRefusalAppeal) -> None:
        """The LA does not oppose the appeal (reg 45): it acts as if ordered to, on the same clocks."""
        self._record("appeal_conceded", cmd.appeal, cmd.conceded_on, cmd.actor, "")
        self._events.append(StatuteEvent(event="appeal_unopposed", date=cmd.conceded_on, appeal=cmd.appeal))
        await self._ordered(assess=cmd.appeal == "refuse_assess")

    async def _ordered(self, *, assess: bool) -> None:
        """To assess: the decision whether to assess is taken again (notified within 2 weeks, reg 44(2)),
        then the pathway as before; to make and maintain a plan: the draft, then the final plan."""
        if assess:
            self._decided.pop("decision_to_assess", None)
        self._stage = Stage.AWAITING_DECISION_TO_ASSESS if assess else Stage.DRAFTING
        await self._refresh()

    @command(exceptions.check_claim_exception)
    async def claim_exception(self, cmd: ClaimException) -> None:
        """An exception claimed against one deadline: the statute's verdict now, a manager's approval next."""
        claim_id = workflow.current_update_info().id  # type: ignore[union-attr]
        candidate = exceptions.exception_event(cmd, approved_by=None)
        judged = await self._timeline_of([*self._events, candidate])
        verdict = exceptions.verdict_on(judged, cmd)
        self._claims[claim_id] = exceptions.claim_of(claim_id, cmd, verdict)
        self._pending_claims[claim_id] = cmd
        verdict_of = {"accepted": "yes" if verdict.accepted else "no"}
        step = f"exception_claim:{cmd.deadline}"
        self._record(step, cmd.kind, cmd.claimed_on, cmd.actor, verdict.reason, detail=verdict_of)

    @command(exceptions.check_approve_exception)
    async def approve_exception(self, cmd: ApproveException) -> None:
        """A manager approves a claim the statute accepted; the parent is told (CoP 9.43)."""
        claim, request = self._claims[cmd.claim_id], self._pending_claims.pop(cmd.claim_id)
        self._claims[cmd.claim_id] = claim.model_copy(
            update={"approved_by": cmd.actor.actor_id, "approved_on": cmd.approved_on}
        )
        self._events.append(exceptions.exception_event(request, approved_by=str(cmd.actor.actor_id)))
        step = f"exception_approval:{claim.deadline}"
        self._record(step, claim.kind, cmd.approved_on, cmd.actor, "", detail={"claim_id": cmd.claim_id})
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
            await self._requests.tell_excepted(
                claim.advice_id,
                AdviceExcepted(kind=claim.kind, approved_by=cmd.actor.actor_id),
                ended=claim.advice_id in self._received or self._stage is not Stage.GATHERING_ADVICE,
                truthful=self._truthful,
            )

    @command(rules.check_withdraw)
    async def withdraw(self, cmd: Withdraw) -> None:
        """The request is withdrawn: advice requests stop, the case closes."""
        self._record("withdrawn", "withdrawn", cmd.withdrawn_on, cmd.actor, cmd.reasons)
        if self._truthful:
            self._events.append(StatuteEvent(event="request_withdrawn", date=cmd.withdrawn_on))
        await self._withdraw_outstanding_advice()
        self._stage = Stage.WITHDRAWN
        await self._refresh()

    @workflow.signal(name=ADVICE_ARRIVED)
    def advice_arrived(self, arrived: AdviceArrived) -> None:
        """From an advice request: the agency answered."""
        if arrived.advice_id in self._advice and arrived.advice_id not in self._received:
            self._received[arrived.advice_id] = arrived.received_on
            self._events.append(
                StatuteEvent(event="advice_received", date=arrived.received_on, id=arrived.advice_id)
            )
            self._dirty = True

    @workflow.query(name=STATE_QUERY)
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
            school_closures=self._closures,
            parent_requests_refused=self._refused_requests,
            advice_reused=self._reused,
        )

    # ---- helpers ----

    def _facts(self) -> rules.AssessmentFacts:
        return rules.AssessmentFacts(
            start=self._start,
            stage=self._stage,
            deadlines=self._deadlines(),
            today=workflow.now().date(),
            decided=self._decided,
            advice=self._advice,
            received=self._received,
            excepted_advice=self._excepted_advice,
            consulted=self._consulted,
            responded=self._responded,
            claims=self._claims,
            closures=self._closures,
            events=self._events,
            parent_requests=self._parent_requests,
        )

    async def _timeline_of(self, events: list[StatuteEvent]) -> TimelineResult:
        """The statute engine's timeline over `events` and the case's facts as they now stand (the school
        closures known, the parent's requests not refused), as a local activity recorded in history."""
        requested = rules.still_requested(self._start, self._parent_requests)
        reused = [existing.advice for existing in self._reused]
        now = workflow.now()
        request = rules.timeline_request(self._start, events, now, self._closures, requested, reused=reused)
        return await run_local(ActivityName.COMPUTE_TIMELINE, request, TimelineResult)

    def _deadlines(self) -> list[DeadlineView]:
        return self._timeline.deadlines if self._timeline else []

    async def _ask_for_advice(self, specs: list[AdviceSpec], on: date) -> None:
        """Reg 6 advice requests: events now, each a child workflow once the timeline has its deadline."""
        self._stage = Stage.GATHERING_ADVICE
        for spec in specs:
            self._advice[spec.advice_id] = spec
            self._events.append(advice_requested(spec, self._asked_on.get(spec.advice_id, on)))
        await self._refresh()
        if self._importing:  # asked before the import: those still awaited are asked once it is recorded
            return
        for spec in specs:
            self._later(self._request_advice(spec, on))

    async def _request_advice(
        self, spec: AdviceSpec, requested_on: date, imported_on: date | None = None
    ) -> None:
        name = advice_workflow_id if self._hashed_ids else labelled_advice_workflow_id
        start = rules.advice_request_start(self._start, spec, requested_on, self._deadlines())
        if imported_on is not None:
            excepted = spec.advice_id in self._excepted_advice
            start = start.model_copy(update={"imported_on": imported_on, "excepted": excepted})
        await self._requests.send(start, name(self._start.case_id, spec.advice_id))

    async def _withdraw_outstanding_advice(self) -> None:
        await self._drain()  # every advice request has started before any is withdrawn
        outstanding = self._requests.withdraw(self._received)
        if self._truthful:
            for advice_id, child in outstanding.items():
                self._later(self._received_anyway(advice_id, child))

    async def _received_anyway(self, advice_id: str, child: Child) -> None:
        """An answer accepted just before the cancellation still counts, even if its signal never reaches
        this case. Waited for in the background, not by the command (a delivery may wait on a retry), and
        before the case ends."""
        received_on = await AdviceRequests.received_on(child)
        if received_on is not None:
            self.advice_arrived(AdviceArrived(advice_id=advice_id, received_on=received_on))

    async def _appealable_decision(self, stage: Stage, decision: str, on: date, **more: str) -> None:
        """An appealable decision (a refusal, or the final plan): the notice with appeal and mediation
        rights goes out, the appeal window opens."""
        self._stage = stage
        self._events.append(StatuteEvent(event="decision_notice_sent", date=on, decision=decision))
        await self._refresh()
        appeal = latest(self._timeline, "appeal")
        facts = {"decision": decision, "appeal_due": appeal.due.isoformat() if appeal else ""} | more
        self._notice(f"decision_{decision}", "parent", "decision with appeal rights", on, facts=facts)
