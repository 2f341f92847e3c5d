"""`ehcp api` as several processes on one port, each accepting on a listening socket of its own.

uvicorn's own workers share one listening socket, and the kernel hands a burst of new connections to
whichever process wakes first. Under 20 users at once one process of two held two-thirds of the
connections (bench/pages.py); a browser keeps its connection, so its person's pages queued behind the
others' on that process while the other idled. Here each process binds the port with SO_REUSEPORT, and
Linux spreads new connections over the processes' sockets by their addresses. Where that is not so (macOS
hands every connection to one of the sockets) `ehcp api` leaves it to uvicorn's workers (cli/api.py).

A process that ends on its own is started again; one that cannot start (uvicorn's exit status 3: the app
failed its startup, say the database or Temporal is unreachable) ends them all, with that status.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import socket
import sys
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType

import structlog
import uvicorn

log = structlog.get_logger(__name__)

SPREAD = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")
STARTUP_FAILURE = 3  # uvicorn's exit status when the app's lifespan startup fails
GRACE_SECONDS = 30.0  # a process stopping finishes the answers it has begun for this long


def listening_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    """A TCP socket bound to `host`:`port`; `shared`: with SO_REUSEPORT, beside the others' (same user)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve_app(host: str, port: int) -> None:
    """One process: `cli.api:asgi_app` built from the environment, under uvicorn, on a socket of its own."""
    config = uvicorn.Config(
        "cli.api:asgi_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        server_header=False,  # no "server: uvicorn" banner (api/security.py)
    )
    uvicorn.Server(config).run(sockets=[listening_socket(host, port, shared=True)])


def serve_processes(workers: int, host: str, port: int, target: Callable[[str, int], None]) -> int:
    """Run `target(host, port)` in `workers` processes until SIGTERM or SIGINT; the exit status.

    The port is checked free first (bound alone, then let go), so another program already on it is
    named at once rather than sharing it."""
    listening_socket(host, port, shared=False).close()
    spawn = multiprocessing.get_context("spawn")

    def start() -> BaseProcess:
        process = spawn.Process(target=target, args=(host, port), name="ehcp-api")
        process.start()
        return process

    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
    processes = [start() for _ in range(workers)]
    status = 0
    try:
        while not stopping and not status:
            multiprocessing.connection.wait([p.sentinel for p in processes], timeout=0.5)
            for index, process in enumerate(processes):
                if process.is_alive() or stopping:
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("api.process_failed_to_start", pid=process.pid, exit_code=process.exitcode)
                    status = STARTUP_FAILURE
                    break
                log.error("api.process_ended", pid=process.pid, exit_code=process.exitcode)
                processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn stops accepting and finishes what it answers
        for process in processes:
            process.join(GRACE_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        for number, handler in previous.items():
            signal.signal(number, handler)
    return status
