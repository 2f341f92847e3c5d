"""The browser lane: the real stack as `make run` starts it (Temporal dev server, worker, app, SQLite, demo
data) on free ports, driven by Playwright in Debian's Chromium (`playwright install` cannot download here),
with axe-core (tests/e2e/axe.min.js, 4.14.1) run on every page visited.

Playwright's sync API runs here, outside any asyncio loop (these tests are synchronous). Chromium is
started with the flags that keep it off the network this machine does not have.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).with_name("axe.min.js")
# WCAG 2.2 AA and what it includes (axe-core's tags).
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
START_SECONDS = 180
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Stack:
    url: str
    accounts: dict[str, dict[str, str]]
    outbox: Path

    def account(self, username: str) -> dict[str, str]:
        return self.accounts[username]


# Module-scoped, not session-scoped: the suite goes on after this lane, and neither the stack's processes
# nor Playwright's event loop (which would clash with every asyncio test after it) may outlive it.
@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`ehcp run` in a folder of its own, as a person starts it; stopped with Ctrl-C (SIGINT) after."""
    var = tmp_path_factory.mktemp("var")
    api_port = free_port()
    env = {**os.environ, "EHCP_API_PORT": str(api_port)}
    env.pop("EHCP_DATABASE_URL", None)
    log = (var / "run.log").open("wb")
    command = [
        str(Path(sys.executable).with_name("ehcp")), "run", "--var", str(var),
        "--temporal-port", str(free_port()), "--ui-port", str(free_port()),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while "Stop everything with Ctrl-C" not in (var / "run.log").read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"`ehcp run` did not start:\n{(var / 'run.log').read_text()[-3000:]}")
            time.sleep(0.5)
        accounts = json.loads((var / "demo-accounts.json").read_text())
        yield Stack(url=f"http://127.0.0.1:{api_port}", accounts=accounts, outbox=var / "outbox")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise AssertionError("Debian's chromium is not here: `apt-get install -y chromium` (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and its page, with axe-core in every document it opens (added
    by the browser, not as a script tag, so the pages' Content-Security-Policy stays as it is for people)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.add_init_script(path=str(AXE))
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """What axe-core finds against WCAG 2.2 AA on the page as it stands, once it has loaded (a click's
    navigation may have replaced the document and not yet filled it: axe then finds no documentElement)."""
    page.wait_for_load_state("load")
    found: list[dict[str, Any]] = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations", WCAG
    )
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]} for v in found]
