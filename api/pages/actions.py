"""Caseworkers' actions on a case (issue 10 s.2): each statutory step a form, offered only when the case's
stage allows it, validated as the API validates it (the same body, the same workflow validator) and shown
with the GOV.UK error summary and inline errors; a step the workflow refuses shows its reason. Each form
carries a key of its own, made when the form is shown, so the same form sent twice acts once.

The decision whether to assess (with its reg 6 advice set) is not a form here yet: it is an API call
(`POST /api/cases/{id}/decision-to-assess`).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import CommandKey, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError, NotFound
from api.pages.sessions import CSRF_FIELD, Caseworker, PageNotFound, check_csrf
from api.pages.templating import render
from api.schemas.cases import (
    CaseRead,
    DecisionToIssueCreate,
    DraftCreate,
    FinalPlanCreate,
    SchoolConsultationCreate,
    SchoolResponseCreate,
    WithdrawalCreate,
)
from api.schemas.commands import CommandBody
from api.services.cases import get_case_with_state, run_case_command

router = APIRouter(include_in_schema=False)

KEY_FIELD = "form_key"


@dataclass(frozen=True)
class Field:
    """One question of a form; `kind`: "date" (day, month, year), "choice" (radios), "text", "textarea"."""

    name: str
    label: str
    kind: str
    choices: dict[str, str] = field(default_factory=dict)
    hint: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Action:
    path: str  # as the API names the command: /api/cases/{id}/<path>
    title: str
    button: str
    body: type[CommandBody[Any]]
    fields: tuple[Field, ...]


ACTIONS = {
    a.path: a
    for a in (
        Action(
            "decision-to-issue",
            "Decide whether to issue a plan",
            "Record the decision",
            DecisionToIssueCreate,
            (
                Field(
                    "outcome",
                    "The decision",
                    "choice",
                    {"issue": "Issue a plan", "not_issue": "Do not issue"},
                ),
                Field("decided_on", "Date of the decision", "date"),
                Field("reasons", "Reasons", "textarea", hint="Needed to decide not to issue", optional=True),
            ),
        ),
        Action(
            "draft",
            "Serve the draft plan",
            "Record the draft served",
            DraftCreate,
            (
                Field("served_on", "Date the draft was served", "date"),
                Field(
                    "method",
                    "How it was served",
                    "choice",
                    {"email": "By email", "post": "By post", "hand": "By hand", "portal": "Through a portal"},
                ),
            ),
        ),
        Action(
            "school-consultations",
            "Consult a school on being named",
            "Record the consultation",
            SchoolConsultationCreate,
            (Field("school", "School or college", "text"), Field("consulted_on", "Date consulted", "date")),
        ),
        Action(
            "school-responses",
            "Record a consulted school's answer",
            "Record the answer",
            SchoolResponseCreate,
            (Field("school", "School or college", "text"), Field("responded_on", "Date it answered", "date")),
        ),
        Action(
            "final-plan",
            "Issue the final plan",
            "Record the final plan",
            FinalPlanCreate,
            (
                Field("issued_on", "Date the final plan was issued", "date"),
                Field("school_named", "School or college named", "text", optional=True),
            ),
        ),
        Action(
            "withdrawal",
            "Withdraw the request",
            "Record the withdrawal",
            WithdrawalCreate,
            (
                Field("withdrawn_on", "Date the request was withdrawn", "date"),
                Field("reasons", "Reasons", "textarea", optional=True),
            ),
        ),
    )
}

# What may be done at each stage: the workflow's validators decide, this only chooses what to offer.
OFFERED = {
    "gathering_advice": ("decision-to-issue", "withdrawal"),
    "deciding_whether_to_issue": ("decision-to-issue", "withdrawal"),
    "drafting": ("draft", "school-consultations", "school-responses", "withdrawal"),
    "draft_served": ("final-plan", "school-consultations", "school-responses", "withdrawal"),
    "awaiting_decision_to_assess": ("withdrawal",),
}


def offered(stage: str | None) -> list[Action]:
    return [ACTIONS[path] for path in OFFERED.get(stage or "", ())]


def _date(values: dict[str, str], name: str) -> str | None:
    """A date from its three boxes as an ISO string; None when all are empty, "" when it is no date."""
    parts = [values.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except ValueError:
        return ""


def read_form(action: Action, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The body the form asks for, and what is wrong with it, by field id, in a person's words."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in action.fields:
        if f.kind == "date":
            value = _date(values, f.name)
            if value == "":
                errors[f"{f.name}-day"] = f"{f.label} must be a real date"
            elif value is None and not f.optional:
                errors[f"{f.name}-day"] = f"Enter the {f.label.lower()}"
            elif value is not None:
                body[f.name] = value
        else:
            value = values.get(f.name, "").strip()
            if value:
                body[f.name] = value
            elif not f.optional:
                errors[f.name] = (
                    f"Enter the {f.label.lower()}" if f.kind != "choice" else f"Select {f.label.lower()}"
                )
    if not errors:
        try:
            action.body.model_validate(body)
        except ValidationError as error:
            for problem in error.errors():
                name = str(problem["loc"][0]) if problem["loc"] else action.fields[0].name
                kind = next((f.kind for f in action.fields if f.name == name), "text")
                errors[f"{name}-day" if kind == "date" else name] = problem["msg"]
    return body, errors


def _field_of(action: Action, error: ApiError) -> str:
    """Where a refusal goes on the form: its field when it names one, else the form's first."""
    named = error.field or next(
        (f.name for f in action.fields if error.detail.startswith(f"{f.name}:")), None
    )
    target = next((f for f in action.fields if f.name == named), action.fields[0])
    return f"{target.name}-day" if target.kind == "date" else target.name


async def _form(
    request: Request,
    case: Any,
    action: Action,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    fresh_key: bool = False,
) -> HTMLResponse:
    """The form; its key is kept while the form is corrected before sending, and made afresh once a
    sending was refused (the refused one is spent: the key names that request)."""
    return render(
        request,
        "action.html",
        status_code=status_code,
        title=action.title,
        active="cases",
        case=case,
        action=action,
        values=values or {},
        errors=errors or {},
        form_key=(None if fresh_key else (values or {}).get(KEY_FIELD)) or secrets.token_urlsafe(24),
    )


def step_of(path: str) -> Action:
    """The step a form's address names; any other is a page not found."""
    action = ACTIONS.get(path)
    if action is None:
        raise PageNotFound
    return action


Step = Annotated[Action, Depends(step_of)]


async def case_of(
    case_id: uuid.UUID, session: SessionDep, client: TemporalDep, settings: SettingsDep
) -> CaseRead:
    """The case a form is about, as its page shows it; a case nobody knows is a page not found."""
    try:
        return await get_case_with_state(
            session=session, client=client, case_id=case_id, deadline=settings.temporal_deadline
        )
    except NotFound:
        raise PageNotFound from None


TheCase = Annotated[CaseRead, Depends(case_of)]


@router.get("/cases/{case_id}/{path}")
async def action_page(*, request: Request, action: Step, case: TheCase, person: Caseworker) -> Response:
    return await _form(request, case, action)


@router.post("/cases/{case_id}/{path}")
async def take_action(
    *,
    request: Request,
    case_id: uuid.UUID,
    action: Step,
    case: TheCase,
    person: Caseworker,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    check_csrf(request, values.get(CSRF_FIELD))
    body, errors = read_form(action, values)
    if errors:
        return await _form(request, case, action, values=values, errors=errors, status_code=422)
    key = CommandKey(
        key=f"page.{values.get(KEY_FIELD, '')[:100]}" if values.get(KEY_FIELD) else None,
        method="POST",
        route=f"/api/cases/{{case_id}}/{action.path}",
        path_params={"case_id": str(case_id)},
    )
    if key.key is None:
        return await _form(
            request,
            case,
            action,
            values=values,
            errors={action.fields[0].name: "The form has expired: send it again"},
            status_code=422,
        )
    try:
        await run_case_command(
            session=session,
            client=client,
            user=person.principal,
            case_id=case_id,
            command=action.body.model_validate(body).command(actor=person.principal.actor()),
            idempotency_key=key,
            deadline=settings.temporal_deadline,
            catch_up=settings.read_model_wait,
        )
    except ApiError as error:
        message = error.detail.split(": ", 1)[1] if ": " in error.detail[:40] else error.detail
        return await _form(
            request,
            case,
            action,
            values=values,
            errors={_field_of(action, error): message[:1].upper() + message[1:]},
            status_code=error.status_code,
            fresh_key=True,
        )
    return RedirectResponse(f"/cases/{case_id}?done={action.path}", status_code=303)
