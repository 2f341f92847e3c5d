"""Command routes from a table: one POST per workflow update on a case, its body what the caller decides
(the workflow's message less what the API sets itself, api/schemas/commands.py).

A caseworker's or manager's command is one update of the case's workflow, with the caller (from the
token) as its actor and the caller's Idempotency-Key as its update id, so a retried command is applied
once. `cases` and `plans` each declare their commands as a table of `CommandRoute`s.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path
from pydantic import BaseModel

from api.deps import CaseWorker, IdempotencyKey, SessionDep, SettingsDep, TemporalDep
from api.schemas.commands import CommandBody
from api.services.commands import CommandRunner

CaseId = Annotated[uuid.UUID, Path(description="The case's id, as the create request answered it.")]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class CommandRoute:
    """One command: its path under the case, its body (whose message names the workflow update it runs),
    and what OpenAPI says of it."""

    path: str
    body: type[CommandBody[Any]]
    summary: str
    description: str

    @property
    def update_name(self) -> str:
        return self.body.message.update_name


def taking(body: type[BaseModel]) -> Callable[[F], F]:
    """FastAPI reads a route's body model from its `body` annotation. A derived body is a value that a
    type checker cannot read as a type, so the signature names its base (`CommandBody[...]`) and this
    puts the body itself in its place for FastAPI."""

    def put(endpoint: F) -> F:
        endpoint.__annotations__ = {**endpoint.__annotations__, "body": body}
        return endpoint

    return put


def add_command_routes(
    router: APIRouter,
    commands: Iterable[CommandRoute],
    *,
    under: str,
    run: CommandRunner[Any, BaseModel],
    response_model: type[BaseModel],
    responses: dict[int | str, dict[str, Any]],
) -> None:
    """A POST route `{under}/{command.path}` for each command, named after its update in OpenAPI."""
    for spec in commands:
        _add_command_route(
            router, spec, under=under, run=run, response_model=response_model, responses=responses
        )


def _add_command_route(
    router: APIRouter,
    spec: CommandRoute,
    *,
    under: str,
    run: CommandRunner[Any, BaseModel],
    response_model: type[BaseModel],
    responses: dict[int | str, dict[str, Any]],
) -> None:
    @taking(spec.body)
    async def endpoint(
        *,
        case_id: CaseId,
        body: CommandBody[Any],
        user: CaseWorker,
        key: IdempotencyKey,
        session: SessionDep,
        client: TemporalDep,
        settings: SettingsDep,
    ) -> BaseModel:
        return await run(
            session=session,
            client=client,
            user=user,
            case_id=case_id,
            command=body.command(actor=user.actor()),
            idempotency_key=key,
            deadline=settings.temporal_deadline,
            catch_up=settings.read_model_wait,
        )

    endpoint.__name__ = endpoint.__qualname__ = spec.update_name  # its operationId in OpenAPI
    router.post(
        f"{under}/{spec.path}",
        response_model=response_model,
        summary=spec.summary,
        description=spec.description,
        responses=responses,
    )(endpoint)
