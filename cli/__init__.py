"""The `ehcp` command: the service's shell.

ehcp run                      the whole service on its embedded default (what `make run` starts)
ehcp timeline FILE            every statutory deadline of a case history
ehcp migrate | worker | api   the parts, one at a time, as production runs them
ehcp users add | agencies add accounts and agencies
"""

from __future__ import annotations

import typer

from cli import service, stack, timeline

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Education, Health and Care Plans, run the way the law says they must be.",
)
app.command()(timeline.timeline)
app.command()(timeline.conventions)
app.command()(service.migrate)
app.command()(service.worker)
app.command()(service.api)
app.command(name="run")(stack.run)

users = typer.Typer(no_args_is_help=True, help="Staff and agency accounts, with their API tokens.")
users.command(name="add")(service.users_add)
app.add_typer(users, name="users")
agencies = typer.Typer(
    no_args_is_help=True, help="The schools, health, EP and social care services advice comes from."
)
agencies.command(name="add")(service.agencies_add)
agencies.command(name="list")(service.agencies_list)
app.add_typer(agencies, name="agencies")


def main() -> None:
    app()
