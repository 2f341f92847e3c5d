"""`core.codec` and `core.temporal`: payloads and failures are ciphertext in Temporal's history.

The codec is exercised alone (rotation, tampering, unknown keys) and through a real time-skipping
server, where the stored history is read back and searched for the plaintext.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import History
from temporalio.client import WorkflowFailureError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.converter import DefaultFailureConverterWithEncodedAttributes
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

# The sandbox re-imports this module for its workflows; `cryptography` cannot be imported twice.
with workflow.unsafe.imports_passed_through():
    from core.codec import ENCODING, KEY_ID_METADATA, AesGcmCodec, CodecError
    from core.settings import Settings
    from core.temporal import (
        data_converter,
        dev_server_search_attribute_args,
        register_search_attributes,
    )
    from workflows.common.ids import assessment_workflow_id
    from workflows.common.search import LA_CODE, NEXT_DEADLINE, NEXT_DUE, SEARCH_ATTRIBUTES, STAGE

K1 = bytes(range(32))
K2 = bytes(range(50, 82))
CHILD = "Amelia Quartermain-Oduya"


class PlanRequest(BaseModel):
    child_name: str
    date_of_birth: date


class PlanDraft(BaseModel):
    summary: str
    date_of_birth: date
    final_plan_due: date


@workflow.defn
class DraftPlan:
    @workflow.run
    async def run(self, request: PlanRequest) -> PlanDraft:
        return PlanDraft(
            summary=f"Draft plan for {request.child_name}",
            date_of_birth=request.date_of_birth,
            final_plan_due=date(2026, 3, 2),
        )


@workflow.defn
class RefusePlan:
    @workflow.run
    async def run(self, request: PlanRequest) -> None:
        raise ApplicationError(f"no plan for {request.child_name}", non_retryable=True)


def payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


def settings_with_ring() -> Settings:
    ring = f"k1:{base64.b64encode(K1).decode()},k2:{base64.b64encode(K2).decode()}"
    return Settings(_env_file=None, codec_keys=ring, codec_active_key="k2")


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    # Worked out here, not at import: the workflow sandbox re-imports this module and forbids resolve().
    test_server = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "temporal-test-server"
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(test_server), data_converter=data_converter(settings_with_ring())
    )
    async with environment:
        yield environment


async def test_a_payload_comes_back_as_it_went_in() -> None:
    codec = AesGcmCodec({"k1": K1}, "k1")
    original = payload('"EHCP for Amelia"')
    [sealed] = await codec.encode([original])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID_METADATA] == b"k1"
    assert b"Amelia" not in sealed.SerializeToString()
    assert b"json/plain" not in sealed.SerializeToString()
    assert await codec.decode([sealed]) == [original]


async def test_each_encryption_uses_a_fresh_nonce() -> None:
    codec = AesGcmCodec({"k1": K1}, "k1")
    first, second = await codec.encode([payload("same"), payload("same")])
    assert first.data[:12] != second.data[:12]
    assert first.data != second.data


async def test_payloads_it_did_not_seal_pass_through() -> None:
    codec = AesGcmCodec({"k1": K1}, "k1")
    plain = payload("null")
    assert await codec.decode([plain]) == [plain]


async def test_after_rotation_old_payloads_still_open_and_new_ones_use_the_new_key() -> None:
    [old] = await AesGcmCodec({"k1": K1}, "k1").encode([payload("before rotation")])
    rotated = AesGcmCodec({"k1": K1, "k2": K2}, "k2")
    assert await rotated.decode([old]) == [payload("before rotation")]
    [new] = await rotated.encode([payload("after rotation")])
    assert new.metadata[KEY_ID_METADATA] == b"k2"
    with pytest.raises(CodecError, match="'k2'"):
        await AesGcmCodec({"k1": K1}, "k1").decode([new])


async def test_tampered_ciphertext_is_refused_naming_the_key() -> None:
    codec = AesGcmCodec({"k1": K1}, "k1")
    [sealed] = await codec.encode([payload('"secret advice"')])
    flipped = bytearray(sealed.data)
    flipped[-1] ^= 0x01
    tampered = Payload(metadata=dict(sealed.metadata), data=bytes(flipped))
    with pytest.raises(CodecError, match="'k1' failed authentication") as caught:
        await codec.decode([tampered])
    assert "secret advice" not in str(caught.value)


async def test_a_payload_relabelled_to_another_key_is_refused() -> None:
    # The key id is associated data: moving a payload under another id breaks authentication.
    codec = AesGcmCodec({"k1": K1, "k2": K1}, "k1")
    [sealed] = await codec.encode([payload("x")])
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID_METADATA: b"k2"}, data=sealed.data)
    with pytest.raises(CodecError, match="'k2' failed authentication"):
        await codec.decode([relabelled])


async def test_an_unknown_key_id_is_named_in_the_error() -> None:
    [sealed] = await AesGcmCodec({"retired-2024": K1}, "retired-2024").encode([payload("x")])
    with pytest.raises(CodecError, match=r"'retired-2024', which is not in the key ring \(k1\)"):
        await AesGcmCodec({"k1": K1}, "k1").decode([sealed])


async def test_truncated_and_unlabelled_payloads_are_refused() -> None:
    codec = AesGcmCodec({"k1": K1}, "k1")
    short = Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: b"k1"}, data=b"\x00" * 20)
    with pytest.raises(CodecError, match="'k1' is truncated"):
        await codec.decode([short])
    with pytest.raises(CodecError, match=KEY_ID_METADATA):
        await codec.decode([Payload(metadata={"encoding": ENCODING}, data=b"\x00" * 40)])


def test_a_codec_needs_aes_256_keys_and_an_active_key_in_the_ring() -> None:
    with pytest.raises(CodecError, match="'short' is 16 bytes"):
        AesGcmCodec({"short": b"\x00" * 16}, "short")
    with pytest.raises(CodecError, match="'k9' is not in the key ring"):
        AesGcmCodec({"k1": K1}, "k9")


def test_the_converter_uses_the_ring_and_encodes_failure_attributes() -> None:
    converter = data_converter(settings_with_ring())
    assert isinstance(converter.payload_codec, AesGcmCodec)
    assert converter.payload_codec.active_key_id == "k2"
    assert isinstance(converter.failure_converter, DefaultFailureConverterWithEncodedAttributes)


async def test_a_date_carrying_model_round_trips_and_history_holds_only_ciphertext(
    env: WorkflowEnvironment,
) -> None:
    queue = f"codec-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=queue, workflows=[DraftPlan]):
        handle = await env.client.start_workflow(
            DraftPlan.run,
            PlanRequest(child_name=CHILD, date_of_birth=date(2015, 6, 30)),
            id=assessment_workflow_id(uuid.uuid4()),
            task_queue=queue,
        )
        result = await handle.result()
    assert result == PlanDraft(
        summary=f"Draft plan for {CHILD}", date_of_birth=date(2015, 6, 30), final_plan_due=date(2026, 3, 2)
    )

    history = await handle.fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    completed = history.events[-1].workflow_execution_completed_event_attributes
    for stored in [*started.input.payloads, *completed.result.payloads]:
        assert stored.metadata["encoding"] == ENCODING
        assert stored.metadata[KEY_ID_METADATA] == b"k2"
    stored_bytes = History(events=history.events).SerializeToString()
    assert CHILD.encode() not in stored_bytes
    assert b"2015-06-30" not in stored_bytes


async def test_a_failure_message_is_encrypted_in_history(env: WorkflowEnvironment) -> None:
    queue = f"codec-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=queue, workflows=[RefusePlan]):
        handle = await env.client.start_workflow(
            RefusePlan.run,
            PlanRequest(child_name=CHILD, date_of_birth=date(2015, 6, 30)),
            id=assessment_workflow_id(uuid.uuid4()),
            task_queue=queue,
        )
        with pytest.raises(WorkflowFailureError) as caught:
            await handle.result()
    # The client decodes the message back; the server only ever held ciphertext.
    assert str(caught.value.cause) == f"no plan for {CHILD}"
    stored_bytes = History(events=(await handle.fetch_history()).events).SerializeToString()
    assert CHILD.encode() not in stored_bytes
    assert b"no plan for" not in stored_bytes


async def test_search_attributes_register_on_the_time_skipping_server_and_can_be_set(
    env: WorkflowEnvironment,
) -> None:
    await register_search_attributes(env.client)
    await register_search_attributes(env.client)  # a second start of the worker changes nothing

    queue = f"codec-{uuid.uuid4()}"
    due = datetime(2026, 3, 2, tzinfo=UTC)
    async with Worker(env.client, task_queue=queue, workflows=[DraftPlan]):
        handle = await env.client.start_workflow(
            DraftPlan.run,
            PlanRequest(child_name=CHILD, date_of_birth=date(2015, 6, 30)),
            id=assessment_workflow_id(uuid.uuid4()),
            task_queue=queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(STAGE, "decision_to_assess"),
                    SearchAttributePair(NEXT_DEADLINE, "decision_to_assess"),
                    SearchAttributePair(NEXT_DUE, due),
                    SearchAttributePair(LA_CODE, "202"),
                ]
            ),
        )
        await handle.result()
    described = (await handle.describe()).typed_search_attributes
    assert described.get(STAGE) == "decision_to_assess"
    assert described.get(LA_CODE) == "202"
    assert described.get(NEXT_DUE) == due


async def test_without_registration_the_server_refuses_the_attributes(env: WorkflowEnvironment) -> None:
    # Shows the registration test above can fail: the test server knows none of them by itself.
    with pytest.raises(RPCError, match="EhcpStage"):
        await env.client.start_workflow(
            DraftPlan.run,
            PlanRequest(child_name="x", date_of_birth=date(2015, 6, 30)),
            id=assessment_workflow_id(uuid.uuid4()),
            task_queue=f"codec-{uuid.uuid4()}",
            search_attributes=TypedSearchAttributes([SearchAttributePair(STAGE, "decision_to_assess")]),
        )


def test_the_project_attributes_and_the_dev_server_flags_agree() -> None:
    assert [key.name for key in SEARCH_ATTRIBUTES] == [
        "EhcpStage",
        "EhcpNextDeadline",
        "EhcpNextDue",
        "EhcpLaCode",
        "EhcpAttention",
    ]
    assert dev_server_search_attribute_args() == [
        "--search-attribute",
        "EhcpStage=Keyword",
        "--search-attribute",
        "EhcpNextDeadline=Keyword",
        "--search-attribute",
        "EhcpNextDue=Datetime",
        "--search-attribute",
        "EhcpLaCode=Keyword",
        "--search-attribute",
        "EhcpAttention=Keyword",
    ]
