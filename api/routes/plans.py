"""Plans' routes: each step of an EHC plan's life (CFA s.44-45; regs 18-31), the plan as it stands, and
the phase-transfer cohort planner (reg 18; docs/phase-transfers.md).

Each command is one update of the plan's workflow (`plan-<case id>`), with the caller's Idempotency-Key
as its id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.deps import CaseReader, CaseWorker, IdempotencyKey, PlanReader, SessionDep, SettingsDep, TemporalDep
from api.query import refuse_unknown_query
from api.routes.commands import CaseId, CommandRoute, add_command_routes
from api.schemas.common import error_responses
from api.schemas.plans import (
    AmendedPlanCreate,
    AmendmentsCreate,
    AppealConcessionCreate,
    AppealCreate,
    AppealOutcomeCreate,
    CeaseDecisionCreate,
    CessationCreate,
    MediationCreate,
    MoveCreate,
    NoAmendmentDecisionCreate,
    PhaseTransferCreate,
    PhaseTransferPage,
    PlanArrivalCreate,
    PlanRead,
    ReassessmentDecisionCreate,
    ReassessmentRequestCreate,
    ReviewDecisionCreate,
    ReviewInvitationsCreate,
    ReviewMeetingCreate,
    ReviewReportCreate,
    ReviewStepWaiverCreate,
    TransferInformedCreate,
    TransferOutCreate,
)
from api.services.clock import today_in_england
from api.services.plans import get_plan, phase_transfer_cohort, receive_plan, run_plan_command
from statute.conventions import Conventions

router = APIRouter(prefix="/api", tags=["plans"], dependencies=[Depends(refuse_unknown_query)])

ROLES = " Roles: caseworker, manager."

# Each is one update of the plan's workflow (workflows/plan/), named after it in OpenAPI.
PLAN_COMMANDS: tuple[CommandRoute, ...] = (
    CommandRoute(
        "review-invitations",
        ReviewInvitationsCreate,
        "Record the review meeting's invitations",
        "Invitations to the annual review meeting, with the advice and information gathered, went to the "
        "parent or young person, the school, the LA's SEN and social care officers and health (reg "
        "20(2)-(4)): at least 2 weeks before the meeting." + ROLES,
    ),
    CommandRoute(
        "review-meetings",
        ReviewMeetingCreate,
        "Record the annual review meeting",
        "The annual review meeting was held (CFA s.44(1); reg 20(5)-(6)), led by the school or setting "
        "(reg 20(1)) or by the LA (reg 21): the report is due within 2 weeks and the LA's decision within "
        "4 weeks of it (reg 20(7), (10)). Refused while an earlier meeting awaits its decision." + ROLES,
    ),
    CommandRoute(
        "review-reports",
        ReviewReportCreate,
        "Record the review report",
        "The report of the review meeting, with its recommendations and any disagreement, was circulated "
        "to everyone invited (reg 20(7)-(8)), within 2 weeks of the meeting." + ROLES,
    ),
    CommandRoute(
        "review-decisions",
        ReviewDecisionCreate,
        "Decide after the annual review",
        "The LA's decision after the review, within 4 weeks of the meeting (reg 20(10)): `keep` the plan; "
        "`amend` it, the notice of proposed amendments going with the decision (R (L, M, P) v Devon CC "
        "[2022]; reg 22(2)) and the amended plan due 8 weeks later (reg 22(3)); or `cease` it, with "
        "reasons and a notice of appeal rights (reg 31; CFA s.51(2)(e)). The next 12-month review period "
        "starts (CFA s.44(1))." + ROLES,
    ),
    CommandRoute(
        "amendments",
        AmendmentsCreate,
        "Propose amendments outside a review",
        "A notice of proposed amendments, with the plan and the evidence, was served on the parent or "
        "young person (reg 22(2)): their 15 days for representations begin (reg 22(2)(c)) and the amended "
        "plan is due within 8 weeks (reg 22(3)). Refused while earlier amendments await their amended "
        "plan." + ROLES,
    ),
    CommandRoute(
        "amended-plans",
        AmendedPlanCreate,
        "Issue the amended plan",
        "The amended plan was issued to the parent or young person, the named school and the "
        "commissioning body (reg 22(3), within 8 weeks of the notice), once the 15 days for "
        "representations (reg 22(2)(c)) have passed." + ROLES,
    ),
    CommandRoute(
        "review-step-waivers",
        ReviewStepWaiverCreate,
        "Waive a review step as not needed",
        "A manager waives a step of a review meeting that was never taken (its invitations, reg "
        "20(2)-(4), or its report, reg 20(7)) as not needed, with the reasons: the step is owed no longer "
        "(`withdrawn`), so the review cycle closes on purpose instead of staying open. Audited like every "
        "command. Roles: manager.",
    ),
    CommandRoute(
        "decisions-not-to-amend",
        NoAmendmentDecisionCreate,
        "Decide not to amend after all",
        "The LA decided not to make the amendments it proposed (reg 22(4)): the parent or young person is "
        "told, with the reasons, and the 8 weeks of reg 22(3) are settled. After an annual review it is a "
        "decision they can appeal (CFA s.51(2)(e)): the notice carries the last day to appeal, and its "
        "window is tracked as the plan's `appeal` deadline." + ROLES,
    ),
    CommandRoute(
        "phase-transfers",
        PhaseTransferCreate,
        "Record a phase transfer",
        "The child changes phase in September of `year` (reg 18): the plan must be reviewed and, where "
        "necessary, amended before 15 February (`school`) or 31 March (`post16`) of that year. Recorded "
        "within the 12 months before it; a recorded transfer wins over the cohort planner's guess from "
        "the date of birth." + ROLES,
    ),
    CommandRoute(
        "cease-decisions",
        CeaseDecisionCreate,
        "Decide to cease the plan",
        "The LA decided to cease the plan (CFA s.45; regs 29-31) after informing and consulting the "
        "parent or young person and the school, giving its reasons; the notice carries appeal and "
        "mediation rights (reg 31(3); CFA s.51(2)(e)) and the plan stays maintained while an appeal is "
        "possible." + ROLES,
    ),
    CommandRoute(
        "mediation",
        MediationCreate,
        "Record a step of mediation",
        "On the latest appealable decision (to cease, not to reassess): the parent or young person "
        "contacted the mediation adviser (CFA s.55) and said whether they want mediation, which must then "
        "be held within 30 days (reg 37); the mediation was held or could not be arranged; the certificate "
        "was issued (within 3 working days, regs 34 and 39), which can move the appeal deadline to a month "
        "after it (HESC Rules r.20)." + ROLES,
    ),
    CommandRoute(
        "appeals",
        AppealCreate,
        "Record an appeal against the latest decision",
        "An appeal against the latest appealable decision (to cease, not to reassess) reached the "
        "First-tier Tribunal in time (CFA s.51; HESC Rules r.20): a plan the LA decided to cease stays "
        "maintained until it is decided (CFA s.45)." + ROLES,
    ),
    CommandRoute(
        "appeal-outcomes",
        AppealOutcomeCreate,
        "Record the tribunal's decision",
        "The tribunal decided the appeal: `continue` orders the plan maintained and a decision to cease "
        "falls (reg 44); `amend` orders it amended, the amended plan due within 5 weeks (reg 44(2)(d)); "
        "`dismissed` upholds the LA's decision." + ROLES,
    ),
    CommandRoute(
        "appeal-concessions",
        AppealConcessionCreate,
        "Concede an appeal",
        "The LA does not oppose an appeal on the plan's content or the school named (reg 45): the amended "
        "plan is due within 5 weeks (content) or 2 weeks (the school only)." + ROLES,
    ),
    CommandRoute(
        "reassessment-requests",
        ReassessmentRequestCreate,
        "Record a request to reassess",
        "A request to reassess the child's or young person's needs (CFA s.44(2); reg 24): the LA decides "
        "within 15 days (reg 25). Refused while an earlier request awaits its decision." + ROLES,
    ),
    CommandRoute(
        "reassessment-decisions",
        ReassessmentDecisionCreate,
        "Decide whether to reassess",
        "Whether to reassess (reg 25): on `reassess`, the amended plan is due within 14 weeks (reg 27); a "
        "refusal gives reasons and sends the notice with appeal and mediation rights (CFA s.51(2)(c))."
        + ROLES,
    ),
    CommandRoute(
        "moves",
        MoveCreate,
        "Record a move to another LA",
        "The LA learned the family is moving to another local authority (reg 15(1)): the plan must be "
        "transferred by the move, or within 15 working days of learning of it if that is later "
        "(reg 15(2))." + ROLES,
    ),
    CommandRoute(
        "transfer-out",
        TransferOutCreate,
        "Transfer the plan to the new LA",
        "The plan was transferred to the new local authority (reg 15(2)); this LA maintains it no longer, "
        "its workflow ends and every later step is refused with 409. The new LA's duties (to tell the "
        "family within 6 weeks, to review) are not this LA's." + ROLES,
    ),
    CommandRoute(
        "transfer-informed",
        TransferInformedCreate,
        "Record the family told after a transfer in",
        "For a plan transferred in from another LA: the parent or young person was told whether the plan "
        "will be reviewed or the needs reassessed (reg 15(4), within 6 weeks of the transfer)." + ROLES,
    ),
    CommandRoute(
        "cessation",
        CessationCreate,
        "Cease the plan",
        "The LA stops maintaining the plan (CFA s.45; reg 31) once no appeal against the decision to "
        "cease is possible or pending. The plan's workflow ends: every later step is refused with 409."
        + ROLES,
    ),
)


@router.post(
    "/plans",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanRead,
    summary="Receive a plan transferred in from another LA",
    description=(
        "A child or young person with an EHC plan moved here and the old LA transferred the plan "
        "(reg 15(2)): records the case and starts the plan's workflow. This LA must tell the family within "
        "6 weeks whether it will review the plan or reassess (reg 15(4)) and review it within 12 months "
        "of its making or 3 months of the transfer, whichever is later (reg 15(5)). The Idempotency-Key "
        "names the case: a retried request answers the same plan." + ROLES
    ),
    responses=error_responses(401, 403, 409, 422, 503),
)
async def receive_plan_transferred_in(
    *,
    body: PlanArrivalCreate,
    user: CaseWorker,
    key: IdempotencyKey,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> PlanRead:
    return await receive_plan(
        session=session,
        client=client,
        settings=settings,
        user=user,
        arrival=body,
        idempotency_key=key,
        today=today_in_england(),
    )


add_command_routes(
    router,
    PLAN_COMMANDS,
    under="/plans/{case_id}",
    run=run_plan_command,
    response_model=PlanRead,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)


@router.get(
    "/plans/{case_id}",
    response_model=PlanRead,
    summary="Read one plan and the deadlines of all its review cycles",
    description=(
        "The plan's read-model row; the live state of its current review cycle (stage, events, and that "
        "cycle's deadlines: the review within 12 months (CFA s.44(1)), invitations, report and decision "
        "(reg 20), the amended plan (reg 22(3)), a phase transfer (reg 18), an appeal against ceasing); "
        "and the deadlines of every cycle from the read model, soonest due first. 404 for a case with no "
        "plan, and for an agency. Roles: caseworker, manager, admin."
    ),
    responses=error_responses(401, 403, 404, 422, 503),
)
async def read_plan(
    *, case_id: CaseId, user: PlanReader, session: SessionDep, client: TemporalDep, settings: SettingsDep
) -> PlanRead:
    return await get_plan(
        session=session, client=client, case_id=case_id, deadline=settings.temporal_deadline
    )


@router.get(
    "/phase-transfers",
    response_model=PhaseTransferPage,
    summary="Plan the phase transfers of a year",
    description=(
        "Every maintained plan whose child changes phase in September of `year` (by default the next "
        "September's, in England's date), which reg 18 requires reviewed and, where necessary, amended "
        "before 15 February (`school`: into Reception, Year 3 or Year 7) or 31 March (`post16`: into "
        "Year 12) of that year; the deadline is 14 Feb / 30 Mar under the default strict reading. A plan "
        "is in the cohort by its child's date of birth (born 1 September Y to 31 August Y+1: Reception in "
        "September Y+5) or by a recorded `phase_transfer_review` deadline due that year, which wins. "
        "Working back (R (L, M, P) v Devon CC [2022]): the latest feasible review meeting is 12 weeks "
        "before the deadline (the 4-week decision, reg 20(10), and the 8-week amended plan, reg 22(3)), "
        "its invitations 2 weeks before that (reg 20(2)). A review since 1 September of the year before "
        "settles the transfer once it keeps the plan or its amended plan is issued. `status`: `settled`; "
        "`overdue` (deadline passed unsettled); `at_risk` (no meeting held and the invitations date has "
        "passed, or the latest feasible meeting has passed without a decision); else `on_track`. Soonest "
        "deadline first; pass `next_after` back as `after`. Roles: caseworker, manager, admin."
    ),
    responses=error_responses(401, 403, 422),
)
async def get_phase_transfers(
    *,
    user: CaseReader,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100, examples=[2026])] = None,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PhaseTransferPage:
    return await phase_transfer_cohort(
        session=session,
        la_code=settings.la_code,
        year=year,
        today=today_in_england(),
        conventions=Conventions().with_overrides(settings.statute_conventions),
        after=after,
        limit=limit,
    )
