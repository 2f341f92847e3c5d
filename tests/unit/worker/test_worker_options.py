"""What `worker.main.running_worker` gives Temporal's worker from the settings: its cache and its polls."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, cast

import pytest
from temporalio.client import Client

import worker.main
from core.settings import Settings


class Captured:
    """Stands in for temporalio's Worker: keeps what it was given; runs nothing."""

    given: ClassVar[dict[str, Any]] = {}

    def __init__(self, client: Any, **options: Any) -> None:
        Captured.given = options

    async def __aenter__(self) -> Captured:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_the_worker_polls_and_caches_as_the_settings_say(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async def no_attributes(client: Any) -> None:
        return None

    monkeypatch.setattr(worker.main, "Worker", Captured)
    monkeypatch.setattr(worker.main, "ensure_search_attributes", no_attributes)
    settings = Settings(
        _env_file=None,
        demo=True,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
        outbox_dir=tmp_path / "outbox",
        worker_workflow_task_polls=13,
        worker_max_cached_workflows=17,
    )
    async with worker.main.running_worker(settings, client=cast(Client, object())):
        pass
    assert Captured.given["max_concurrent_workflow_task_polls"] == 13
    assert Captured.given["max_cached_workflows"] == 17
    assert Settings(_env_file=None).worker_workflow_task_polls == 20
