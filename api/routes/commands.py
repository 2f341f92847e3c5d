"""Command routes from a table: one POST per workflow update on a case, its body what the caller decides.

A caseworker's or manager's command is one update of the case's workflow, with the caller (from the
token) as its actor and the caller's Idempotency-Key as its update id, so a retried command is applied
once. `cases` and `plans` each declare their commands as a table of `Command`s.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Path
from pydantic import BaseModel

from api.deps import CaseWorker, IdempotencyKey, SessionDep, TemporalDep
from api.services.commands import CommandRunner
from workflows.common.messages import Actor

CaseId = Annotated[uuid.UUID, Path(description="The case's id, as the create request answered it.")]


class CommandBody(Protocol):
    """A command's request body: it becomes the workflow update's input, with the caller as actor."""

    def command(self, actor: Actor) -> BaseModel: ...


@dataclass(frozen=True, slots=True)
class Command:
    """One command: its path under the case, the workflow update it runs, its body."""

    path: str
    update: str
    body: type[CommandBody]
    summary: str
    description: str


def add_command_routes(
    router: APIRouter,
    commands: Iterable[Command],
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
    spec: Command,
    *,
    under: str,
    run: CommandRunner[Any, BaseModel],
    response_model: type[BaseModel],
    responses: dict[int | str, dict[str, Any]],
) -> None:
    async def endpoint(
        *,
        case_id: CaseId,
        body: CommandBody,
        user: CaseWorker,
        key: IdempotencyKey,
        session: SessionDep,
        client: TemporalDep,
    ) -> BaseModel:
        return await run(
            session=session,
            client=client,
            user=user,
            case_id=case_id,
            update=spec.update,
            command=body.command(user.actor()),
            idempotency_key=key,
        )

    endpoint.__name__ = endpoint.__qualname__ = spec.update
    endpoint.__annotations__ = {**endpoint.__annotations__, "body": spec.body}  # the real body model
    router.post(
        f"{under}/{spec.path}",
        response_model=response_model,
        summary=spec.summary,
        description=spec.description,
        responses=responses,
    )(endpoint)
