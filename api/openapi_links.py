"""OpenAPI links (OAS 3.1, the Link Object): from an answer to the operations that take the ids it holds.

The answer to a create request holds the new case's id, and the case's reads and commands take it in their
path; the answer to a claimed exception holds the claim's id, which its approval takes. Links say so in
the document, so a client (and Schemathesis' stateful phase, tests/contract/) can follow a case from the
answer that made it: a request (and the case read) to the case's commands, a claimed exception to its
approval, the final plan (or a plan transferred in, or the plan read) to the plan's commands, an agency's
inbox to one request and its answer.

A command's answer links to nothing: the next command on the case takes the id the case was made with,
and a client (or the stateful phase, which keeps every answer of a scenario) goes back to that answer. The
links are worked out from the paths, not listed: every command route under a case or a plan is linked, so
a command added to `api/routes/cases.py` or `api/routes/plans.py` is linked without a change here. A link
names its target by operationId, read from the document itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

CASES = "/api/cases"
CASE = "/api/cases/{case_id}"
CLAIM = "/api/cases/{case_id}/exceptions"
APPROVAL = "/api/cases/{case_id}/exceptions/{claim_id}/approval"
FINAL_PLAN = "/api/cases/{case_id}/final-plan"
REQUESTS = "/api/requests"
PLANS = "/api/plans"
PLAN = "/api/plans/{case_id}"
INBOX = "/api/advice-requests"
ADVICE = "/api/advice-requests/{case_id}/{advice_id}"
ADVICE_ANSWER = "/api/advice-requests/{case_id}/{advice_id}/advice"

# Where an answer holds the ids (runtime expressions, OAS 3.1 §4.8.20.4).
CASE_ID = "$response.body#/case_id"
FIRST_CLAIM_ID = "$response.body#/state/claims/0/claim_id"
FIRST_LISTED_CASE = "$response.body#/items/0/id"
FIRST_ADVICE = {
    "case_id": "$response.body#/items/0/case_id",
    "advice_id": "$response.body#/items/0/advice_id",
}
THIS_ADVICE = {"case_id": "$response.body#/case_id", "advice_id": "$response.body#/advice_id"}

Document = dict[str, Any]
Link = dict[str, Any]


def _commands_under(paths: Document, prefix: str) -> list[str]:
    """The command routes on one case or plan: a POST at `prefix/<step>` taking no other path id."""
    return sorted(
        path
        for path, item in paths.items()
        if path.startswith(f"{prefix}/") and path.count("{") == prefix.count("{") and "post" in item
    )


def _step(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def links_of(document: Document) -> dict[tuple[str, str, str], dict[str, Link]]:
    """Every link the document gets, by (path, method, status) of the answer that carries it."""
    paths: Document = document["paths"]

    def link(path: str, method: str, parameters: dict[str, str], description: str) -> Link:
        return {
            "operationId": paths[path][method]["operationId"],
            "parameters": dict(parameters),
            "description": description,
        }

    case_commands = _commands_under(paths, CASE)
    plan_commands = _commands_under(paths, PLAN)
    to_case = {"case": link(CASE, "get", {"case_id": CASE_ID}, "The case, with its live state.")} | {
        f"case.{_step(path)}": link(path, "post", {"case_id": CASE_ID}, "The next step on the same case.")
        for path in case_commands
    }
    to_plan = {"plan": link(PLAN, "get", {"case_id": CASE_ID}, "The plan, with every cycle's deadlines.")} | {
        f"plan.{_step(path)}": link(path, "post", {"case_id": CASE_ID}, "The next step on the same plan.")
        for path in plan_commands
    }
    approval = link(
        APPROVAL,
        "post",
        {"case_id": CASE_ID, "claim_id": FIRST_CLAIM_ID},
        "A manager's approval of the case's first claimed exception (another manager than the claimant).",
    )
    answer = link(ADVICE_ANSWER, "post", THIS_ADVICE, "The agency's advice in answer to this request.")

    return {
        (REQUESTS, "post", "201"): to_case,
        (CASES, "get", "200"): {
            "case": link(CASE, "get", {"case_id": FIRST_LISTED_CASE}, "The first case listed.")
        },
        (CASE, "get", "200"): {name: to for name, to in to_case.items() if name != "case"},
        (CLAIM, "post", "200"): {"approval": approval},
        (FINAL_PLAN, "post", "200"): to_plan,  # the final plan starts the plan, under the case's id
        (PLANS, "post", "201"): to_plan,
        (PLAN, "get", "200"): {name: to for name, to in to_plan.items() if name != "plan"},
        (INBOX, "get", "200"): {
            "advice-request": link(ADVICE, "get", FIRST_ADVICE, "The first advice request listed."),
            "advice": link(ADVICE_ANSWER, "post", FIRST_ADVICE, "The agency's advice on the first listed."),
        },
        (ADVICE, "get", "200"): {"advice": answer},
    }


def add_links(document: Document) -> Document:
    """Put the links into the answers of `document` (in place, and returned); running it again changes
    nothing."""
    for (path, method, status), links in links_of(document).items():
        response = document["paths"][path][method]["responses"][status]
        response["links"] = {**response.get("links", {}), **links}
    return document


def install_openapi_links(app: FastAPI) -> None:
    """Make `app.openapi()` (and `/openapi.json`) carry the links, on whatever document it generates."""
    generate: Callable[[], Document] = app.openapi

    def openapi() -> Document:
        return add_links(generate())

    app.openapi = openapi  # type: ignore[method-assign]
