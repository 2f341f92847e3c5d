"""The API keeps its OpenAPI contract under a fuzzer (issue 9 s.11).

Schemathesis reads `/openapi.json` as the app serves it and, as a caseworker, a manager and an agency,
sends every operation the schema's examples, its coverage cases (each bound and type at its edge, each
required part missing, methods the path does not take) and fuzzed requests, valid and invalid; then its
stateful phase starts from a create request, a plan transferred in or a list, and follows the OpenAPI links
(api/openapi_links.py) to the reads and commands on what it made. Every check Schemathesis has runs on
every answer: no 5xx, only documented status codes, content types, headers and bodies, invalid input
refused, valid input accepted, auth enforced, a resource there once made.

Bounded and deterministic: a fixed number of examples and steps, Hypothesis derandomized, a fixed seed,
and no example database (nothing is written to the repository).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import APIOperation, BaseSchema

from .conftest import Caller

SEED = 911
EXAMPLES = 5  # fuzzed examples per operation, beside its schema examples and coverage cases
SCENARIOS = 10  # stateful scenarios per account
STEPS = 6  # at most this many requests in one scenario

# Positive data acceptance's statuses by default (a refusal of credentials or state is not of the data).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# The kinds of fault that name a rule in words: a validator's (`value_error`) or the service's and the
# workflows' (`refused`: an agency that does not exist, a cursor never handed out, a date before the
# request). Every other kind (a bound, a length, a pattern, a type, a missing field) is one JSON Schema
# can state, so a schema-valid request refused for it means the document says less than the API checks.
RULES = frozenset({"value_error", "assertion_error", "refused"})

BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    # A request runs a workflow update: slow for Hypothesis, and the data are what the schema allows.
    suppress_health_check=list(HealthCheck),
)


def config_for(caller: Caller) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "auth": {"openapi": {"ApiToken": {"bearer": caller.token}}},
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                # The links the document declares, not ones guessed from field names: a guessed link
                # (`caseworker_id` taken for a resource no operation makes) leaves the creates unreachable.
                "stateful": {"max-steps": STEPS, "inference": {"algorithms": []}},
            },
            "checks": {
                "enabled": True,
                # 422 is the API's documented answer to input that breaks a rule the schema cannot state;
                # `refused_for_a_rule` below still fails one the schema could have stated.
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]},
            },
            "operations": [
                {
                    # Reads the time-skipping server cannot answer, so they answer their documented 503:
                    # readiness asks whether a worker polls (it has no DescribeTaskQueue), the attention
                    # list searches the workflows (it has no visibility store). Readiness is tested on the
                    # dev server (tests/integration/api/test_readiness.py).
                    "include-path-regex": "^/api/(ready|attention)$",
                    "include-method": "GET",
                    "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}},
                },
            ],
        }
    )


@schemathesis.check
def refused_for_a_rule(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A schema-valid request refused 422 was refused for a rule the schema cannot state."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        faults = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return None  # not a Problem document: response_schema_conformance says so
    stated = sorted(
        {f"{_named(f.get('loc'))}: {f.get('type')}" for f in faults if f.get("type") not in RULES}
    )
    if stated:
        raise AssertionError(
            "a schema-valid request was refused for a constraint the schema could state but does not: "
            + "; ".join(stated)
        )
    return None


def _named(loc: Any) -> str:
    return ".".join(str(step) for step in loc) if isinstance(loc, list) else str(loc)


@pytest.fixture
def contract(caller: Caller) -> BaseSchema:
    """The OpenAPI document the app serves, as the caller's Schemathesis schema."""
    return schemathesis.openapi.from_wsgi("/openapi.json", caller.app, config=config_for(caller))


schema = schemathesis.pytest.from_fixture("contract")


@BOUNDED
@schema.parametrize()
def test_every_operation_keeps_its_contract(case: Case, caller: Caller) -> None:
    caller.fresh_key(case)
    case.call_and_validate()


def starts_a_scenario(operation: APIOperation, *_: Any) -> bool:
    """Where a client starts: a create request, a plan transferred in, a list (no id in the path)."""
    return not operation.path_parameters


def test_a_case_followed_through_its_links_keeps_the_contract(
    contract: BaseSchema, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Schemathesis starts its scenarios from the operations it judges likely to succeed with made-up
    # data, and takes the optional `caseworker_id` of a create request for a reference to a resource
    # nothing makes: so it would start from commands on made-up cases (404) and never create one.
    monkeypatch.setattr("schemathesis.specs.openapi.stateful.is_likely_root_transition", starts_a_scenario)
    machine: Any = contract.as_state_machine()

    class Followed(machine):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            caller.fresh_key(case)

    Followed.run(settings=settings(BOUNDED, max_examples=SCENARIOS, stateful_step_count=STEPS))
