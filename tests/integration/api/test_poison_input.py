"""Poison input never reaches a workflow (issue 9 s.1), the API's side: rows a request names are checked
before anything starts, request bodies have a size limit, and a list cursor of any other shape is a 422
naming `after`.

Each was seen: a `caseworker_id` that is no user and an `agency_id` that is no agency answered 201 and
200, then every projection of the case met a foreign key and retried for ever; a body had no limit; a
cursor of `[[[[...]]]]` answered 500.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from api.body_limit import UPLOAD_PATHS
from core.settings import UPLOAD_FORM_BYTES, Settings
from db.users import create_user, set_disabled

from .conftest import UPLOAD_MAX_BYTES, People, Temporal, advice_for, new_request

JSON_LIMIT = 16 * 1024  # this module's EHCP_MAX_BODY_BYTES
UPLOAD_LIMIT = 5 * UPLOAD_MAX_BYTES + UPLOAD_FORM_BYTES  # the default for the lane's per-file limit


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_body_bytes": JSON_LIMIT})


# ---- referenced rows ----


async def test_a_request_for_a_caseworker_who_is_no_user_starts_nothing(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = await temporal.today()
    async with sessions() as session:
        gone, _ = await create_user(session=session, username="left", display_name="Left", role="caseworker")
        await set_disabled(session=session, username="left", disabled=True)
        await session.commit()
    for caseworker_id in (uuid.uuid4(), people.health.id, people.admin.id, gone.id):
        body = new_request(today, caseworker_id=str(caseworker_id))
        refused = await api.post("/api/requests", json=body, headers=people.manager.command())
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "caseworker_id"
        assert refused.json()["detail"].startswith("caseworker_id: ")
    assert temporal.fakes.cases == []  # no workflow started, so none recorded a case

    body = new_request(today, caseworker_id=str(people.caseworker.id))
    assigned = await api.post("/api/requests", json=body, headers=people.manager.command())
    assert assigned.status_code == 201, assigned.text
    assert [case.start.caseworker_id for case in temporal.fakes.cases] == [people.caseworker.id]


async def test_a_plan_transferred_in_for_a_caseworker_who_is_no_user_starts_nothing(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    body = {
        "from_la": "Southshire",
        "made_on": "2024-06-10",
        "transferred_on": today.isoformat(),
        "child": {"given_name": "Ada", "family_name": "Example", "date_of_birth": "2015-03-01"},
    }
    for caseworker_id in (uuid.uuid4(), people.psychology.id):
        refused = await api.post(
            "/api/plans", json={**body, "caseworker_id": str(caseworker_id)}, headers=people.manager.command()
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "caseworker_id"
    assert temporal.fakes.cases == []
    received = await api.post(
        "/api/plans", json={**body, "caseworker_id": str(people.manager.id)}, headers=people.manager.command()
    )
    assert received.status_code == 201, received.text


async def test_a_decision_to_assess_naming_no_agency_is_refused_before_the_workflow_sees_it(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = (await temporal.today()).isoformat()
    created = await api.post(
        "/api/requests", json=new_request(await temporal.today()), headers=people.caseworker.command()
    )
    case_id = created.json()["case_id"]
    advice = advice_for(people)
    advice[3] = {**advice[3], "agency_id": str(uuid.uuid4())}
    decision = {"outcome": "assess", "decided_on": today, "advice": advice}
    url = f"/api/cases/{case_id}/decision-to-assess"
    refused = await api.post(url, json=decision, headers=people.caseworker.command())
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "advice[3].agency_id"
    case = await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)
    assert case.json()["state"]["stage"] == "awaiting_decision_to_assess"
    assert case.json()["state"]["advice"] == []  # no advice request was sent

    decided = await api.post(
        url, json={**decision, "advice": advice_for(people)}, headers=people.caseworker.command()
    )
    assert decided.status_code == 200, decided.text


# ---- body size ----


def assert_too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"  # a problem (docs/errors.md)
    assert response.headers["x-content-type-options"] == "nosniff"  # still wrapped by api/security.py
    assert f"larger than the {limit} bytes" in response.json()["detail"]
    assert response.json()["field"] is None


async def test_a_body_over_the_limit_is_413_naming_it_and_starts_nothing(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    body = new_request(await temporal.today(), parent_requested=["x" * 200] * 20)
    padded = json.dumps(body).encode() + b" " * JSON_LIMIT
    response = await api.post(
        "/api/requests",
        content=padded,
        headers={**people.caseworker.command(), "Content-Type": "application/json"},
    )
    assert_too_large(response, JSON_LIMIT)
    assert temporal.fakes.cases == []
    unauthenticated = await api.post("/api/requests", content=padded)
    assert_too_large(unauthenticated, JSON_LIMIT)  # refused before anything, authentication included


async def test_a_chunked_body_with_no_length_is_stopped_once_it_passes_the_limit(
    api: httpx.AsyncClient, people: People
) -> None:
    chunk = 1024
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        for _ in range(4 * JSON_LIMIT // chunk):
            read += 1
            yield b" " * chunk

    response = await api.post(
        "/api/requests",
        content=body(),
        headers={**people.caseworker.command(), "Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_too_large(response, JSON_LIMIT)
    assert read == JSON_LIMIT // chunk + 1  # not a chunk read after the one that passed the limit


def files(count: int, size: int) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", (f"advice-{n}.pdf", b"%PDF-" + b"x" * (size - 5), "application/pdf")) for n in range(count)
    ]


async def test_an_upload_has_its_own_larger_limit(api: httpx.AsyncClient, people: People) -> None:
    url = f"/api/advice-requests/{uuid.uuid4()}/health/advice"
    form: dict[str, Any] = {"received_on": "2025-01-06"}
    # Within the upload's limit, though over the JSON one: the files reach their own check (422 naming
    # the file, api/services/uploads.py), as one file over the per-file limit does.
    within = await api.post(url, data=form, files=files(5, UPLOAD_MAX_BYTES), headers=people.health.auth)
    assert within.status_code == 422, within.text
    assert within.json()["field"] == "files"
    one_over = await api.post(
        url, data=form, files=files(1, UPLOAD_MAX_BYTES + 1), headers=people.health.auth
    )
    assert one_over.status_code == 422, one_over.text
    assert f"larger than the {UPLOAD_MAX_BYTES} bytes allowed" in one_over.json()["detail"]

    over = await api.post(url, data=form, files=files(30, UPLOAD_MAX_BYTES), headers=people.health.auth)
    assert_too_large(over, UPLOAD_LIMIT)
    assert f"each at most {UPLOAD_MAX_BYTES} bytes" in over.json()["detail"]
    # the larger limit is the upload route's only: a multipart body elsewhere has the JSON one
    elsewhere = await api.post(
        "/api/requests", data=form, files=files(5, UPLOAD_MAX_BYTES), headers=people.caseworker.command()
    )
    assert_too_large(elsewhere, JSON_LIMIT)


async def test_the_upload_limit_names_every_route_that_takes_files(settings: Settings) -> None:
    document = create_app(settings).openapi()
    takes_files = [
        path
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    ]
    assert takes_files
    for path in takes_files:
        assert UPLOAD_PATHS.fullmatch(path.replace("{", "").replace("}", "")), path


def test_an_upload_limit_that_cannot_hold_the_largest_file_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="EHCP_MAX_UPLOAD_BODY_BYTES must be at least"):
        Settings(_env_file=None, upload_max_bytes=10 * 1024 * 1024, max_upload_body_bytes=10 * 1024 * 1024)


# ---- list cursors ----


def as_cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HOSTILE = {
    # 100,000 deep is 266 KB, more than a URL holds (httpx: 64 KiB); tests/integration/db tries it
    "nested 20000 deep": as_cursor(b"[" * 20_000 + b"]" * 20_000),
    "nested 1500 deep": as_cursor(b"[" * 1_500 + b"]" * 1_500),
    "an object": as_cursor(b'{"after": "2025-01-06"}'),
    "numbers": as_cursor(b"[20250106, 7]"),
    "a list in the list": as_cursor(b'[["2025-01-06"], "x"]'),
    "null": as_cursor(b"null"),
    # the overdue list's key holds plain strings: one neither database can bind
    "a lone surrogate": as_cursor(
        json.dumps(["2025-01-06", uuid.uuid4().hex, "\ud800", "", "2025-01-06"]).encode()
    ),
    "a NUL": as_cursor(json.dumps(["2025-01-06", uuid.uuid4().hex, "a\x00b", "", "2025-01-06"]).encode()),
}


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/api/cases", "caseworker"),
        ("/api/overdue", "manager"),
        ("/api/advice-requests", "health"),
        ("/api/phase-transfers", "caseworker"),
    ],
)
async def test_a_cursor_of_any_other_shape_is_a_422_naming_after(
    api: httpx.AsyncClient, people: People, path: str, who: str
) -> None:
    for name, cursor in HOSTILE.items():
        response = await api.get(path, params={"after": cursor}, headers=getattr(people, who).auth)
        assert response.status_code == 422, (name, response.text[:200])
        assert response.json()["field"] == "after", name
        assert cursor[:20] not in response.text, name  # names the problem, never repeats the input
