"""The `ehcp` command: the service's shell.

ehcp run                      the whole service on its embedded default (what `make run` starts)
ehcp timeline FILE            every statutory deadline of a case history
ehcp migrate | worker | api   the parts, one at a time, as production runs them
ehcp users add | list | revoke | rotate | disable | enable   accounts and their API tokens
ehcp agencies add | list      the agencies advice is asked of
ehcp import FILE              cases in flight from the council's earlier records, announcing nothing past

Each command is defined in its own module, on that module's Typer `app`, and the module imports what the
command needs at its top. `ehcp` loads only the module of the command it runs (`COMMANDS`), so
`ehcp timeline` starts without Temporal's client, SQLAlchemy or FastAPI; `ehcp --help` loads them all, to
show each command's help line.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_group

# Each command, and the module that defines it, in the order `ehcp --help` lists them.
COMMANDS = {
    "timeline": "cli.timeline",
    "conventions": "cli.timeline",
    "migrate": "cli.migrate",
    "worker": "cli.worker",
    "api": "cli.api",
    "run": "cli.stack",
    "users": "cli.accounts",
    "agencies": "cli.accounts",
    "import": "cli.importer",
}


# The values are click commands; Typer vendors click as a private module, so they are typed Any here.
class _Commands(MutableMapping[str, Any]):
    """`ehcp`'s commands by name; each is built from its module the first time it is looked up."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)  # click's "No such command", with the nearest names
        if name not in self._built:
            command = get_group(importlib.import_module(COMMANDS[name]).app).commands.get(name)
            if command is None:
                raise RuntimeError(f"{COMMANDS[name]} defines no command '{name}' on its app")
            self._built[name] = command
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        raise TypeError(f"'{name}': a command is added to COMMANDS, with the module that defines it")

    def __delitem__(self, name: str) -> None:
        raise TypeError(f"'{name}': the commands are COMMANDS")

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class _Ehcp(TyperGroup):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.commands = _Commands()


app = typer.Typer(
    cls=_Ehcp,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Education, Health and Care Plans, run the way the law says they must be.",
)


@app.callback()
def _ehcp() -> None:
    """A group, with the commands of `COMMANDS` (a Typer app with no command of its own needs one)."""


def main() -> None:
    app()
