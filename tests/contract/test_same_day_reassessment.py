"""Found by Schemathesis (issue 9 s.11): on a plan, a reassessment requested, refused and requested again
on the same day all answered 200, and then every `apply_change` of the plan failed on the read model's key
(deadlines: case, deadline, key, clock start), so the read model stayed behind the workflow for ever.
Now the request again on the day of the refusal is refused (the statute engine tells requests apart by
their dates), the one the day after is taken, and the read model catches up with the workflow. Through
the API, with the production worker."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from tests.integration.api.conftest import People

from .conftest import plan_arrival


async def caught_up(api: httpx.AsyncClient, people: People, case_id: str, version: int) -> dict[str, Any]:
    """The plan once its read model shows the workflow's state version `version` (waits up to 10 s)."""
    for _ in range(500):
        read = await api.get(f"/api/plans/{case_id}", headers=people.caseworker.auth)
        assert read.status_code == 200, read.text
        plan: dict[str, Any] = read.json()
        if plan["record"] is not None and plan["record"]["state_version"] >= version:
            return plan
        await asyncio.sleep(0.02)
    raise AssertionError(f"the read model never reached state version {version}: {plan['record']}")


async def test_a_reassessment_requested_again_the_day_it_was_refused_reaches_the_read_model(
    api: httpx.AsyncClient, people: People, temporal: WorkflowEnvironment
) -> None:
    today = (await temporal.get_current_time()).date()
    on = today.isoformat()
    arrived = await api.post("/api/plans", json=plan_arrival(today), headers=people.caseworker.command())
    assert arrived.status_code == 201, arrived.text
    case_id = arrived.json()["case_id"]

    def step(path: str, body: dict[str, Any]) -> Any:
        return api.post(f"/api/plans/{case_id}/{path}", json=body, headers=people.caseworker.command())

    answers = [
        await step("reassessment-requests", {"requested_on": on}),
        await step(
            "reassessment-decisions", {"decided_on": on, "outcome": "refuse", "reasons": "No change."}
        ),
        await step("reassessment-requests", {"requested_on": on}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 422], [a.text for a in answers]
    assert answers[-1].json()["field"] == "requested_on"
    await temporal.sleep(timedelta(days=1))
    tomorrow = (await temporal.get_current_time()).date().isoformat()
    again = await step("reassessment-requests", {"requested_on": tomorrow})
    assert again.status_code == 200, again.text
    version = again.json()["state"]["state_version"]

    plan = await caught_up(api, people, case_id, version)
    decisions = [d for d in plan["deadlines"] if d["deadline"] == "reassessment_decision"]
    assert [d["from_date"] for d in decisions] == [on, tomorrow]
