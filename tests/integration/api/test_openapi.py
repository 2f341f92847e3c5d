"""The OpenAPI document builds, describes every route for its audience, and is the document API clients
had before each command was declared once (`openapi.before.json`), but for the differences intended."""

from __future__ import annotations

import fnmatch
import json
import re
import uuid
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from api.app import API_ROUTERS, create_app
from api.routes import cases, plans
from api.schemas import cases as case_schemas
from api.schemas import plans as plan_schemas
from api.schemas.cases import ExceptionApprovalCreate
from core.settings import Settings
from workflows.common.messages import Actor

LAW = re.compile(r"\bregs? \d|\bs\.\d|Regulations 2014")
AUDIENCES = {"caseworkers", "plans", "agencies", "managers", "operations"}


def test_openapi_lists_every_route_with_summary_description_and_tags() -> None:
    app = create_app(Settings(_env_file=None))
    document = app.openapi()
    routes = [r for router in API_ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    # with /api/ready and /api/attention (issue 9 s.2), and advice by post (s.5)
    assert len(routes) == 53
    assert len(document["paths"]) == 53
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
    """Each body is its message less the server-set fields, and each example of it is a valid body that
    becomes the workflow's message, with the same values."""
    routes = (*cases.CASE_COMMANDS, *plans.PLAN_COMMANDS)
    assert len(routes) == 35
    bodies = [route.body for route in routes] + [ExceptionApprovalCreate]
    assert len({body.message for body in bodies}) == 34
    server_set = {"actor": Actor(actor_id=uuid.uuid4(), role="manager"), "claim_id": "claim-1"}
    for body in bodies:
        module = case_schemas if hasattr(case_schemas, body.__name__) else plan_schemas
        assert getattr(module, body.__name__) is body, body  # declared under its OpenAPI name
        fields = set(body.message.model_fields)
        assert set(body.model_fields) == fields - set(body.message.server_set), body
        examples = body.model_json_schema()["examples"]
        assert examples, body
        for example in examples:
            valid = body.model_validate(example)
            message = valid.command(**{name: server_set[name] for name in body.message.server_set})
            assert type(message) is body.message, body
            assert message.model_dump(include=set(body.model_fields)) == valid.model_dump(), body


BEFORE = Path(__file__).with_name("openapi.before.json")
DOCS_MOVED = "the docs ship in the repository: `docs/{}.md` where it said `{}.md`"
INTENDED = {
    "/components/schemas/DeadlineRead/description": DOCS_MOVED.format("vocabulary", "vocabulary"),
    "/components/schemas/StatuteEvent/description": DOCS_MOVED.format("vocabulary", "vocabulary"),
    "/components/schemas/KpisRead/description": DOCS_MOVED.format("statute", "statute"),
    "/components/schemas/PlanMeasuresRead/description": DOCS_MOVED.format("statute", "statute"),
    # Issue 9 s.2: a readiness check beside the liveness one (the database, Temporal, a worker polling).
    "/paths/~1api~1ready": "the readiness route, added",
    "/components/schemas/ReadinessRead": "the readiness route's answer, added",
    "/components/schemas/ReadinessCheck": "one part of the readiness answer, added",
    # Issue 9 s.2: the cases whose side effects failed for good, and their retry once mended.
    "/paths/~1api~1attention": "the list of workflows needing attention, added",
    "/paths/~1api~1attention~1{workflow_id}~1retry": "the retry of a workflow's failed steps, added",
    "/components/schemas/AttentionPage": "the attention list's answer, added",
    "/components/schemas/AttentionRead": "one workflow needing attention, added",
    "/components/schemas/Attention": "one failed step, added",
    "/components/schemas/RetryRead": "the retry's answer, added",
    # Issue 9 s.4: a command's answer never carries a read-model row older than its state.
    "/components/schemas/CaseRead/description": "in an answer, the record only once it shows the command",
    "/components/schemas/Body_post_advice_api_advice_requests__case_id___advice_id__advice_post/properties/files/"
    "description": "one file or more",
}

# Issue 10 s.5: who a case is about (the child's names and date of birth) in the case list, a case, the
# overdue list and an agency's advice requests; and the case list searched by the child's name and date
# of birth.
CHILD_SHOWN = "issue 10 s.5: the child's names and date of birth, from the application database"
CHILD_SEARCH = "issue 10 s.5: the case list searched by the child's name and date of birth"
INTENDED.update(
    {
        "/components/schemas/ChildRead": CHILD_SHOWN + ": the schema, added",
        "/components/schemas/CaseSummary/description": CHILD_SHOWN + ": says a case shows who it is about",
        "/components/schemas/CaseSummary/properties/child": CHILD_SHOWN + ", on every case",
        "/components/schemas/OverdueStepRead/description": CHILD_SHOWN + ": says a step shows who",
        "/components/schemas/OverdueStepRead/properties/child": CHILD_SHOWN + ", on every overdue step",
        "/components/schemas/OverdueStepRead/required/11": CHILD_SHOWN + ", always on an overdue step",
        "/components/schemas/AdviceRequestRead/description": CHILD_SHOWN + ": says a request shows who",
        "/components/schemas/AdviceRequestRead/properties/child": CHILD_SHOWN + ", on the agency's request",
        "/components/schemas/AdviceRequestRead/required/8": CHILD_SHOWN + ", always on an advice request",
        "/paths/~1api~1cases/get/description": CHILD_SEARCH + ", and the child on each case",
        "/paths/~1api~1cases/get/parameters/4": CHILD_SEARCH + ": `name`, added",
        "/paths/~1api~1cases/get/parameters/5": CHILD_SEARCH + ": `born_on`, added",
    }
)


def differences(before: object, after: object, at: str = "") -> set[str]:
    """The JSON pointers at which two JSON documents differ: a value changed, added or removed."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {
            path
            for key in before.keys() | after.keys()
            for path in differences(before.get(key, _ABSENT), after.get(key, _ABSENT), _pointer(at, key))
        }
    if isinstance(before, list) and isinstance(after, list):
        return {
            path
            for index in range(max(len(before), len(after)))
            for path in differences(
                before[index] if index < len(before) else _ABSENT,
                after[index] if index < len(after) else _ABSENT,
                _pointer(at, str(index)),
            )
        }
    return set() if before == after else {at}


_ABSENT = object()


def _pointer(at: str, key: str) -> str:
    return f"{at}/{key.replace('~', '~0').replace('/', '~1')}"


# Issue 9 s.3: an Idempotency-Key is each caller's own and names one request (another is refused, 422),
# and Temporal sees only its hash, so a claim is named by the id the case lists, not by the key.
KEY_DESCRIBED = "the Idempotency-Key names one request of one caller; Temporal sees only its hash"
CLAIM = "/paths/~1api~1cases~1{case_id}~1exceptions"
INTENDED.update(
    {
        f"{CLAIM}/post/description": KEY_DESCRIBED,
        f"{CLAIM}~1{{claim_id}}~1approval/post/parameters/1/description": KEY_DESCRIBED,
        f"{CLAIM}~1{{claim_id}}~1approval/post/parameters/1/schema/description": KEY_DESCRIBED,
    }
)
# Issue 9 s.5: an agency's advice is received the day it arrives; advice that came earlier by post or
# email is recorded by a caseworker, with the reason.
BY_POST = "advice by post or email is recorded by a caseworker, with its date of receipt and the reason"
INTENDED.update(
    {
        "/paths/~1api~1cases~1{case_id}~1advice~1{advice_id}": BY_POST,
        "/components/schemas/Body_record_advice_api_cases__case_id__advice__advice_id__post": BY_POST,
    }
)
# Issue 11 s.4: a school's closure learned after the request is recorded on the case, which shows them all.
CLOSURE_LATER = "a school's closure learned after the request is recorded on the case"
INTENDED.update(
    {
        "/paths/~1api~1cases~1{case_id}~1school-closures": CLOSURE_LATER,
        "/components/schemas/SchoolClosureCreate": CLOSURE_LATER,
        "/components/schemas/AssessmentState/properties/school_closures": CLOSURE_LATER
        + ": the case lists them",
    }
)
# Issue 11 s.1: a refusal's mediation, appeal, the tribunal's decision or the LA not opposing it.
DISPUTED = "a refusal's mediation and appeal are recorded on the case, as on a plan"
INTENDED.update(
    {
        **{f"/paths/~1api~1cases~1{{case_id}}~1{step}": DISPUTED for step in ("mediation", "appeals")},
        "/paths/~1api~1cases~1{case_id}~1appeal-outcomes": DISPUTED,
        "/paths/~1api~1cases~1{case_id}~1appeal-concessions": DISPUTED,
        "/components/schemas/RefusalAppealOutcomeCreate": DISPUTED,
        "/components/schemas/RefusalAppealConcessionCreate": DISPUTED,
        "/components/schemas/Stage/enum/13": DISPUTED + ": `appealed` while the tribunal decides",
        "/components/schemas/AppealCreate/description": DISPUTED + ": its description says which decisions",
    }
)
# Issue 11 s.3: the LA decides whether the parent's request for a particular adviser is reasonable.
PARENT_REQUEST = "the LA's decision on the parent's request for an adviser is recorded, with its reasons"
INTENDED.update(
    {
        "/paths/~1api~1cases~1{case_id}~1parent-requests": PARENT_REQUEST,
        "/components/schemas/ParentRequestDecisionCreate": PARENT_REQUEST,
        "/components/schemas/AssessmentState/properties/parent_requests_refused": PARENT_REQUEST,
    }
)
# Issue 11 s.3: advice asked after the decision to assess, each request with its own clock.
FURTHER_ADVICE = "advice asked after the decision to assess is a request of its own"
INTENDED.update(
    {
        "/paths/~1api~1cases~1{case_id}~1further-advice": FURTHER_ADVICE,
        "/components/schemas/FurtherAdviceCreate": FURTHER_ADVICE,
    }
)
# Issue 11 s.3: reg 6(4), advice already held stands instead of a request when all three agree.
REUSED = "advice already held stands instead of a request when the adviser, the LA and the parent agree"
INTENDED.update(
    {
        "/components/schemas/DecisionToAssessCreate/description": REUSED + ": the description says so",
        "/components/schemas/DecisionToAssessCreate/properties/existing_advice": REUSED,
        "/components/schemas/ExistingAdviceUse": REUSED,
        "/components/schemas/AssessmentState/properties/advice_reused": REUSED + ": the case shows it",
    }
)
# Issue 11 s.4: an exception's evidence can be a document attached to the case.
EVIDENCE = "an exception's evidence is words, documents attached to the case, or both"
INTENDED.update(
    {
        "/paths/~1api~1cases~1{case_id}~1documents": EVIDENCE,
        "/components/schemas/Body_post_documents_api_cases__case_id__documents_post": EVIDENCE,
        "/components/schemas/ExceptionClaimCreate/description": EVIDENCE + ": the description says so",
        "/components/schemas/ExceptionClaimCreate/properties/evidence_document_ids": EVIDENCE,
        "/components/schemas/ExceptionClaimCreate/properties/evidence/default": EVIDENCE + ": words optional",
        "/components/schemas/ExceptionClaimCreate/required/2": EVIDENCE + ": evidence no longer required",
        "/components/schemas/ExceptionClaimCreate/required/3": EVIDENCE + ": evidence no longer required",
        "/components/schemas/ExceptionClaim/properties/evidence_document_ids": EVIDENCE + ": shown on claims",
    }
)
# Issue 11 s.5: a reassessment gathers its reg 6 advice as the first assessment did (reg 26).
REASSESSED = "a reassessment asks for the reg 6 advice, each request with its own 6 weeks"
INTENDED.update(
    {
        "/components/schemas/ReassessmentDecisionCreate/description": REASSESSED + ": described",
        "/components/schemas/ReassessmentDecisionCreate/properties/advice": REASSESSED,
        "/components/schemas/ReassessmentDecisionCreate/examples/0/advice": REASSESSED + ": the example asks",
    }
)
# Issue 11 s.5: a move between post-16 institutions at another time of year (reg 18), with its day.
POST16_MOVE = "a move between post-16 institutions at another time of year is a phase transfer too"
INTENDED.update(
    {
        "/components/schemas/PhaseTransferCreate/properties/transfer_on": POST16_MOVE,
        "/components/schemas/PhaseTransferCreate/description": POST16_MOVE + ": the description says so",
        "/components/schemas/PhaseTransferCreate/properties/kind/enum/2": POST16_MOVE + ": `post16_move`",
    }
)
# Issue 11 s.5: a manager waives a review step never taken, so its cycle closes on purpose.
WAIVED = "a review step never taken can be waived by a manager as not needed"
INTENDED.update(
    {
        "/paths/~1api~1plans~1{case_id}~1review-step-waivers": WAIVED,
        "/components/schemas/ReviewStepWaiverCreate": WAIVED,
    }
)
# Issue 11 s.5: the LA can decide not to amend after all (reg 22(4)).
NOT_AMENDED = "the LA's decision not to amend after all is recorded on the plan"
INTENDED.update(
    {
        "/paths/~1api~1plans~1{case_id}~1decisions-not-to-amend": NOT_AMENDED,
        "/components/schemas/NoAmendmentDecisionCreate": NOT_AMENDED,
    }
)
INTENDED.update(
    {
        f"{_pointer(_pointer('/paths', path), method)}/parameters/{index}{where}/description": KEY_DESCRIBED
        for path, operations in json.loads(Path(__file__).with_name("openapi.before.json").read_text())[
            "paths"
        ].items()
        for method, operation in operations.items()
        for index, parameter in enumerate(operation.get("parameters", []))
        if parameter["name"] == "Idempotency-Key" and parameter["required"]
        for where in ("", "/schema")
    }
)


def test_differences_name_every_change_by_its_pointer() -> None:
    before = {"paths": {"/a": {"post": {"x": [1, 2]}}}, "same": True, "gone": 1}
    after = {"paths": {"/a": {"post": {"x": [1, 3, 4]}}}, "same": True, "new": 1}
    assert differences(before, after) == {"/paths/~1a/post/x/1", "/paths/~1a/post/x/2", "/gone", "/new"}


# Bounds added to what a caller may send (issue 9 s.1): as the workflow, the statute engine and both
# databases can carry it. Only ever added where there was none: a bound changed or removed still fails.
BOUNDS_ADDED = (
    "/components/schemas/*/properties/*/maxLength",
    "/components/schemas/*/properties/*/minLength",
    "/components/schemas/*/properties/*/anyOf/0/maxLength",
    "/components/schemas/*/properties/*/anyOf/0/minLength",
    "/components/schemas/*/properties/*/items/maxLength",
    "/components/schemas/*/properties/*/items/minLength",
    "/components/schemas/*/properties/*/maxItems",
    # A date's years (1950-2150) and a name's something-besides-spaces, as patterns (issue 9 s.11).
    "/components/schemas/*/properties/*/pattern",
    "/components/schemas/*/properties/*/anyOf/0/pattern",
    "/components/schemas/*/properties/*/items/pattern",
    "/paths/*/*/parameters/*/schema/pattern",
    # An upload has at least one file (issue 9 s.11).
    "/components/schemas/*/properties/*/minItems",
)


# OpenAPI links (issue 9 s.11, api/openapi_links.py): added to answers that had none, so a client (and
# Schemathesis' stateful phase, tests/contract/) can follow a case from the answer that made it.
LINKS_ADDED = "/paths/*/*/responses/*/links"


# One error shape (issue 9 s.10, docs/errors.md): every error answer is a problem. An error response (4xx,
# 5xx) may change, or be added where an operation of its kind can answer it (api/schemas/common.py,
# `document_problems`: 401 and 429 when authenticated, 413 with a body, 422 and 500 everywhere, 504 for a
# command), only to become exactly `application/problem+json` with the `Problem` schema, which replaces
# `ErrorRead`. Nothing else of an operation may change with it, and no error response may go.
ERROR_RESPONSE = re.compile(r"^(/paths/[^/]+/[^/]+/responses/[45][0-9][0-9])(/.*)?$")
PROBLEM_ANSWER = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
INTENDED.update(
    {
        "/components/schemas/ErrorRead": "the error answer, replaced by Problem (RFC 9457)",
        "/components/schemas/Problem": "the error answer: a problem (RFC 9457), added",
        "/components/schemas/ProblemField": "one fault of invalid input within a problem, added",
        "/info/description": "says every error is application/problem+json",
    }
)


def _problems(changed: set[str], after: object) -> set[str]:
    """The changes that are error responses, each now (and so still there) exactly a problem."""
    found = set()
    for path in changed:
        response = ERROR_RESPONSE.match(path)
        answer = _at(after, response.group(1)) if response else _ABSENT
        if isinstance(answer, dict) and answer.get("content") == PROBLEM_ANSWER and answer.get("description"):
            found.add(path)
    return found


def _at(document: object, pointer: str) -> object:
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(document, dict) and key in document:
            document = document[key]
        elif isinstance(document, list) and key.isdigit() and int(key) < len(document):
            document = document[int(key)]
        else:
            return _ABSENT
    return document


def test_openapi_is_the_document_before_but_for_the_intended_differences() -> None:
    """Paths, bodies (fields, types, defaults, constraints, required), examples and schema names are
    those clients had: only the differences in `INTENDED` are allowed, each with its reason, bounds
    added where there were none (`BOUNDS_ADDED`), links added, and error responses that are problems."""
    before = json.loads(BEFORE.read_text())
    after = json.loads(json.dumps(create_app(Settings(_env_file=None)).openapi()))
    changed = differences(before, after)
    bounded = {path for path in changed if any(fnmatch.fnmatchcase(path, added) for added in BOUNDS_ADDED)}
    assert all(_at(before, path) is _ABSENT for path in bounded), "a bound was changed or removed"
    linked = {p for p in changed if fnmatch.fnmatchcase(p, LINKS_ADDED) and _at(before, p) is _ABSENT}
    problems = _problems(changed, after)
    assert changed - bounded - linked - problems == set(INTENDED)


def test_a_bound_removed_is_not_taken_for_one_added() -> None:
    before = {"components": {"schemas": {"X": {"properties": {"y": {"maxLength": 10}}}}}}
    after = {"components": {"schemas": {"X": {"properties": {"y": {}}}}}}
    (path,) = differences(before, after)
    assert fnmatch.fnmatchcase(path, BOUNDS_ADDED[0])
    assert _at(before, path) is not _ABSENT


def test_only_an_error_response_that_became_a_problem_is_allowed() -> None:
    json_answer = {"description": "Refused", "content": {"application/json": {"schema": {}}}}
    before = {"paths": {"/a": {"post": {"responses": {"409": json_answer, "200": json_answer}}}}}
    problem = {"description": "Refused", "content": PROBLEM_ANSWER}
    became = {"paths": {"/a": {"post": {"responses": {"409": problem, "422": problem, "200": json_answer}}}}}
    assert _problems(differences(before, became), became) == differences(before, became)
    other = {"description": "Refused", "content": {"application/problem+json": {"schema": {}}}}
    afters: list[dict[str, Any]] = [
        {"paths": {"/a": {"post": {"responses": {"409": other, "200": json_answer}}}}},  # not the schema
        {"paths": {"/a": {"post": {"responses": {"200": json_answer}}}}},  # an error response gone
        {"paths": {"/a": {"post": {"responses": {"409": json_answer, "200": problem}}}}},  # a success
    ]
    for after in afters:
        assert _problems(differences(before, after), after) == set()
