"""Who may call what: 401 without a known token, 403 for the wrong role, 404 for an agency's strangers."""

from __future__ import annotations

import uuid

import httpx

from .conftest import People


async def test_no_token_or_an_unknown_one_is_401_with_a_challenge(api: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = await api.get("/api/cases", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["detail"]


async def test_a_route_refuses_roles_it_does_not_admit(api: httpx.AsyncClient, people: People) -> None:
    refused = [
        ("GET", "/api/cases", people.health),
        ("GET", "/api/overdue", people.caseworker),
        ("GET", "/api/kpis?received_from=2025-01-01&received_to=2025-03-31", people.caseworker),
        ("GET", "/api/advice-requests", people.caseworker),
        ("GET", "/api/advice-requests", people.manager),
        ("POST", "/api/requests", people.admin),
        ("POST", f"/api/cases/{uuid.uuid4()}/exceptions/c1/approval", people.caseworker),
    ]
    for method, url, account in refused:
        response = await api.request(method, url, headers=account.command(), json={})
        assert response.status_code == 403, (method, url)
        assert "cannot do this" in response.json()["detail"]


async def test_an_agency_gets_404_for_a_request_not_sent_to_it(
    api: httpx.AsyncClient, people: People
) -> None:
    response = await api.get(f"/api/advice-requests/{uuid.uuid4()}/ep", headers=people.psychology.auth)
    assert response.status_code == 404


async def test_the_health_check_needs_no_token_and_asks_the_database(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
