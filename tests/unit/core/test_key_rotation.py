"""Rotating the payload key, as deploy/README.md tells an authority to (UK GDPR art. 32: keys are changed
without losing the records they protect).

A workflow started under the old key is carried on by a worker on the rotated ring (its history replayed
from the start), the new payloads are sealed with the new key, and removing the old key too soon fails
naming it. tests/unit/core/test_codec.py covers the codec alone.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import BaseModel
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

# The sandbox re-imports this module for its workflow; `cryptography` cannot be imported twice.
with workflow.unsafe.imports_passed_through():
    from core.codec import ENCODING, KEY_ID_METADATA, AesGcmCodec, CodecError
    from core.settings import Settings
    from core.temporal import data_converter
    from workflows.common.ids import assessment_workflow_id

OLD, NEW = bytes(range(32)), bytes(range(100, 132))
CHILD = "Amelia Quartermain-Oduya"


def ring(**keys: bytes) -> str:
    return ",".join(f"{key_id}:{base64.b64encode(key).decode()}" for key_id, key in keys.items())


BEFORE = Settings(_env_file=None, codec_keys=ring(k1=OLD))
# Step 1 of the rotation: every process learns the new key while still sealing with the old one.
LEARNED = Settings(_env_file=None, codec_keys=ring(k1=OLD, k2=NEW), codec_active_key="k1")
# Step 2: the new key seals; the old one stays to open what it sealed.
ROTATED = Settings(_env_file=None, codec_keys=ring(k1=OLD, k2=NEW), codec_active_key="k2")
# Too soon: the old key removed while a history sealed with it may still be read.
OLD_REMOVED = Settings(_env_file=None, codec_keys=ring(k2=NEW))


class Request(BaseModel):
    child_name: str


@workflow.defn
class AwaitDecision:
    def __init__(self) -> None:
        self._decision: str | None = None

    @workflow.run
    async def run(self, request: Request) -> str:
        await workflow.wait_condition(lambda: self._decision is not None)
        return f"{self._decision} for {request.child_name}"

    @workflow.signal
    def decide(self, decision: str) -> None:
        self._decision = decision

    @workflow.query
    def waiting(self) -> bool:
        return self._decision is None


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    # Worked out here, not at import: the workflow sandbox re-imports this module and forbids resolve().
    test_server = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "temporal-test-server"
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(test_server), data_converter=data_converter(BEFORE)
    )
    async with environment:
        yield environment


def client_on(env: WorkflowEnvironment, settings: Settings) -> Client:
    """A client of the same server whose converter has `settings`' key ring."""
    config = env.client.config()
    config["data_converter"] = data_converter(settings)
    return Client(**config)


async def started_before_rotation(env: WorkflowEnvironment, queue: str) -> WorkflowHandle[AwaitDecision, str]:
    # No cache (so no sticky queue): the next task goes to whichever worker polls next.
    async with Worker(env.client, task_queue=queue, workflows=[AwaitDecision], max_cached_workflows=0):
        handle = await env.client.start_workflow(
            AwaitDecision.run,
            Request(child_name=CHILD),
            id=assessment_workflow_id(uuid.uuid4()),
            task_queue=queue,
        )
        assert await handle.query(AwaitDecision.waiting)
    return handle


async def key_ids_in_history(handle: WorkflowHandle[AwaitDecision, str]) -> set[str]:
    history = await handle.fetch_history()
    payloads: list[Payload] = []
    for event in history.events:
        if event.HasField("workflow_execution_started_event_attributes"):
            payloads += event.workflow_execution_started_event_attributes.input.payloads
        if event.HasField("workflow_execution_signaled_event_attributes"):
            payloads += event.workflow_execution_signaled_event_attributes.input.payloads
        if event.HasField("workflow_execution_completed_event_attributes"):
            payloads += event.workflow_execution_completed_event_attributes.result.payloads
    assert all(payload.metadata["encoding"] == ENCODING for payload in payloads)
    return {payload.metadata[KEY_ID_METADATA].decode() for payload in payloads}


async def test_a_workflow_started_under_the_old_key_carries_on_after_rotation(
    env: WorkflowEnvironment,
) -> None:
    queue = f"rotation-{uuid.uuid4()}"
    before = await started_before_rotation(env, queue)
    rotated = client_on(env, ROTATED)
    handle = rotated.get_workflow_handle_for(AwaitDecision.run, before.id)
    # No cache: the rotated worker replays the history from its start, sealed with the old key.
    async with Worker(rotated, task_queue=queue, workflows=[AwaitDecision], max_cached_workflows=0):
        await handle.signal(AwaitDecision.decide, "assess")
        assert await handle.result() == f"assess for {CHILD}"
    assert await key_ids_in_history(handle) == {"k1", "k2"}
    history = await handle.fetch_history()
    assert CHILD.encode() not in history.to_json().encode()

    # A replayer (the next worker to read this history) needs both keys until the history is gone.
    await Replayer(workflows=[AwaitDecision], data_converter=data_converter(ROTATED)).replay_workflow(history)
    # The replay fails on the codec (its message, naming 'k1', is itself sealed in the failure).
    with pytest.raises(Exception, match='r#type: "CodecError"'):
        await Replayer(workflows=[AwaitDecision], data_converter=data_converter(OLD_REMOVED)).replay_workflow(
            history
        )


async def test_learning_the_new_key_first_lets_processes_switch_one_at_a_time() -> None:
    # While some processes already seal with k2, those still sealing with k1 must read k2 already.
    [sealed_new] = await data_converter(ROTATED).encode(["advice received"])
    [sealed_old] = await data_converter(LEARNED).encode(["advice requested"])
    assert sealed_new.metadata[KEY_ID_METADATA] == b"k2"
    assert sealed_old.metadata[KEY_ID_METADATA] == b"k1"
    assert await data_converter(LEARNED).decode([sealed_new], [str]) == ["advice received"]
    assert await data_converter(ROTATED).decode([sealed_old], [str]) == ["advice requested"]
    # A process not yet told of k2 cannot read what the switched ones write: hence step 1 before step 2.
    with pytest.raises(CodecError, match=r"'k2', which is not in the key ring \(k1\)"):
        await data_converter(BEFORE).decode([sealed_new], [str])


def test_the_rotated_settings_name_the_key_that_seals() -> None:
    codec = data_converter(ROTATED).payload_codec
    assert isinstance(codec, AesGcmCodec)
    assert codec.active_key_id == "k2"
    assert not ROTATED.uses_dev_keys
