"""`ehcp api` as a process of its own for a bench: its environment, and waiting until it answers."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from pathlib import Path

import httpx

from cli.stack import worker_environment
from core.settings import Settings


def api_environment(settings: Settings, workers: int) -> dict[str, str]:
    """What `ehcp api` reads, for `workers` processes on the settings' port, as a demo on plain HTTP."""
    secret = settings.session_secret.get_secret_value() if settings.session_secret else ""
    return {
        **worker_environment(settings),
        "EHCP_API_HOST": settings.api_host,
        "EHCP_API_PORT": str(settings.api_port),
        "EHCP_API_WORKERS": str(workers),
        "EHCP_SESSION_SECRET": secret,  # the same key in every process: a cookie is good in any of them
        "EHCP_SESSION_COOKIE_SECURE": "false",  # plain HTTP on 127.0.0.1: a Secure cookie never comes back
        "EHCP_LOG_LEVEL": "warning",
    }


async def answering(api_url: str, api: subprocess.Popen[bytes], log: Path) -> None:
    """Once `GET /api/health` answers 200 (every process has started; waits up to a minute)."""
    async with httpx.AsyncClient(base_url=api_url, timeout=5) as http:
        for _ in range(600):
            if api.poll() is not None:
                raise RuntimeError(f"ehcp api stopped (exit {api.returncode}); see {log}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get("/api/health")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"ehcp api did not answer within a minute; see {log}")
