"""Caseworkers' actions on a case (issue 10 s.2): each statutory step a form, offered only when the case's
stage allows it, validated as the API validates it (the same body, the same workflow validator) and shown
with the GOV.UK error summary and inline errors; a step the workflow refuses shows its reason. Each form
carries a key of its own, made when the form is shown, so the same form sent twice acts once.

The decision whether to assess, with its reg 6 advice set, has a page of its own (api/pages/assess.py).
Recording a request (api/pages/request.py) and exceptions (api/pages/exceptions.py) have pages of their own.
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
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import CommandKey, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError, NotFound, Unprocessable
from api.pages.sessions import CSRF_FIELD, Caseworker, PageNotFound, Person, check_csrf
from api.pages.steps import ACTIONS, Action
from api.pages.templating import render
from api.schemas.cases import (
    CaseRead,
)
from api.services.cases import get_case_with_state, run_case_command
from core.settings import Settings
from statute.history import EARLIEST, LATEST
from workflows.common.messages import Command

router = APIRouter(include_in_schema=False)

KEY_FIELD = "form_key"


def date_of(values: dict[str, str], name: str) -> str | None:
    """A date from its three boxes as an ISO string; None when all are empty, "" when it is no date."""
    parts = [values.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except ValueError:
        return ""


def answered_date(
    values: dict[str, str], name: str, what: str, errors: dict[str, str], *, optional: bool = False
) -> str | None:
    """A date asked as `what` ("the date of the decision") as an ISO string, or None with what is wrong
    with it put in `errors` on its day box (nothing wrong with an optional one left empty)."""
    value = date_of(values, name)
    if value and not EARLIEST.isoformat() <= value <= LATEST.isoformat():
        value = ""  # a date the statute engine cannot count from (statute/history.py)
    if value == "":
        errors[f"{name}-day"] = f"{what[:1].upper()}{what[1:]} must be a real date"
    elif value is None and not optional:
        errors[f"{name}-day"] = f"Enter {what}"
    return value or None


def in_page_order(errors: dict[str, str], fields: tuple[str, ...]) -> dict[str, str]:
    """A form's errors in the order its questions are asked, as the error summary lists them."""
    rank = {name: i for i, name in enumerate(fields)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0].removesuffix("-day"), len(rank))))


def read_form(action: Action, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The body the form asks for, and what is wrong with it, by field id, in a person's words."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in action.fields:
        if f.kind == "date":
            value = answered_date(values, f.name, f"the {f.label.lower()}", errors, optional=f.optional)
            if value is not None:
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


def refusal(error: ApiError, fields: tuple[str, ...], dates: tuple[str, ...] = ()) -> tuple[str, str]:
    """Where a refusal goes on a form, and what it says: on its field when it names one of `fields` (a
    date's on its day box), else on the first; in a person's words, without the field's name."""
    named = error.field or next((f for f in fields if error.detail.startswith(f"{f}:")), None)
    target = named if named in fields else fields[0]
    message = error.detail.split(": ", 1)[1] if error.detail.startswith(f"{target}: ") else error.detail
    return (f"{target}-day" if target in dates else target), message[:1].upper() + message[1:]


def fresh_form_key(values: dict[str, str] | None, *, fresh: bool = False) -> str:
    """The form's key: kept while it is corrected before sending, made afresh once a sending was refused
    (the refused one is spent: the key names that request)."""
    return (None if fresh else (values or {}).get(KEY_FIELD)) or secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Sent:
    """A form as it was sent, to show again: what was typed, what is wrong with it, the answer's status,
    and whether its key was spent (a refused sending: the form comes back with a new one)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    status_code: int = 200
    spent: bool = False

    @classmethod
    def refused_by(
        cls, values: dict[str, str], error: ApiError, fields: tuple[str, ...], dates: tuple[str, ...] = ()
    ) -> Sent:
        """Sent, and refused by the API's service or the workflow: its key is spent."""
        where, message = refusal(error, fields, dates=dates)
        return cls(values, {where: message}, error.status_code, spent=True)


def form_page(request: Request, template: str, title: str, sent: Sent | None, **context: Any) -> HTMLResponse:
    """A case's form, fresh or as sent, with its key (kept while it is corrected, made afresh once spent)."""
    sent = sent or Sent()
    return render(
        request,
        template,
        status_code=sent.status_code,
        title=title,
        active="cases",
        values=sent.values,
        errors=sent.errors,
        form_key=fresh_form_key(sent.values, fresh=sent.spent),
        **context,
    )


async def form_values(request: Request) -> dict[str, str]:
    """A form's text fields, once its CSRF token is checked."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    check_csrf(request, values.get(CSRF_FIELD))
    return values


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
    return form_page(request, "action.html", action.title, None, case=case, action=action)


def form_key_of(values: dict[str, str]) -> str:
    """The key a form was shown with, as the command's Idempotency-Key; a form without one is refused."""
    form_key = values.get(KEY_FIELD, "")[:100]
    if not form_key:
        raise Unprocessable("the form has expired: send it again", field=KEY_FIELD)
    return f"page.{form_key}"


async def send_step(
    *,
    case_id: uuid.UUID,
    path: str,
    command: Command,
    values: dict[str, str],
    person: Person,
    session: AsyncSession,
    client: Client,
    settings: Settings,
) -> None:
    """Send one step, under the key its form was shown with (a form sent twice acts once); a refusal
    raises the API's error, for the form to show."""
    await run_case_command(
        session=session,
        client=client,
        user=person.principal,
        case_id=case_id,
        command=command,
        idempotency_key=CommandKey(
            key=form_key_of(values),
            method="POST",
            route=f"/api/cases/{{case_id}}/{path}",
            path_params={"case_id": str(case_id)},
        ),
        deadline=settings.temporal_deadline,
        catch_up=settings.read_model_wait,
    )


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
    values = await form_values(request)
    body, errors = read_form(action, values)
    if errors:
        return form_page(
            request, "action.html", action.title, Sent(values, errors, 422), case=case, action=action
        )
    try:
        await send_step(
            case_id=case_id,
            path=action.path,
            command=action.body.model_validate(body).command(actor=person.principal.actor()),
            values=values,
            person=person,
            session=session,
            client=client,
            settings=settings,
        )
    except ApiError as error:
        dates = tuple(f.name for f in action.fields if f.kind == "date")
        sent = Sent.refused_by(values, error, tuple(f.name for f in action.fields), dates)
        return form_page(request, "action.html", action.title, sent, case=case, action=action)
    return RedirectResponse(f"/cases/{case_id}?done={action.path}", status_code=303)
