"""The OpenAPI links (api/openapi_links.py) resolve: every link names an operation of the document, gives
every path parameter it takes and nothing else, and reads each from where the answer's schema holds it.
A route renamed, a parameter renamed or an answer reshaped breaks a link; this test says which."""

from __future__ import annotations

from typing import Any

import pytest

from api.app import create_app
from api.openapi_links import APPROVAL, CASE, CLAIM, PLAN, PLANS, REQUESTS, add_links
from core.settings import Settings

Schema = dict[str, Any]


@pytest.fixture(scope="module")
def document() -> Schema:
    return create_app(Settings(_env_file=None)).openapi()


def resolve(document: Schema, schema: Schema) -> Schema:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def holds(document: Schema, schema: Schema, pointer: list[str]) -> bool:
    """Whether a JSON value valid against `schema` can hold something at `pointer`."""
    schema = resolve(document, schema)
    if not pointer:
        return True
    branches = [b for b in schema.get("anyOf", schema.get("oneOf", [])) if b.get("type") != "null"]
    if branches:
        return any(holds(document, branch, pointer) for branch in branches)
    token, rest = pointer[0], pointer[1:]
    if token.isdigit():
        return schema.get("type") == "array" and holds(document, schema["items"], rest)
    properties = schema.get("properties", {})
    return token in properties and holds(document, properties[token], rest)


def every_link(document: Schema) -> list[tuple[str, str, str, str, Schema]]:
    return [
        (path, method, status, name, link)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        for name, link in response.get("links", {}).items()
    ]


def operations_by_id(document: Schema) -> dict[str, Schema]:
    return {op["operationId"]: op for item in document["paths"].values() for op in item.values()}


def test_every_link_names_an_operation_and_reads_its_parameters_from_the_answer(document: Schema) -> None:
    operations = operations_by_id(document)
    links = every_link(document)
    assert len(links) > 50
    for path, method, status, name, link in links:
        where = f"{method.upper()} {path} {status} links.{name}"
        target = operations.get(link["operationId"])
        assert target is not None, f"{where}: no operation {link['operationId']}"
        path_parameters = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
        assert set(link["parameters"]) == path_parameters, where
        answer = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
        for parameter, expression in link["parameters"].items():
            source, _, pointer = expression.partition("#")
            assert source == "$response.body", f"{where}: {parameter} = {expression}"
            tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
            assert holds(document, answer, tokens), f"{where}: the answer holds nothing at {expression}"


def test_a_case_is_followed_from_its_request_to_its_commands_and_a_plan_from_its_arrival(
    document: Schema,
) -> None:
    paths = document["paths"]

    def targets(path: str, method: str, status: str) -> set[str]:
        links = paths[path][method]["responses"][status]["links"].values()
        return {link["operationId"] for link in links}

    def under(prefix: str) -> set[str]:
        return {
            item["post"]["operationId"]
            for path, item in paths.items()
            if path.startswith(f"{prefix}/") and path.count("{") == 1 and "post" in item
        }

    case_commands, plan_commands = under(CASE), under(PLAN)
    assert len(case_commands) == 16  # with the documents a case rests on (an exception's evidence)
    assert len(plan_commands) == 20
    read_case, read_plan = paths[CASE]["get"]["operationId"], paths[PLAN]["get"]["operationId"]
    assert targets(REQUESTS, "post", "201") == case_commands | {read_case}
    assert targets(PLANS, "post", "201") == plan_commands | {read_plan}
    assert paths[APPROVAL]["post"]["operationId"] in targets(CLAIM, "post", "200")
    assert targets(f"{CASE}/final-plan", "post", "200") == plan_commands | {read_plan}
    assert targets(CASE, "get", "200") == case_commands
    assert targets(PLAN, "get", "200") == plan_commands


def test_adding_the_links_again_changes_nothing(document: Schema) -> None:
    before = every_link(document)
    assert every_link(add_links(document)) == before
