"""A query parameter a route does not take is refused, not ignored (issue 9 s.10): before, a manager's
`GET /api/overdue?status=overdue` answered every row as though filtered."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.api.conftest import People


@pytest.mark.parametrize(
    ("path", "unknown"),
    [
        ("/api/overdue?status=overdue", "status"),
        ("/api/cases?caseworker=someone", "caseworker"),
        ("/api/cases?limit=5&stages=drafting", "stages"),
        ("/api/kpis?from=2025-01-01", "from"),
    ],
)
async def test_an_unknown_filter_is_a_422_naming_it(
    api: httpx.AsyncClient, people: People, path: str, unknown: str
) -> None:
    response = await api.get(path, headers=people.manager.auth)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == unknown
    assert "takes no such query parameter" in body["detail"]


async def test_the_parameters_a_route_takes_still_work(api: httpx.AsyncClient, people: People) -> None:
    response = await api.get(
        f"/api/cases?limit=5&caseworker_id={people.caseworker.id}", headers=people.manager.auth
    )
    assert response.status_code == 200, response.text


async def test_a_command_takes_no_query(api: httpx.AsyncClient, people: People) -> None:
    response = await api.post(
        f"/api/cases/{uuid.uuid4()}/withdrawal?force=true",
        json={"withdrawn_on": "2025-03-03"},
        headers=people.caseworker.command(),
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "force"
