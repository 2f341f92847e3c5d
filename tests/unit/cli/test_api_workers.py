"""`ehcp api` serves with `EHCP_API_WORKERS` processes, each building the app from the same environment
through `cli.api:asgi_app`, so one port uses every core (bench/pages.py): on Linux each on a socket of its
own (cli/api_processes.py, tested in tests/unit/cli/test_api_processes.py), elsewhere uvicorn's workers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

import cli.api
from cli import app
from cli.api_processes import serve_app

runner = CliRunner()


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[Any, dict[str, Any]]]:
    for name in list(os.environ):
        if name.upper().startswith("EHCP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.api, "configure_logging", lambda settings: None)
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda served, **options: calls.append((served, options)))
    return calls


def test_one_process_serves_the_app_it_built(started: list[tuple[Any, dict[str, Any]]]) -> None:
    result = runner.invoke(app, ["api"], env={"EHCP_DEMO": "true"})
    assert result.exit_code == 0, result.output
    [(served, options)] = started
    assert isinstance(served, FastAPI)
    assert options["workers"] == 1
    assert not options["factory"]


def test_on_linux_each_process_listens_on_a_socket_of_its_own(
    started: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[tuple[Any, ...]] = []
    monkeypatch.setattr(cli.api, "SPREAD", True)

    def serve_processes(*args: Any) -> int:
        served.append(args)
        return 0

    monkeypatch.setattr(cli.api, "serve_processes", serve_processes)
    environment = {"EHCP_DEMO": "true", "EHCP_API_WORKERS": "3", "EHCP_API_PORT": "8123"}
    result = runner.invoke(app, ["api"], env=environment)
    assert result.exit_code == 0, result.output
    assert started == []  # not uvicorn's workers on one shared socket
    [(workers, host, port, target)] = served
    assert (workers, host, port, target) == (3, "127.0.0.1", 8123, serve_app)


def test_a_process_that_cannot_start_ends_the_command_with_its_status(
    started: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.api, "SPREAD", True)
    monkeypatch.setattr(cli.api, "serve_processes", lambda *args: 3)
    result = runner.invoke(app, ["api"], env={"EHCP_DEMO": "true", "EHCP_API_WORKERS": "2"})
    assert result.exit_code == 3
    assert "could not start" in result.stderr


def test_a_port_taken_is_named(
    started: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def taken(*args: Any) -> int:
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(cli.api, "SPREAD", True)
    monkeypatch.setattr(cli.api, "serve_processes", taken)
    result = runner.invoke(
        app, ["api"], env={"EHCP_DEMO": "true", "EHCP_API_WORKERS": "2", "EHCP_API_PORT": "8124"}
    )
    assert result.exit_code == 2
    assert "cannot listen on 127.0.0.1:8124 (Address already in use)" in result.stderr
    assert "EHCP_API_PORT" in result.stderr


def test_several_processes_each_build_the_app_from_the_environment(
    started: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.api, "SPREAD", False)  # elsewhere than Linux: uvicorn's workers
    environment = {"EHCP_DEMO": "true", "EHCP_API_WORKERS": "3", "EHCP_LA_NAME": "Exampleshire"}
    result = runner.invoke(app, ["api"], env=environment)
    assert result.exit_code == 0, result.output
    [(served, options)] = started
    assert served == "cli.api:asgi_app"
    assert options["factory"]
    assert options["workers"] == 3
    for name, value in environment.items():  # what a worker process inherits
        monkeypatch.setenv(name, value)
    module, factory = served.split(":")
    built = getattr(__import__(module, fromlist=[factory]), factory)()
    assert isinstance(built, FastAPI)
    assert built.state.settings.la_name == "Exampleshire"


def test_a_worker_process_refuses_what_the_command_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("EHCP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("EHCP_API_WORKERS", "2")  # no key of the authority's, not a demo
    with pytest.raises(typer.Exit) as refused:
        cli.api.asgi_app()
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("workers", ["0", "65", "two"])
def test_a_number_of_workers_out_of_range_is_named(
    started: list[tuple[Any, dict[str, Any]]], workers: str
) -> None:
    result = runner.invoke(app, ["api"], env={"EHCP_DEMO": "true", "EHCP_API_WORKERS": workers})
    assert result.exit_code == 2
    assert "api_workers" in result.stderr.lower() or "EHCP_API_WORKERS" in result.stderr
    assert started == []
