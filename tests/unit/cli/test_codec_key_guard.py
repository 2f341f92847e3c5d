"""`ehcp api` and `ehcp worker` refuse the public development key unless told they run a demo.

The development key is published in core/settings.py: what it encrypts, anyone can read. A service
holding real children's data must run on the authority's own key (UK GDPR art. 32, security of
processing); `ehcp run`, the embedded demo, may use it and says so.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

import cli.api
import cli.stack
import cli.worker
from cli import app
from cli.settings import development_key_problem
from core.key_ring import GENERATE_KEY, dev_codec_keys
from core.settings import Settings

REAL_KEY = f"k1:{base64.b64encode(bytes(range(32))).decode()}"
runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """No EHCP_ variable or .env of the machine's; the services stubbed: a run records what it was."""
    for name in list(os.environ):
        if name.upper().startswith("EHCP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    started: list[str] = []
    monkeypatch.setattr(cli.api, "configure_logging", lambda settings: None)
    monkeypatch.setattr(cli.worker, "configure_logging", lambda settings: None)
    monkeypatch.setattr(cli.api, "create_app", lambda settings: "app")
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append("api"))

    async def run_worker(settings: Settings) -> None:
        started.append("worker")

    monkeypatch.setattr(cli.worker, "run_worker", run_worker)
    return started


@pytest.mark.parametrize("command", ["api", "worker"])
@pytest.mark.parametrize(
    "environment",
    [{}, {"EHCP_CODEC_KEYS": dev_codec_keys()}, {"EHCP_CODEC_KEYS": dev_codec_keys(), "EHCP_DEMO": "false"}],
    ids=["no-key-set", "the-dev-key-set-by-hand", "demo-false"],
)
def test_a_service_refuses_the_development_key(
    command: str, environment: dict[str, str], clean_environment: list[str]
) -> None:
    result = runner.invoke(app, [command], env=environment)
    assert result.exit_code == 2
    assert clean_environment == []
    message = result.stderr.strip()
    assert message.startswith(f"ehcp {command}: ")
    assert len(message.splitlines()) == 1
    for needed in ("public development key", "EHCP_CODEC_KEYS=k1:", "EHCP_CODEC_ACTIVE_KEY=k1", GENERATE_KEY):
        assert needed in message, needed
    assert "EHCP_DEMO=true" in message


@pytest.mark.parametrize("command", ["api", "worker"])
@pytest.mark.parametrize(
    "environment",
    [
        {
            "EHCP_CODEC_KEYS": REAL_KEY,
            "EHCP_CODEC_ACTIVE_KEY": "k1",
            "EHCP_ALLOW_DEV_KEYS": "false",
            "EHCP_SESSION_SECRET": "s" * 48,  # `ehcp api` also needs the pages' session key (docs/pages.md)
        },
        {"EHCP_DEMO": "true"},
        {"EHCP_DEMO": "1"},
    ],
    ids=["own-key", "demo", "demo-as-1"],
)
def test_a_service_starts_with_its_own_key_or_as_a_demo(
    command: str, environment: dict[str, str], clean_environment: list[str]
) -> None:
    result = runner.invoke(app, [command], env=environment)
    assert result.exit_code == 0, result.output
    assert clean_environment == [command]


def test_the_check_itself() -> None:
    assert development_key_problem(Settings(_env_file=None)) is not None
    assert development_key_problem(Settings(_env_file=None, demo=True)) is None
    assert development_key_problem(Settings(_env_file=None, codec_keys=REAL_KEY)) is None
    # A ring that still holds the development key to read old demo histories, under a real active key.
    rotated = Settings(_env_file=None, codec_keys=f"{dev_codec_keys()},{REAL_KEY}", codec_active_key="k1")
    assert development_key_problem(rotated) is None


def test_the_embedded_stack_tells_its_worker_it_is_a_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    # `ehcp run` and the benches start `ehcp worker` as a child, with these variables set.
    environment = cli.stack.worker_environment(Settings(_env_file=None))
    assert environment["EHCP_DEMO"] == "true"
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert development_key_problem(Settings(_env_file=None)) is None


class Stopped(Exception):
    """Raised where `ehcp run` would start logging, after its settings and warning."""


@pytest.mark.parametrize(
    ("environment", "warned"),
    [({}, True), ({"EHCP_CODEC_KEYS": REAL_KEY}, False)],
    ids=["development-key", "own-key"],
)
def test_ehcp_run_may_use_the_development_key_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environment: dict[str, str], warned: bool
) -> None:
    binary = tmp_path / "temporal"
    binary.touch()
    loaded: list[Settings] = []

    def stop(settings: Settings) -> None:
        loaded.append(settings)
        raise Stopped

    monkeypatch.setattr(cli.stack, "temporal_binary", lambda: binary)
    monkeypatch.setattr(cli.stack, "configure_logging", stop)
    result = runner.invoke(app, ["run", "--var", str(tmp_path / "var")], env=environment)
    assert isinstance(result.exception, Stopped)
    [settings] = loaded
    assert settings.demo
    assert development_key_problem(settings) is None
    warning = "ehcp run: warning: a demo: payloads are encrypted with the public development key"
    assert (warning in result.stderr) is warned
