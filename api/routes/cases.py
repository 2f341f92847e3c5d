"""Caseworkers' routes: create a request and take each statutory step on it (regs 3-14).

Each command is one update of the case's workflow, with the caller's Idempotency-Key as its id.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from api.deps import CaseReader, CaseWorker, IdempotencyKey, Manager, SessionDep, SettingsDep, TemporalDep
from api.query import refuse_unknown_query
from api.routes.commands import CaseId, CommandRoute, add_command_routes, taking
from api.schemas.cases import (
    CaseCreate,
    CasePage,
    CaseRead,
    DecisionToAssessCreate,
    DecisionToIssueCreate,
    DraftCreate,
    ExceptionApprovalCreate,
    ExceptionClaimCreate,
    FinalPlanCreate,
    FurtherAdviceCreate,
    ParentRequestDecisionCreate,
    RefusalAppealConcessionCreate,
    RefusalAppealOutcomeCreate,
    SchoolClosureCreate,
    SchoolConsultationCreate,
    SchoolResponseCreate,
    WithdrawalCreate,
)
from api.schemas.commands import CommandBody
from api.schemas.common import IsoDate, error_responses
from api.schemas.plans import AppealCreate, MediationCreate
from api.services.cases import create_case, get_case_with_state, list_cases, run_case_command
from api.services.clock import today_in_england
from workflows.assessment.messages import ApproveException
from workflows.common.messages import Stage

router = APIRouter(prefix="/api", tags=["caseworkers"], dependencies=[Depends(refuse_unknown_query)])

COMMAND_ERRORS = error_responses(401, 403, 404, 409, 422, 503)

# A search by the child's name: 2 to 100 characters, none of them a control character (a NUL, which
# PostgreSQL's text cannot hold, among them). `%` and `_` are letters like any other here.
NameSearch = Annotated[
    str | None,
    Query(
        min_length=2,
        max_length=100,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description=(
            'The start of the child\'s given name, family name, or both as "given family", whatever '
            "the case: `ada`, `Example`, `ada ex`."
        ),
    ),
]


@router.post(
    "/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseRead,
    summary="Record a request for an EHC needs assessment",
    description=(
        "A request reached the LA (reg 3, reg 5(1)) or a child was brought to its attention (CFA s.24): "
        "starts the case's workflow and its 6-week clock to the decision whether to assess. The "
        "Idempotency-Key names the case: a retried request answers the same case and never makes a "
        "second one. Roles: caseworker, manager."
    ),
    responses=error_responses(401, 403, 422, 503),
)
async def create_request(
    *,
    body: CaseCreate,
    user: CaseWorker,
    key: IdempotencyKey,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> CaseRead:
    return await create_case(
        session=session,
        client=client,
        settings=settings,
        user=user,
        request=body,
        idempotency_key=key,
        today=today_in_england(),
    )


@router.get(
    "/cases",
    response_model=CasePage,
    summary="List the authority's cases",
    description=(
        "The read model of every EHC needs assessment request (SEN2 modules 2-3, reg 3 onwards), oldest "
        "request first, each with the child's names and date of birth; filtered by stage or caseworker, "
        "and searched by the child's `name` (the start of the given or family name, or of both as "
        '"given family", whatever the case) and date of birth (`born_on`); pass `next_after` back as '
        "`after` for the next page. Roles: caseworker, manager, admin."
    ),
    responses=error_responses(401, 403, 422),
)
async def get_cases(
    *,
    user: CaseReader,
    session: SessionDep,
    settings: SettingsDep,
    stage: Stage | None = None,
    caseworker_id: uuid.UUID | None = None,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    name: NameSearch = None,
    born_on: Annotated[IsoDate | None, Query(description="The child's date of birth (YYYY-MM-DD).")] = None,
) -> CasePage:
    return await list_cases(
        session=session,
        la_code=settings.la_code,
        stage=stage,
        caseworker_id=caseworker_id,
        name=name,
        born_on=born_on,
        after=after,
        limit=limit,
    )


@router.get(
    "/cases/{case_id}",
    response_model=CaseRead,
    summary="Read one case and its statutory timeline",
    description=(
        "The case's read-model row and its workflow's live state: stage, claims, advice, and every "
        "deadline of regs 5, 8, 10 and 13 with its due date, practical due date (last working day), "
        "rule and status. Roles: caseworker, manager, admin."
    ),
    responses=error_responses(401, 403, 404, 422, 503),
)
async def get_case(
    *, case_id: CaseId, user: CaseReader, session: SessionDep, client: TemporalDep, settings: SettingsDep
) -> CaseRead:
    return await get_case_with_state(
        session=session, client=client, case_id=case_id, deadline=settings.temporal_deadline
    )


# Each is one update of the case's workflow (workflows/assessment/), named after it in OpenAPI.
CASE_COMMANDS: tuple[CommandRoute, ...] = (
    CommandRoute(
        "decision-to-assess",
        DecisionToAssessCreate,
        "Decide whether to assess",
        (
            "The LA's decision whether to carry out an EHC needs assessment (reg 5(1), within 6 "
            "weeks). On `assess`, the reg 6(1) advice requests go out, one workflow each; a refusal "
            "gives reasons and opens the appeal window (reg 5(3)). Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "decision-to-issue",
        DecisionToIssueCreate,
        "Decide whether to issue a plan",
        (
            "The decision whether to issue an EHC plan (reg 10; a decision not to issue within 16 "
            "weeks, reg 10(1)). Advice still awaited is withdrawn. Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "draft",
        DraftCreate,
        "Serve the draft plan",
        (
            "The draft plan was served on the parent or young person (reg 13(1)): their 15 days for "
            "representations begin (reg 13(1)(a)). Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "school-consultations",
        SchoolConsultationCreate,
        "Consult a school on being named",
        (
            "A school or college was consulted on being named in the plan (CFA s.39(2)-(3), s.40(3));"
            " the Code of Practice expects its answer within 15 days. Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "school-responses",
        SchoolResponseCreate,
        "Record a consulted school's answer",
        (
            "The consulted school or college answered (CFA s.39(3); Code of Practice 9.78: within 15 "
            "days). Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "parent-requests",
        ParentRequestDecisionCreate,
        "Decide on the parent's request for an adviser",
        (
            "The LA's decision on the parent's or young person's request, made with the assessment request "
            "(`parent_requested`), for advice from a particular person (reg 6(1)(h)): reasonable, so that "
            "advice is required at the decision to assess; or not, with the reasons, so it is not. Taken "
            "before the decision to assess, once for each person. Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "further-advice",
        FurtherAdviceCreate,
        "Ask for further advice",
        (
            "Advice asked after the decision to assess (reg 6(1)): a body newly involved, a school named "
            "later, advice the parent asked for. Each request is an advice request of its own, with its "
            "own 6 weeks from the day its body received it (reg 8(1); `received_by_body`, else the day it "
            "was asked). Taken between the decision to assess and the decision whether to issue; the "
            "case waits for this advice as for the first. Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "school-closures",
        SchoolClosureCreate,
        "Record a school's closure",
        (
            "A closure of the child's school or college learned after the request (the first day it is "
            "closed, the day it reopens): exception claims for a closure (regs 5(4)(a), 10(4)(a), 13(3)(a), "
            "27(3)(a)) are judged against it, as against one recorded with the request. A closure "
            "overlapping one already recorded for the same school is refused. Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "final-plan",
        FinalPlanCreate,
        "Issue the final plan",
        (
            "The final EHC plan was issued (reg 13(2), within 20 weeks of the request), once the "
            "parent's representations window has closed; the plan's own workflow takes over. Roles: "
            "caseworker, manager."
        ),
    ),
    CommandRoute(
        "mediation",
        MediationCreate,
        "Record a step of mediation on a refusal",
        (
            "On the refusal to assess or to issue a plan: the parent or young person contacted the "
            "mediation adviser (CFA s.55) and said whether they want mediation (then held within 30 days, "
            "reg 37); mediation was held or could not be arranged; the certificate was issued (within 3 "
            "working days, regs 34 and 39), which can move the last day to appeal to a month after it "
            "(HESC Rules r.20). The same body as a plan's. Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "appeals",
        AppealCreate,
        "Record an appeal against the refusal",
        (
            "The appeal against the refusal reached the First-tier Tribunal by its last day (CFA s.51; HESC "
            "Rules r.20): the case's stage is `appealed` and it stays open, past the appeal window, until "
            "the tribunal decides or the LA does not oppose it. The same body as a plan's. Roles: "
            "caseworker, manager."
        ),
    ),
    CommandRoute(
        "appeal-outcomes",
        RefusalAppealOutcomeCreate,
        "Record the tribunal's decision on the refusal",
        (
            "The tribunal dismissed the appeal (the case closes) or ordered the LA to assess (after a "
            "refusal to assess: it must say so within 2 weeks, decide within 10 weeks not to issue or issue "
            "the plan within 14, reg 44(2)) or to make and maintain a plan (after a decision not to issue: "
            "the draft within 5 weeks, the final plan within 11). The case takes those steps again. Roles: "
            "caseworker, manager."
        ),
    ),
    CommandRoute(
        "appeal-concessions",
        RefusalAppealConcessionCreate,
        "Record that the LA does not oppose the appeal",
        (
            "The LA told the tribunal it will not oppose the appeal against its refusal (reg 45): "
            "`refuse_assess` (it assesses, on the clocks of an order to assess) or `refuse_issue` (it makes "
            "and maintains a plan, on the clocks of an order to). Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "exceptions",
        ExceptionClaimCreate,
        "Claim an exception to one deadline",
        (
            "An exception to one deadline (reg 5(4), reg 8(2), reg 10(4)), with its evidence; the "
            "statute judges it at once and a manager approves it next, by the claim's id the answer "
            "gives (`state.claims`). Roles: caseworker, manager."
        ),
    ),
    CommandRoute(
        "withdrawal",
        WithdrawalCreate,
        "Withdraw the request",
        (
            "The request for an EHC needs assessment (reg 3) was withdrawn: outstanding reg 6 advice "
            "requests stop and the case closes. Roles: caseworker, manager."
        ),
    ),
)


add_command_routes(
    router,
    CASE_COMMANDS,
    under="/cases/{case_id}",
    run=run_case_command,
    response_model=CaseRead,
    responses=COMMAND_ERRORS,
)


@router.post(
    "/cases/{case_id}/exceptions/{claim_id}/approval",
    response_model=CaseRead,
    tags=["managers"],
    summary="Approve an exception claim",
    description=(
        "A manager approves an exception the statute accepted (reg 8(2), reg 10(4)); the deadline is "
        "marked for the measures excluding exceptions and the parent is told (Code of Practice 9.43). "
        "Role: manager."
    ),
    responses=COMMAND_ERRORS,
)
@taking(ExceptionApprovalCreate)
async def approve_exception(
    *,
    case_id: CaseId,
    claim_id: Annotated[
        str, Path(max_length=200, description="The claim's id, as the case lists it (`state.claims`).")
    ],
    body: CommandBody[ApproveException],
    user: Manager,
    key: IdempotencyKey,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> CaseRead:
    return await run_case_command(
        session=session,
        client=client,
        user=user,
        case_id=case_id,
        command=body.command(actor=user.actor(), claim_id=claim_id),
        idempotency_key=key,
        deadline=settings.temporal_deadline,
        catch_up=settings.read_model_wait,
    )
