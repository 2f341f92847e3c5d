"""The Temporal connection every client, worker and replayer shares: one converter, one codec.

Payloads go through pydantic (so `datetime.date` and models survive) and then the AES-GCM codec; failure
messages and stack traces are moved into encoded attributes so they are encrypted too. The custom search
attributes carry no personal data: a stage, a deadline's name, its due time and the authority's code.
"""

from __future__ import annotations

import asyncio
import dataclasses

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.service import RPCError, RPCStatusCode

from core.codec import AesGcmCodec
from core.settings import Settings
from workflows.common.search import SEARCH_ATTRIBUTES

# Names as `temporal server start-dev --search-attribute Name=Type` spells them.
_CLI_TYPE = {
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
}


class SearchAttributeConflictError(RuntimeError):
    """A search attribute exists on the server with a different type than the service needs."""


def data_converter(settings: Settings) -> DataConverter:
    """The pydantic converter with the settings' key ring as codec and failure attributes encoded."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=AesGcmCodec(settings.codec_keys, settings.codec_active_key),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings) -> Client:
    """A client on the settings' Temporal address and namespace, with the service's converter."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
    )


async def register_search_attributes(client: Client) -> None:
    """Add the service's search attributes to the client's namespace; those already there are kept.

    Needed on the time-skipping test server and any server whose namespace was not set up by the
    dev-server flags (`dev_server_search_attribute_args`). Safe to call on every start.
    """
    namespace = client.namespace
    existing = await _existing_search_attributes(client)
    for key in SEARCH_ATTRIBUTES:
        wanted = IndexedValueType.ValueType(int(key.indexed_value_type))
        if key.name in existing:
            if existing[key.name] != wanted:
                raise SearchAttributeConflictError(
                    f"search attribute {key.name} exists in namespace {namespace!r} as "
                    f"{IndexedValueType.Name(existing[key.name])}, but the service needs "
                    f"{IndexedValueType.Name(wanted)}"
                )
            continue
        # One request per attribute: the server refuses a whole batch if any one of it exists.
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=namespace, search_attributes={key.name: wanted})
            )
        except RPCError as error:
            # Another process may have added it first, or the server cannot list what it has.
            if error.status != RPCStatusCode.ALREADY_EXISTS:
                raise


async def _existing_search_attributes(client: Client) -> dict[str, IndexedValueType.ValueType]:
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
    except RPCError as error:
        # The time-skipping test server does not implement ListSearchAttributes.
        if error.status == RPCStatusCode.UNIMPLEMENTED:
            return {}
        raise
    return {**listed.system_attributes, **listed.custom_attributes}


def dev_server_search_attribute_args() -> list[str]:
    """`--search-attribute Name=Type` arguments that declare the attributes on `temporal server start-dev`."""
    args: list[str] = []
    for key in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}={_CLI_TYPE[key.indexed_value_type]}"]
    return args


async def wait_for_workflow(client: Client, workflow_id: str, *, seconds: float = 30.0) -> None:
    """Wait until a workflow exists: a command's side effects (such as starting an advice request)
    follow its answer by a moment. Raises TimeoutError naming the workflow if it never appears."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            await client.get_workflow_handle(workflow_id).describe()
            return
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND:
                raise
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"workflow {workflow_id} did not start within {seconds:.0f} s")
        await asyncio.sleep(0.05)
