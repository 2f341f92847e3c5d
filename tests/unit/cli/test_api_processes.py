"""cli/api_processes.py: several processes on one port, each listening on a socket of its own.

The supervisor runs as `ehcp api` runs it, in a process of its own (`python -c`), over a small target that
answers each connection with its own pid: the connections reach every process, a process that ends is
started again, one that cannot start ends them all with its status, and SIGTERM stops them all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.api_processes import SPREAD, listening_socket

pytestmark = pytest.mark.skipif(not SPREAD, reason="SO_REUSEPORT spreads connections on Linux only")

ROOT = Path(__file__).resolve().parents[3]
SUPERVISE = """
import sys
from cli.api_processes import serve_processes
from tests.unit.cli.api_process_targets import {target}
sys.exit(serve_processes({workers}, "127.0.0.1", {port}, {target}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pid_answering(port: int) -> int | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
            return int(connection.recv(32).decode())
    except (OSError, ValueError):
        return None


def supervise(target: str, workers: int, port: int) -> subprocess.Popen[bytes]:
    code = SUPERVISE.format(target=target, workers=workers, port=port)
    command = [sys.executable, "-c", code]  # what it logs and prints, together
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.fixture
def two_processes() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    supervisor = supervise("answer_with_pid", 2, port)
    try:
        yield supervisor, port
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        supervisor.communicate()  # waits, and closes its stderr


def pids_seen(port: int, want: int, tries: int = 400) -> set[int]:
    seen: set[int] = set()
    for _ in range(tries):
        pid = pid_answering(port)
        if pid is not None:
            seen.add(pid)
        if len(seen) >= want:
            break
        time.sleep(0.01)
    return seen


def test_sockets_bound_to_share_the_port_do_and_one_alone_is_refused() -> None:
    port = free_port()
    first = listening_socket("127.0.0.1", port, shared=True)
    second = listening_socket("127.0.0.1", port, shared=True)
    first.listen()
    second.listen()
    try:
        with pytest.raises(OSError, match="in use"):
            listening_socket("127.0.0.1", port, shared=False)
    finally:
        first.close()
        second.close()


def test_connections_reach_every_process_and_sigterm_stops_them_all(
    two_processes: tuple[subprocess.Popen[bytes], int],
) -> None:
    supervisor, port = two_processes
    seen = pids_seen(port, want=2)
    assert len(seen) == 2, seen  # new connections spread over both processes' sockets
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=30) == 0
    for pid in seen:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert pid_answering(port) is None


def test_a_process_that_ends_is_started_again(two_processes: tuple[subprocess.Popen[bytes], int]) -> None:
    supervisor, port = two_processes
    first = pids_seen(port, want=2)
    ended = min(first)
    os.kill(ended, signal.SIGKILL)
    again = pids_seen(port, want=2, tries=1000) if supervisor.poll() is None else set()
    assert ended not in again
    assert len(again) == 2, again
    supervisor.send_signal(signal.SIGTERM)
    logged, _ = supervisor.communicate(timeout=30)
    assert supervisor.returncode == 0
    assert b"api.process_ended" in logged


def test_a_process_that_cannot_start_ends_them_all_with_its_status() -> None:
    supervisor = supervise("fail_to_start", 2, free_port())
    logged, _ = supervisor.communicate(timeout=60)
    assert supervisor.returncode == 3
    assert b"api.process_failed_to_start" in logged


def test_a_port_already_taken_is_refused_before_any_process_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        supervisor = supervise("answer_with_pid", 2, taken.getsockname()[1])
        logged, _ = supervisor.communicate(timeout=30)
        assert supervisor.returncode != 0
        assert b"Address already in use" in logged
