"""One error shape (issue 9 s.10): every 4xx and 5xx the API answers is `application/problem+json`
(RFC 9457) with `type`, `title`, `status`, `detail` and `field`, invalid input listing its faults in
`errors`, and the OpenAPI document declares each as the `Problem` schema. And (s.11) a body that cannot
be read is answered after authentication and the role check, and a date is only ever a YYYY-MM-DD string.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException
from starlette.requests import Request
from temporalio.client import Client
from temporalio.service import RPCStatusCode

from api.app import create_app
from api.errors import PROBLEM_TYPES, PROBLEMS, Unprocessable
from api.limits import FailureLimiter
from api.problems import error_response
from api.schemas.common import Problem
from core.settings import Settings
from tests.integration.api.conftest import People, Temporal, advice_for, new_request
from tests.integration.api.test_security_headers import assert_guarded
from tests.integration.api.test_temporal_unavailable import Unreachable

PROBLEM = "application/problem+json"
TITLES = {problem.anchor: problem.title for problem in PROBLEMS}
ERRORS_MD = Path(__file__).resolve().parents[3] / "docs" / "errors.md"
TODAY = date(2025, 3, 3)
TODAY_ = TODAY.isoformat()


def assert_problem(response: httpx.Response, status: int, anchor: str) -> dict[str, Any]:
    """`response` is a problem of the kind `anchor`, with the security headers every answer carries."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM, response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == f"{PROBLEM_TYPES}:{anchor}", body
    assert body["title"] == TITLES[anchor], body
    assert body["status"] == status, body
    assert isinstance(body["detail"], str), body
    assert body["detail"], body
    assert "field" in body, body
    assert ("errors" in body) == (anchor == "invalid-input"), body
    Problem.model_validate(body)
    assert_guarded(response)
    assert response.headers["cache-control"] == "no-store"
    return body


@pytest.fixture
async def app(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> FastAPI:
    """The real app with Temporal down (every call fails as a server that is away does), a limiter that
    blocks an address after one failed authentication, and routes that fail as a bug would, as Starlette
    does over a form it cannot parse, and with a status the API has no kind of problem for."""
    app = create_app(
        settings, client=cast(Client, Unreachable(RPCStatusCode.UNAVAILABLE)), session_factory=sessions
    )
    app.state.auth_limiter = FailureLimiter(limit=1, window=60)

    async def broken() -> None:
        raise RuntimeError("a bug, with Ada Example's name in its message")

    async def unparsed() -> None:  # as Starlette answers a form it cannot parse
        raise HTTPException(400, "Invalid multipart data.")

    async def teapot() -> None:  # a status the API has no kind of problem for
        raise HTTPException(418, "short and stout")

    app.add_api_route("/api/broken", broken)
    app.add_api_route("/api/unparsed", unparsed)
    app.add_api_route("/api/teapot", teapot)
    return app


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ehcp.test") as client:
        yield client


async def test_every_kind_of_error_is_a_problem(http: httpx.AsyncClient, people: People) -> None:
    cw, agency = people.caseworker, people.health
    case = f"/api/cases/{uuid.uuid4()}"
    assert_problem(await http.get("/api/no-such-route"), 404, "not-found")
    allowed = await http.delete("/api/requests", headers=cw.auth)
    assert allowed.headers["allow"] == "POST"
    assert "POST" in assert_problem(allowed, 405, "method-not-allowed")["detail"]
    unauthenticated = await http.get("/api/cases")
    assert unauthenticated.headers["www-authenticate"] == 'Bearer realm="ehcp"'
    assert_problem(unauthenticated, 401, "unauthenticated")
    assert_problem(await http.get("/api/cases", headers=agency.auth), 403, "forbidden")
    assert_problem(await http.get(f"/api/plans/{uuid.uuid4()}", headers=agency.auth), 404, "not-found")
    too_large = await http.post(
        "/api/requests",
        content=b"{" + b" " * (1024 * 1024),
        headers={**cw.command(), "Content-Type": "application/json"},
    )
    assert "bytes" in assert_problem(too_large, 413, "content-too-large")["detail"]
    assert_problem(await http.get("/api/cases?limit=0", headers=cw.auth), 422, "invalid-input")
    assert_problem(await http.get("/api/cases?stages=x", headers=cw.auth), 422, "invalid-input")
    temporal_down = await http.get(case, headers=cw.auth)
    assert temporal_down.headers["retry-after"] == "5"
    assert_problem(temporal_down, 503, "unavailable")
    command = await http.post(f"{case}/withdrawal", json={"withdrawn_on": "2025-03-03"}, headers=cw.command())
    assert "same Idempotency-Key" in assert_problem(command, 503, "unavailable")["detail"]
    bug = await http.get("/api/broken")
    assert "Ada" not in bug.text  # the exception's message is the server's log's, never the answer's
    assert_problem(bug, 500, "internal-error")
    assert assert_problem(await http.get("/api/unparsed"), 422, "invalid-input")["field"] == "body"
    teapot = await http.get("/api/teapot")
    assert (teapot.status_code, teapot.headers["content-type"]) == (418, PROBLEM)
    assert teapot.json() == {
        "type": "about:blank",
        "title": "I'm a Teapot",
        "status": 418,
        "detail": "short and stout",
        "field": None,
    }
    # the limiter blocks this address after one failed authentication
    assert_problem(
        await http.get("/api/cases", headers={"Authorization": "Bearer x"}), 401, "unauthenticated"
    )
    blocked = await http.get("/api/cases", headers=cw.auth)
    assert blocked.headers["retry-after"] == "60"
    assert_problem(blocked, 429, "too-many-requests")


async def test_invalid_input_names_the_field_where_it_is_and_never_the_value(
    http: httpx.AsyncClient, people: People
) -> None:
    body = new_request(TODAY, caseworker_id="not-a-uuid")
    body["child"] = {**body["child"], "year_group": 99}
    refused = assert_problem(
        await http.post("/api/requests", json=body, headers=people.caseworker.command()), 422, "invalid-input"
    )
    assert refused["field"] == "child"  # the first fault's top-level field
    assert [(e["loc"], e.get("pointer"), e["type"]) for e in refused["errors"]] == [
        (["body", "child", "year_group"], "#/child/year_group", "less_than_equal"),
        (["body", "caseworker_id"], "#/caseworker_id", "uuid_parsing"),
    ]
    assert refused["errors"][0]["ctx"] == {"le": 14}
    assert refused["detail"].startswith("child.year_group: Input should be less than or equal to 14; ")
    for sent in ("not-a-uuid", "99", "Ada"):
        assert sent not in str(refused), sent

    no_key = assert_problem(
        await http.post("/api/requests", json=new_request(TODAY), headers=people.caseworker.auth),
        422,
        "invalid-input",
    )
    assert (no_key["field"], no_key["errors"][0]["loc"]) == ("Idempotency-Key", ["header", "Idempotency-Key"])
    assert "pointer" not in no_key["errors"][0]  # only a fault in the body has one


def _request(path: str, query: str = "", **path_params: str) -> Request:
    return Request({"type": "http", "path": path, "query_string": query.encode(), "path_params": path_params})


@pytest.mark.parametrize(
    ("field", "request_", "loc", "pointer"),
    [
        ("advice[3].agency_id", _request("/x"), ["body", "advice", 3, "agency_id"], "#/advice/3/agency_id"),
        ("after", _request("/x", "after=zz"), ["query", "after"], None),
        ("claim_id", _request("/x", claim_id="c-1"), ["path", "claim_id"], None),
        ("received_on", _request("/x"), ["body", "received_on"], "#/received_on"),
    ],
)
def test_a_field_the_service_refuses_is_located_from_the_request(
    field: str, request_: Request, loc: list[Any], pointer: str | None
) -> None:
    answer = json.loads(bytes(error_response(Unprocessable(f"{field}: refused", field=field), request_).body))
    assert answer["field"] == field
    [item] = answer["errors"]
    assert (item["loc"], item.get("pointer"), item["type"], item["msg"]) == (
        loc,
        pointer,
        "refused",
        f"{field}: refused",
    )


# ---- s.11: a body that cannot be read is answered after authentication and the role check ----

NOT_JSON, NOT_FORM = "not application/json", "not multipart/form-data"
UNREADABLE = {  # the body, its Content-Type, and what a JSON route and the upload route say of it
    "not JSON": (b"{not json", "application/json", "not valid JSON", NOT_FORM),
    "not UTF-8": (b'{"received_on": "\xff\xfe"}', "application/json", "not UTF-8", NOT_FORM),
    "nested too deeply": (b"[" * 30_000, "application/json", "nested too deeply", NOT_FORM),
    "not sent as JSON": (b'{"received_on": "2025-03-03"}', "text/plain", NOT_JSON, NOT_FORM),
    "no media type": (b'{"received_on": "2025-03-03"}', "", NOT_JSON, NOT_FORM),
    "a broken multipart form": (
        b"garbage",
        "multipart/form-data; boundary=zz",
        NOT_JSON,
        "multipart",
    ),
    "a multipart form with no boundary": (b"garbage", "multipart/form-data", NOT_JSON, "boundary"),
    "a multipart form cut short": (  # Starlette would leave its unfinished part's temporary file open
        b'--zz\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4 and the connection dro",
        "multipart/form-data; boundary=zz",
        NOT_JSON,
        "ends before its closing boundary",
    ),
}


@pytest.mark.parametrize(
    ("content", "media_type", "said", "said_of_upload"), UNREADABLE.values(), ids=UNREADABLE.keys()
)
async def test_a_body_that_cannot_be_read_is_refused_after_the_role_check(  # noqa: PLR0917
    http: httpx.AsyncClient, people: People, content: bytes, media_type: str, said: str, said_of_upload: str
) -> None:
    headers = {"Content-Type": media_type} if media_type else {}
    case_command = f"/api/cases/{uuid.uuid4()}/decision-to-assess"
    upload = f"/api/advice-requests/{uuid.uuid4()}/ep/advice"

    async def post(path: str, extra: dict[str, str]) -> httpx.Response:
        return await http.post(path, content=content, headers={**extra, **headers})

    # An agency on a caseworker's route, and a caseworker on an agency's, whatever the body: 403.
    assert_problem(await post(case_command, people.health.command()), 403, "forbidden")
    assert_problem(await post(upload, people.caseworker.command()), 403, "forbidden")
    assert_problem(await post(case_command, {"Idempotency-Key": "k-1"}), 401, "unauthenticated")
    # The role that may: 422 naming the body and what is wrong with it, and nothing of what was sent.
    for path, account, expected in (
        (case_command, people.caseworker, said),
        (upload, people.psychology, said_of_upload),
    ):
        refused = assert_problem(await post(path, account.command()), 422, "invalid-input")
        assert refused["field"] == "body", refused
        [item] = refused["errors"]
        assert (item["loc"], item["pointer"], item["type"]) == (["body"], "#", "body_unreadable")
        assert expected in item["msg"], item
        assert refused["detail"] == f"body: {item['msg']}"
        for sent in ("garbage", "2025-03-03", "received_on"):
            assert sent not in refused["detail"], sent


async def test_a_readable_body_still_reaches_the_route(http: httpx.AsyncClient, people: People) -> None:
    """The body checked first is handed on whole: a JSON command reaches Temporal (down here: 503), and
    an upload is read as the form it is (the file refused by the service's own check, 422 `files`)."""
    case_command = f"/api/cases/{uuid.uuid4()}/withdrawal"
    taken = await http.post(
        case_command, json={"withdrawn_on": "2025-03-03"}, headers=people.caseworker.command()
    )
    assert_problem(taken, 503, "unavailable")
    upload = await http.post(
        f"/api/advice-requests/{uuid.uuid4()}/ep/advice",
        data={"received_on": "2025-03-03"},
        files={"files": ("advice.pdf", b"not a pdf", "application/pdf")},
        headers=people.psychology.command(),
    )
    refused = assert_problem(upload, 422, "invalid-input")
    assert refused["field"] == "files", refused
    assert refused["errors"][0]["loc"] == ["body", "files"]


# ---- s.11: a date is a YYYY-MM-DD string ----


@pytest.mark.parametrize("sent", [0, 20250101, "20250101", "2025-03-03T00:00:00", 1.5e9])
async def test_a_date_that_is_not_an_iso_string_is_refused_naming_the_field(
    http: httpx.AsyncClient, people: People, sent: object
) -> None:
    cw = people.caseworker
    case = f"/api/cases/{uuid.uuid4()}"
    child = {**new_request(TODAY)["child"], "date_of_birth": sent}
    advice = [
        {
            "advice_id": "ep",
            "advice": "psychological",
            "agency_id": str(uuid.uuid4()),
            "received_by_body": sent,
        }
    ]
    calls = {
        "received_on": (
            "/api/requests",
            {**new_request(TODAY), "received_on": sent},
            ["body", "received_on"],
        ),
        "child": ("/api/requests", new_request(TODAY, child=child), ["body", "child", "date_of_birth"]),
        "decided_on": (
            f"{case}/decision-to-assess",
            {"outcome": "refuse", "decided_on": sent, "reasons": "r"},
            ["body", "decided_on"],
        ),
        "advice": (
            f"{case}/decision-to-assess",
            {"outcome": "assess", "decided_on": "2025-03-03", "advice": advice},
            ["body", "advice", 0, "received_by_body"],
        ),
        "start": (
            f"{case}/exceptions",
            {
                "deadline": "final_plan",
                "kind": "absence",
                "start": sent,
                "evidence": "e",
                "claimed_on": TODAY_,
            },
            ["body", "start"],
        ),
    }
    for field, (path, body, loc) in calls.items():
        refused = assert_problem(await http.post(path, json=body, headers=cw.command()), 422, "invalid-input")
        assert refused["field"] == field, refused
        assert [e["type"] for e in refused["errors"] if e["loc"] == loc] == ["date_iso"], refused
        assert "YYYY-MM-DD" in refused["detail"], refused
    # The same body with an ISO date is taken (and goes on to Temporal, which is down here: 503).
    taken = await http.post("/api/requests", json=new_request(TODAY), headers=cw.command())
    assert_problem(taken, 503, "unavailable")
    # A date in a query or a form is a date string too.
    kpis = await http.get(
        f"/api/kpis?received_from={sent}&received_to=2025-03-31", headers=people.manager.auth
    )
    assert assert_problem(kpis, 422, "invalid-input")["field"] == "received_from"
    upload = await http.post(
        f"{case}/ep/advice".replace("/api/cases/", "/api/advice-requests/"),
        data={"received_on": str(sent)},
        files={"files": ("advice.pdf", b"%PDF-1.4", "application/pdf")},
        headers=people.psychology.command(),
    )
    assert assert_problem(upload, 422, "invalid-input")["field"] == "received_on"


# ---- workflow refusals: 409 and 422, from the real workflows ----


async def test_a_workflow_refusal_is_a_problem(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    cw = people.caseworker
    created = await api.post("/api/requests", json=new_request(today), headers=cw.command())
    assert created.status_code == 201, created.text
    case = f"/api/cases/{created.json()['case_id']}"
    decision = {"outcome": "assess", "decided_on": today.isoformat(), "advice": advice_for(people)}
    assert (
        await api.post(f"{case}/decision-to-assess", json=decision, headers=cw.command())
    ).status_code == 200

    twice = assert_problem(
        await api.post(f"{case}/decision-to-assess", json=decision, headers=cw.command()), 409, "conflict"
    )
    assert twice["detail"] == f"the decision whether to assess was already made on {today}"
    assert twice["field"] is None

    future = date.fromordinal(today.toordinal() + 5).isoformat()
    refused = assert_problem(
        await api.post(f"{case}/withdrawal", json={"withdrawn_on": future}, headers=cw.command()),
        422,
        "invalid-input",
    )
    assert refused["field"] == "withdrawn_on"
    assert refused["detail"] == f"withdrawn_on: {future} is in the future"
    assert refused["errors"] == [
        {
            "loc": ["body", "withdrawn_on"],
            "pointer": "#/withdrawn_on",
            "msg": refused["detail"],
            "type": "refused",
        }
    ]


# ---- the OpenAPI document declares them ----


def test_the_openapi_document_declares_every_error_as_a_problem(settings: Settings) -> None:
    document = create_app(settings).openapi()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert "HTTPValidationError" not in str(document["paths"])
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail", "field"}
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 40
    for path, method, operation in operations:
        responses = operation["responses"]
        errors = {code: r for code, r in responses.items() if code[0] in "45"}
        for code, response in errors.items():
            if (path, code) == ("/api/ready", "503"):  # the readiness report itself, not a problem
                assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ReadinessRead")
                continue
            assert response["content"] == problem, (path, method, code)
            assert response["description"], (path, method, code)
        where = (path, method)
        assert {"422", "500"} <= set(errors), where  # an unknown query parameter; a bug
        if operation.get("security"):
            assert {"401", "429"} <= set(errors), where
        if "requestBody" in operation:
            assert operation["requestBody"]["required"], where  # so an unread body is a missing one
            assert "413" in errors, where
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            assert "504" in errors, where
    command = document["paths"]["/api/cases/{case_id}/decision-to-assess"]["post"]["responses"]
    assert set(command) >= {"401", "403", "404", "409", "413", "422", "429", "500", "503", "504"}


def test_docs_errors_md_describes_every_problem_type() -> None:
    """Each type's URI names its section of docs/errors.md: the heading is the name, then its title."""
    text = ERRORS_MD.read_text()
    headings = re.findall(r"^### (\S+)\n\n\*\*(.+?)\*\* \((\d{3})\)", text, flags=re.MULTILINE)
    assert headings == [(p.anchor, p.title, str(p.status)) for p in PROBLEMS]
    assert PROBLEM_TYPES == "urn:ehcp:problem"  # published: the same on every deployment, never changed
    assert f"`{PROBLEM_TYPES}:` and the kind's name" in text
