"""Shared by the bench scripts: a throwaway embedded stack, and a load driver in its own process.

`embedded_stack()` starts what `ehcp run` starts, in a temp dir and on free ports: the Temporal dev
server (the same command as cli/stack.py's `dev_server_command`: a SQLite file with the WAL pragmas),
the migrated SQLite case database, the real worker in-process (`worker.main.running_worker`) and the real
API (`api.app.create_app`) served by uvicorn in-process. Accounts and agencies are written straight into
the database. Leaving the block (normally, on an error or on Ctrl-C) stops uvicorn and the worker, stops
the dev server by its pid and removes the temp dir.

`run_driver()` runs a load generator in a spawned child process so that the clients' CPU is not charged
to the service's event loop (in production the callers are browsers and agency systems elsewhere); it is
stopped by its pid if the bench fails or is interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import uvicorn
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

from api.app import create_app
from cli.stack import dev_server_command, start_worker, stop, temporal_binary
from core.logging import configure_logging
from core.settings import Settings
from core.temporal import connect, register_search_attributes
from db.agencies import create_agency
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import AgencyKind
from db.users import create_user
from worker.main import running_worker

LA_CODE = "202"
STARTUP_SECONDS = 60
# The reg 6(1) advice of a year-5 child, by advice id: (advice kind, the agency's name and kind).
ADVICE: dict[str, tuple[str, str, AgencyKind]] = {
    "parent": ("parent", "SEND team: parent and child views", "other"),
    "school": ("educational", "Riverside Primary School", "school"),
    "health": ("medical", "Northtown ICB designated clinical officer", "health"),
    "ep": ("psychological", "Northtown Educational Psychology Service", "educational_psychology"),
    "social": ("social_care", "Northtown Children's Social Care", "social_care"),
}


def note(message: str) -> None:
    """Progress, on stderr."""
    print(f"  {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of `values` (sorted here)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else float("nan")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Account:
    id: str
    token: str
    agency_id: str | None = None


@dataclass
class Stack:
    """What a bench needs to drive the running stack; `plain()` is what a driver process may receive."""

    tmp: Path
    settings: Settings
    client: Client  # the service's client (pydantic converter + AES-GCM codec)
    api_url: str
    db_path: Path
    caseworker: Account
    manager: Account
    agencies: dict[str, Account]  # by advice id
    server_pid: int
    worker_pid: int | None = None  # the worker's own process, when it runs apart from the API
    app: Any = None  # the FastAPI app uvicorn serves, for a bench's own routes beside the service's
    extra: dict[str, Any] = field(default_factory=dict)

    def plain(self) -> dict[str, Any]:
        return {
            "api_url": self.api_url,
            "temporal_address": self.settings.temporal_address,
            "namespace": self.settings.temporal_namespace,
            "db_path": str(self.db_path),
            "caseworker": vars(self.caseworker),
            "manager": vars(self.manager),
            "agencies": {advice_id: vars(a) for advice_id, a in self.agencies.items()},
            **self.extra,
        }

    async def bare_client(self) -> Client:
        """A client on the same server with the plain pydantic converter: no codec."""
        return await Client.connect(
            self.settings.temporal_address,
            namespace=self.settings.temporal_namespace,
            data_converter=pydantic_data_converter,
        )


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: Ctrl-C is the bench's to handle (it cancels the run)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def _accounts(settings: Settings) -> tuple[Account, Account, dict[str, Account]]:
    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine).begin() as session:
            staff = []
            roles: tuple[tuple[str, Literal["caseworker", "manager"]], ...] = (
                ("bench-caseworker", "caseworker"),
                ("bench-manager", "manager"),
            )
            for username, role in roles:
                user, token = await create_user(
                    session=session, username=username, display_name=username, role=role
                )
                staff.append(Account(str(user.id), token))
            agencies = {}
            for advice_id, (_, name, kind) in ADVICE.items():
                agency = await create_agency(
                    session=session, name=name, kind=kind, email=f"{advice_id}@example.invalid"
                )
                user, token = await create_user(
                    session=session,
                    username=f"bench-agency-{advice_id}",
                    display_name=name,
                    role="agency",
                    agency_id=agency.id,
                )
                agencies[advice_id] = Account(str(user.id), token, str(agency.id))
    finally:
        await engine.dispose()
    return staff[0], staff[1], agencies


async def _connect(settings: Settings, server: subprocess.Popen[bytes], log: Path) -> Client:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(f"the Temporal dev server stopped: {' | '.join(tail) or 'no log'}")
        try:
            client = await connect(settings)
            await client.count_workflows()
            return client
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Temporal dev server did not answer in {STARTUP_SECONDS} s") from None
            await asyncio.sleep(0.5)


def _core_logs_to_python() -> None:
    """Temporal core's own log lines go through Python logging (so to stderr, filtered), not to stdout."""
    Runtime.set_default(
        Runtime(
            telemetry=TelemetryConfig(
                logging=LoggingConfig(
                    filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"),
                    forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
                )
            )
        ),
        error_if_already_set=False,
    )


def _settings(tmp: Path, db_path: Path, api_port: int) -> Settings:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db_path}",
        temporal_address=f"127.0.0.1:{free_port()}",
        task_queue=f"ehcp-bench-{uuid.uuid4().hex[:8]}",
        la_code=LA_CODE,
        outbox_dir=tmp / "outbox",
        api_host="127.0.0.1",
        api_port=api_port,
        # Errors still happen and the benches count them; rendering each one's traceback (with locals) on
        # the console would cost the service process more than the request did.
        log_level="critical",
    )
    configure_logging(settings)
    _core_logs_to_python()
    return settings


@contextlib.asynccontextmanager
async def embedded_stack(
    label: str, *, keep: bool = False, separate_worker: bool = True
) -> AsyncIterator[Stack]:
    """The whole embedded service on free ports in a temp dir; everything is stopped on leaving.

    As `ehcp run` does, the worker runs in its own process (`ehcp worker`) beside the API, unless
    `separate_worker` is false (then both share this process and its event loop).
    """
    tmp = Path(tempfile.mkdtemp(prefix=f"ehcp-bench-{label}-"))
    db_path = tmp / "ehcp.db"
    api_port = free_port()
    settings = _settings(tmp, db_path, api_port)
    log = tmp / "temporal.log"
    port = int(settings.temporal_address.rsplit(":", 1)[1])
    command = dev_server_command(tmp, port=port, ui_port=free_port())
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    try:
        if not temporal_binary().exists():
            raise RuntimeError(f"no Temporal dev server at {temporal_binary()}: run `make setup`")
        note(f"starting the Temporal dev server on {settings.temporal_address} ({tmp})")
        with log.open("ab") as out:
            server = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        note("migrating the case database")
        await upgrade(settings.database_url)
        caseworker, manager, agencies = await _accounts(settings)
        client = await _connect(settings, server, log)
        await register_search_attributes(client)
        if separate_worker:
            worker = start_worker(settings, tmp / "worker.log")
        in_process = contextlib.nullcontext() if separate_worker else running_worker(settings, client=client)
        async with in_process:
            app = create_app(settings, client=client)
            config = uvicorn.Config(
                app,
                host="127.0.0.1",
                port=api_port,
                log_config=None,
                lifespan="on",
            )
            web = _Uvicorn(config)
            serving = asyncio.create_task(web.serve())
            try:
                for _ in range(200):
                    if web.started or serving.done():
                        break
                    await asyncio.sleep(0.05)
                if not web.started:
                    raise RuntimeError("uvicorn did not start")
                note(f"worker on task queue {settings.task_queue}; API on http://127.0.0.1:{api_port}")
                yield Stack(
                    tmp=tmp,
                    settings=settings,
                    client=client,
                    api_url=f"http://127.0.0.1:{api_port}",
                    db_path=db_path,
                    caseworker=caseworker,
                    manager=manager,
                    agencies=agencies,
                    server_pid=server.pid,
                    worker_pid=worker.pid if worker else None,
                    app=app,
                )
            finally:
                web.should_exit = True
                try:
                    await asyncio.wait_for(asyncio.shield(serving), timeout=10)
                except (TimeoutError, asyncio.CancelledError):
                    serving.cancel()
    finally:
        tear_down(worker, server, tmp, keep=keep)


def tear_down(
    worker: subprocess.Popen[bytes] | None, server: subprocess.Popen[bytes] | None, tmp: Path, *, keep: bool
) -> None:
    """Stop the worker and the dev server (those started), and remove the stack's folder unless kept."""
    if worker is not None:
        note("stopping the worker")
        stop(worker)
    if server is not None:
        note("stopping the Temporal dev server")
        stop(server)
    if keep:
        note(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the load driver, in its own process ----


def _driver_main(
    fn: Callable[[dict[str, Any]], Coroutine[Any, Any, Any]], config: dict[str, Any], conn: Any
) -> None:
    try:
        result = asyncio.run(fn(config))
    except KeyboardInterrupt:
        conn.send(("error", "interrupted"))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
    else:
        conn.send(("ok", result))
    finally:
        conn.close()


async def run_driver(
    fn: Callable[[dict[str, Any]], Coroutine[Any, Any, Any]], config: dict[str, Any], *, timeout: float
) -> Any:
    """Run `fn(config)` (a module-level coroutine function) in a spawned process; return its result.

    The service keeps running on this event loop meanwhile. The child is stopped by its pid on timeout,
    error or cancellation.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_driver_main, args=(fn, config, send), daemon=True)
    process.start()
    send.close()
    deadline = time.monotonic() + timeout
    try:
        while not receive.poll():
            if not process.is_alive() and not receive.poll():
                raise RuntimeError(f"the driver process stopped (exit code {process.exitcode})")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the driver did not finish in {timeout:.0f} s")
            await asyncio.sleep(0.05)
        status, value = receive.recv()
        if status != "ok":
            raise RuntimeError(f"the driver failed:\n{value}")
        return value
    finally:
        receive.close()
        if process.is_alive():
            process.terminate()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


def run_main(main: Callable[[], Awaitable[None]]) -> None:
    """Run the bench; Ctrl-C or SIGTERM cancels it and every stack is taken down on the way out.

    The process then ends at once (os._exit): the dev server and driver are stopped and the temp dir
    removed by then, and requests the API still had in flight to a stopped server must not hold the
    interpreter open.
    """

    async def guarded() -> None:
        task = asyncio.current_task()
        assert task is not None
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        code = 0
        try:
            await main()
        except (KeyboardInterrupt, asyncio.CancelledError):
            print("\ninterrupted; everything this bench started was stopped", file=sys.stderr)
            code = 130
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    asyncio.run(guarded())
