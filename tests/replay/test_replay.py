"""Recorded histories of every branch replay against today's code with the production converter, and the
production worker's workflows and sandbox (worker/main.py).

A failure here means a workflow change would break cases already running: make the change with
`workflow.patched(...)`, or, if breaking them is intended, re-record with `make replay-record`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from core.temporal import data_converter
from tests.replay.record import HISTORIES, SCENARIOS, production_settings
from worker.main import WORKFLOW_RUNNER, WORKFLOWS

FILES = sorted(HISTORIES.glob("*.json"))


def test_every_scenario_has_recorded_histories() -> None:
    recorded = {path.name.split(".", 1)[0] for path in FILES}
    assert recorded == set(SCENARIOS), "run `make replay-record` to record the missing scenarios"


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
async def test_history_replays(path: Path) -> None:
    workflow_id = path.name.split(".")[0]
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    replayer = Replayer(
        workflows=WORKFLOWS,
        workflow_runner=WORKFLOW_RUNNER,
        data_converter=data_converter(production_settings()),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
