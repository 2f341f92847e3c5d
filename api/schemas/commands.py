"""A command's request body, derived from the workflow's message: each command is declared once, in
`workflows/<workflow>/messages.py`.

The body has the message's fields (their types, defaults, constraints and descriptions) less those the
API sets itself (the message's `server_set`: the actor from the token, a claim's id from the path); the
message's docstring is its OpenAPI description. Its name and examples are the API's: clients know the
body as `DecisionToAssessCreate`, not `DecideAssessment`, and examples document HTTP, not the workflow.

Its dates, and those of the models within it (an advice request's `received_by_body`), are taken only as
ISO strings (`iso_dates`, api/schemas/common.py): pydantic would take `"decided_on": 0` as 1970-01-01.
The message itself still takes dates as it always has, so what the workflows decode never changes.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, create_model
from pydantic.config import JsonDict

from api.schemas.common import iso_dates
from workflows.common.messages import Actor, Command

C = TypeVar("C", bound=Command)


def _examples(schema: JsonDict, body: type[Any]) -> None:
    schema["examples"] = body.examples


class CommandBody(BaseModel, Generic[C]):
    """What the caller decides of one command: the body of its POST, which becomes the message."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_examples)

    message: ClassVar[type[Command]]
    examples: ClassVar[list[Any]]

    def command(self, *, actor: Actor, **server_set: object) -> C:
        """The workflow's message: this body with the fields the API sets, validated by the message."""
        return cast(C, self.message.model_validate({**self.model_dump(), "actor": actor, **server_set}))


def command_body(message: type[C], *, name: str, examples: list[dict[str, Any]]) -> type[CommandBody[C]]:
    """The body of `message`'s POST, named `name` in OpenAPI, with `examples` of it."""
    fields: dict[str, Any] = {
        field: (iso_dates(info.annotation), info)
        for field, info in message.model_fields.items()
        if field not in message.server_set
    }
    body = cast(
        type[CommandBody[C]], create_model(name, __base__=CommandBody, __doc__=message.__doc__, **fields)
    )
    body.message = message
    body.examples = examples
    return body
