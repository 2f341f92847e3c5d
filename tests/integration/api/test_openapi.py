"""The OpenAPI document builds and describes every route for its audience."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.app import create_app
from api.routes import advice, cases, health, manager, plans
from core.settings import Settings

LAW = re.compile(r"\bregs? \d|\bs\.\d|Regulations 2014")
AUDIENCES = {"caseworkers", "plans", "agencies", "managers", "operations"}


def test_openapi_lists_every_route_with_summary_description_and_tags() -> None:
    app = create_app(Settings(_env_file=None))
    document = app.openapi()
    routers = (cases.router, plans.router, advice.router, manager.router, health.router)
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) == 39
    assert len(document["paths"]) == 39
    for route in routes:
        for method in route.methods or set():
            operation = document["paths"][route.path][method.lower()]
            assert operation["summary"], route.path
            assert LAW.search(operation["description"]), route.path
            assert operation["tags"], route.path
            assert set(operation["tags"]) <= AUDIENCES, route.path
            assert "200" in operation["responses"] or "201" in operation["responses"], route.path
    for path in ("/api/cases/{case_id}/decision-to-assess", "/api/plans/{case_id}/review-decisions"):
        command = document["paths"][path]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["required"] for p in command["parameters"]), path
    assert document["paths"]["/api/plans/{case_id}/review-decisions"]["post"]["tags"] == ["plans"]
    assert document["paths"]["/api/phase-transfers"]["get"]["tags"] == ["plans"]
    schemas = document["components"]["schemas"]
    for name in ("DecisionToAssessCreate", "CaseCreate", "ReviewDecisionCreate", "PhaseTransferPage"):
        assert schemas[name]["examples"], name
    assert "ApiToken" in document["components"]["securitySchemes"]


def test_every_command_body_example_is_a_valid_body() -> None:
    bodies = [command.body for command in (*cases.CASE_COMMANDS, *plans.PLAN_COMMANDS)]
    assert len(bodies) == 26
    for body in bodies:
        assert isinstance(body, type)
        assert issubclass(body, BaseModel)
        examples = body.model_json_schema()["examples"]
        assert examples, body
        for example in examples:
            body.model_validate(example)
