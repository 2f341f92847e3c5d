"""Run the Alembic migrations from code: no alembic.ini on disk, the scripts live in `db/migrations`.

`await upgrade(url)` from async code (tests, the service's start-up); `upgrade_sync(url)` from a
command line with no event loop running. `python -m db.migrate upgrade` reads `EHCP_DATABASE_URL`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from db.engine import make_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config built in code; `url` (else `EHCP_DATABASE_URL`) is the database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.attributes["url"] = url
    return config


def _run(connection: Connection, direction: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if direction == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


async def _migrate(url: str, direction: str, revision: str) -> None:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run, direction, revision)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (default: the newest)."""
    await _migrate(url, "upgrade", revision)


async def downgrade(url: str, revision: str = "base") -> None:
    """Take the database at `url` down to `revision` (default: empty)."""
    await _migrate(url, "downgrade", revision)


def upgrade_sync(url: str | None = None, revision: str = "head") -> None:
    """`upgrade` for code with no running event loop; `url` defaults to `EHCP_DATABASE_URL`."""
    command.upgrade(alembic_config(url), revision)


def downgrade_sync(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def main(argv: list[str] | None = None) -> None:
    """`python -m db.migrate upgrade|downgrade [REVISION]` or `revision -m MESSAGE` (autogenerate)."""
    parser = argparse.ArgumentParser(prog="python -m db.migrate", description=__doc__)
    parser.add_argument("action", choices=["upgrade", "downgrade", "revision"])
    parser.add_argument("revision", nargs="?")
    parser.add_argument("-m", "--message", default="")
    parser.add_argument("--url", default=os.environ.get("EHCP_DATABASE_URL"))
    args = parser.parse_args(argv)
    if args.action == "upgrade":
        upgrade_sync(args.url, args.revision or "head")
    elif args.action == "downgrade":
        downgrade_sync(args.url, args.revision or "base")
    else:
        command.revision(alembic_config(args.url), message=args.message, autogenerate=True)


if __name__ == "__main__":
    main()
