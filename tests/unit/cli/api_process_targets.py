"""Targets for cli/api_processes.py's supervisor in tests: importable by the processes it spawns."""

from __future__ import annotations

import os
import signal
import sys

from cli.api_processes import STARTUP_FAILURE, listening_socket


def answer_with_pid(host: str, port: int) -> None:
    """Answer each connection with this process's pid, until SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = listening_socket(host, port, shared=True)
    server.listen()
    while True:
        connection, _ = server.accept()
        with connection:
            connection.sendall(str(os.getpid()).encode())


def fail_to_start(host: str, port: int) -> None:
    """As uvicorn ends when the app's startup fails."""
    sys.exit(STARTUP_FAILURE)
