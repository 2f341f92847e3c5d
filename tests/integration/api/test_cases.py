"""Caseworkers' commands on a case: create (idempotently), decide, and the refusals a user would see."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.services.idempotency import hashed_key
from tests.documents import pdf
from workflows.common.ids import assessment_workflow_id

from .conftest import People, Temporal, advice_for, audited_actions, new_request, project
from .test_advice import assessed_case


async def open_case(
    api: httpx.AsyncClient, people: People, temporal: Temporal, key: str | None = None
) -> str:
    today = await temporal.today()
    response = await api.post(
        "/api/requests", json=new_request(today), headers=people.caseworker.command(key)
    )
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    return case_id


async def test_a_retried_create_returns_the_same_case_and_a_new_key_a_new_one(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    headers = people.caseworker.command("create-1")
    first = await api.post("/api/requests", json=new_request(today), headers=headers)
    again = await api.post("/api/requests", json=new_request(today), headers=headers)
    assert first.status_code == again.status_code == 201
    body = first.json()
    assert again.json()["case_id"] == body["case_id"]
    assert body["workflow_id"] == assessment_workflow_id(body["case_id"])
    assert body["state"]["stage"] == "awaiting_decision_to_assess"
    decision = next(d for d in body["state"]["deadlines"] if d["deadline"] == "decision_to_assess")
    assert decision["due"] == (today + timedelta(weeks=6)).isoformat()
    assert len(temporal.fakes.cases) == 1  # one workflow recorded one case

    other = await api.post(
        "/api/requests", json=new_request(today), headers=people.caseworker.command("create-2")
    )
    assert other.status_code == 201
    assert other.json()["case_id"] != body["case_id"]
    assert len(temporal.fakes.cases) == 2
    assert temporal.fakes.cases[0].start.caseworker_id == people.caseworker.id


async def test_a_create_retried_after_the_case_closed_still_makes_no_second_case(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    case_id = await open_case(api, people, temporal, key="create-closed")
    today = (await temporal.today()).isoformat()
    withdrawn = await api.post(
        f"/api/cases/{case_id}/withdrawal", json={"withdrawn_on": today}, headers=people.caseworker.command()
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await temporal.env.client.get_workflow_handle(assessment_workflow_id(case_id)).result()
    again = await api.post(
        "/api/requests",
        json=new_request(await temporal.today()),
        headers=people.caseworker.command("create-closed"),
    )
    assert again.status_code == 201, again.text
    assert again.json()["case_id"] == case_id
    assert again.json()["state"]["stage"] == "withdrawn"
    assert len(temporal.fakes.cases) == 1


async def test_a_decision_then_the_same_decision_again_is_an_illegal_step(
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await open_case(api, people, temporal)
    today = (await temporal.today()).isoformat()
    decision = {"outcome": "assess", "decided_on": today, "advice": advice_for(people)}
    key = str(uuid.uuid4())
    decided = await api.post(
        f"/api/cases/{case_id}/decision-to-assess", json=decision, headers=people.caseworker.command(key)
    )
    assert decided.status_code == 200, decided.text
    state = decided.json()["state"]
    assert state["stage"] == "gathering_advice"
    assert {d["id"] for d in state["deadlines"] if d["deadline"] == "advice"} == {
        "parent",
        "school",
        "health",
        "ep",
        "social",
    }
    recorded = temporal.fakes.decisions[-1]
    # The update id is a hash of the caller and the key: Temporal never sees the key (issue 9 s.3).
    assert (recorded.update_id, recorded.actor_id) == (
        hashed_key(user_id=people.caseworker.id, key=key),
        people.caseworker.id,
    )

    # The same key again is the same command: applied once, answered the same.
    retried = await api.post(
        f"/api/cases/{case_id}/decision-to-assess", json=decision, headers=people.caseworker.command(key)
    )
    assert retried.status_code == 200
    assert len([d for d in temporal.fakes.decisions if d.kind == "decision_to_assess"]) == 1

    again = await api.post(
        f"/api/cases/{case_id}/decision-to-assess", json=decision, headers=people.caseworker.command()
    )
    assert again.status_code == 409
    assert (
        again.json().items()
        >= {
            "detail": f"the decision whether to assess was already made on {today}",
            "field": None,
        }.items()
    )
    assert await audited_actions(sessions, case_id) == {
        "command.acknowledge_request": 1,
        "command.decide_assessment": 1,
        "command.decide_assessment.refused": 1,
    }


async def test_input_errors_name_the_field(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    case_id = await open_case(api, people, temporal)
    url = f"/api/cases/{case_id}/decision-to-assess"
    today = await temporal.today()

    impossible = await api.post(
        url, json={"outcome": "assess", "decided_on": "2025-02-30"}, headers=people.caseworker.command()
    )
    assert impossible.status_code == 422
    assert [e["loc"] for e in impossible.json()["errors"]] == [["body", "decided_on"]]

    unknown = await api.post(
        url, json={"outcome": "perhaps", "decided_on": today.isoformat()}, headers=people.caseworker.command()
    )
    assert unknown.status_code == 422
    assert [e["loc"] for e in unknown.json()["errors"]] == [["body", "outcome"]]

    no_key = await api.post(
        url, json={"outcome": "assess", "decided_on": today.isoformat()}, headers=people.caseworker.auth
    )
    assert no_key.status_code == 422
    assert [e["loc"] for e in no_key.json()["errors"]] == [["header", "Idempotency-Key"]]

    # Refused by the workflow's validator: the message starts with the field, which the body names.
    future = (today + timedelta(days=5)).isoformat()
    later = await api.post(
        url, json={"outcome": "assess", "decided_on": future}, headers=people.caseworker.command()
    )
    assert later.status_code == 422
    assert (
        later.json().items()
        >= {"detail": f"decided_on: {future} is in the future", "field": "decided_on"}.items()
    )

    unreasoned = await api.post(
        url, json={"outcome": "refuse", "decided_on": today.isoformat()}, headers=people.caseworker.command()
    )
    assert unreasoned.status_code == 422
    assert unreasoned.json()["field"] == "reasons"

    tomorrow = today + timedelta(days=1)
    early = await api.post("/api/requests", json=new_request(tomorrow), headers=people.caseworker.command())
    assert (early.status_code, early.json()["field"]) == (422, "received_on")

    missing_advice = await api.post(
        url, json={"outcome": "assess", "decided_on": today.isoformat()}, headers=people.caseworker.command()
    )
    assert missing_advice.status_code == 422
    assert missing_advice.json()["field"] == "advice"


async def test_an_unknown_case_is_404(api: httpx.AsyncClient, people: People, temporal: Temporal) -> None:
    case_id = uuid.uuid4()
    today = (await temporal.today()).isoformat()
    response = await api.post(
        f"/api/cases/{case_id}/withdrawal", json={"withdrawn_on": today}, headers=people.caseworker.command()
    )
    assert response.status_code == 404
    assert response.json()["detail"] == f"no case {case_id}"
    read = await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)
    assert read.status_code == 404


async def test_a_closed_case_takes_no_more_commands(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    case_id = await open_case(api, people, temporal)
    today = (await temporal.today()).isoformat()
    body = {"withdrawn_on": today}
    assert (
        await api.post(f"/api/cases/{case_id}/withdrawal", json=body, headers=people.caseworker.command())
    ).status_code == 200
    await temporal.env.client.get_workflow_handle(assessment_workflow_id(case_id)).result()
    again = await api.post(
        f"/api/cases/{case_id}/decision-to-issue",
        json={"outcome": "issue", "decided_on": today},
        headers=people.caseworker.command(),
    )
    assert again.status_code == 409
    assert again.json()["detail"] == f"case {case_id} is closed: no further steps can be taken on it"


async def test_an_exception_claim_is_named_by_its_update_id_and_approved_by_a_manager(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    case_id = await open_case(api, people, temporal)
    today = await temporal.today()
    claim = {
        "deadline": "decision_to_assess",
        "kind": "absence",
        "start": (today - timedelta(days=1)).isoformat(),
        "evidence": "Family abroad; flight bookings on file.",
        "claimed_on": today.isoformat(),
    }
    claimed = await api.post(
        f"/api/cases/{case_id}/exceptions", json=claim, headers=people.caseworker.command("claim-1")
    )
    assert claimed.status_code == 200, claimed.text
    [found] = claimed.json()["state"]["claims"]
    # Its id is the update's, a hash of the caller and the key (issue 9 s.3): the manager reads it here.
    claim_id = found["claim_id"]
    assert claim_id == hashed_key(user_id=people.caseworker.id, key="claim-1")
    assert found["claimed_by"] == str(people.caseworker.id)

    approval = {"approved_on": today.isoformat()}
    by_caseworker = await api.post(
        f"/api/cases/{case_id}/exceptions/{claim_id}/approval",
        json=approval,
        headers=people.caseworker.command(),
    )
    assert by_caseworker.status_code == 403
    unknown = await api.post(
        f"/api/cases/{case_id}/exceptions/claim-9/approval", json=approval, headers=people.manager.command()
    )
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "claim_id"
    by_manager = await api.post(
        f"/api/cases/{case_id}/exceptions/{claim_id}/approval",
        json=approval,
        headers=people.manager.command(),
    )
    # The statute's verdict decides: an accepted claim is approved, a refused one is an illegal step.
    assert by_manager.status_code == (200 if found["accepted"] else 409), by_manager.text


async def test_a_case_reads_with_its_record_and_live_timeline(
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await open_case(api, people, temporal)
    async with sessions() as session:
        await project(
            session,
            case_id=uuid.UUID(case_id),
            received_on=await temporal.today(),
            caseworker_id=people.caseworker.id,
        )
        await session.commit()
    response = await api.get(f"/api/cases/{case_id}", headers=people.manager.auth)
    assert response.status_code == 200
    body = response.json()
    assert body["record"]["caseworker_id"] == str(people.caseworker.id)
    # Who the case is about, and nothing else of the child: no UPN, postcode or year group (issue 10 s.5).
    assert body["record"]["child"] == {
        "given_name": "Ada",
        "family_name": "Example",
        "date_of_birth": "2015-03-01",
    }
    assert response.text.count("given_name") == 1
    assert {d["deadline"] for d in body["state"]["deadlines"]} >= {"decision_to_assess", "final_plan"}


async def test_the_case_list_filters_and_pages_the_read_model(
    api: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], temporal: Temporal
) -> None:
    today = await temporal.today()
    async with sessions() as session:
        mine = [
            await project(session, received_on=today - timedelta(days=n), caseworker_id=people.caseworker.id)
            for n in (3, 2, 1)
        ]
        other = await project(session, received_on=today, stage="drafting")
        await project(session, received_on=today, la_code="999")  # another authority's case
        await session.commit()

    first = await api.get("/api/cases?limit=2", headers=people.caseworker.auth)
    assert first.status_code == 200
    page = first.json()
    assert [c["id"] for c in page["items"]] == [str(mine[0]), str(mine[1])]
    second = await api.get(f"/api/cases?limit=2&after={page['next_after']}", headers=people.caseworker.auth)
    assert [c["id"] for c in second.json()["items"]] == [str(mine[2]), str(other)]
    assert second.json()["next_after"] is None

    drafting = await api.get("/api/cases?stage=drafting", headers=people.caseworker.auth)
    assert [c["id"] for c in drafting.json()["items"]] == [str(other)]
    by_caseworker = await api.get(
        f"/api/cases?caseworker_id={people.caseworker.id}", headers=people.admin.auth
    )
    assert [c["id"] for c in by_caseworker.json()["items"]] == [str(c) for c in mine]

    bad_stage = await api.get("/api/cases?stage=nowhere", headers=people.caseworker.auth)
    assert bad_stage.status_code == 422
    assert bad_stage.json()["errors"][0]["loc"] == ["query", "stage"]
    bad_cursor = await api.get("/api/cases?after=nonsense", headers=people.caseworker.auth)
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["field"] == "after"


async def test_a_school_closure_learned_after_the_request_is_recorded_on_the_case(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    """Issue 11 s.4: the closure the statute asks for ("no closure is recorded") can be added to a case
    that is under way, once, and a wrong one is refused naming its field."""
    case_id = await open_case(api, people, temporal)
    today = await temporal.today()
    closure = {
        "school": "Riverside Primary",
        "first_closed": (today + timedelta(days=3)).isoformat(),
        "reopens": (today + timedelta(days=45)).isoformat(),
        "recorded_on": today.isoformat(),
    }
    path = f"/api/cases/{case_id}/school-closures"
    recorded = await api.post(path, json=closure, headers=people.caseworker.command())
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["state"]["school_closures"] == [
        {k: closure[k] for k in ("school", "first_closed", "reopens")}
    ]
    again = await api.post(path, json=closure, headers=people.caseworker.command())
    assert again.status_code == 409
    assert "already recorded as closed" in again.json()["detail"]
    backwards = await api.post(
        path,
        json=closure | {"school": "Hillside", "reopens": closure["first_closed"]},
        headers=people.caseworker.command(),
    )
    assert (backwards.status_code, backwards.json()["field"]) == (422, "reopens")
    unnamed = await api.post(path, json=closure | {"school": ""}, headers=people.caseworker.command())
    assert unnamed.status_code == 422
    assert unnamed.json()["field"] == "school"
    by_an_agency = await api.post(
        path, json=closure | {"school": "Hillside"}, headers=people.health.command()
    )
    assert by_an_agency.status_code == 403
    read = await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)
    assert len(read.json()["state"]["school_closures"]) == 1


async def test_further_advice_is_asked_after_the_decision_with_its_own_clock(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Issue 11 s.3: advice asked later is a request of its own, due 6 weeks from the day its body had it;
    an agency nobody knows is refused naming the field, as at the decision."""
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    path = f"/api/cases/{case_id}/further-advice"
    ot = {"advice_id": "ot", "advice": "other", "agency_id": str(people.psychology.agency_id)}
    body = {"requested_on": today.isoformat(), "advice": [ot], "reasons": "OT became involved."}
    asked = await api.post(path, json=body, headers=people.caseworker.command())
    assert asked.status_code == 200, asked.text
    [due] = [
        d["due"] for d in asked.json()["state"]["deadlines"] if d["deadline"] == "advice" and d["id"] == "ot"
    ]
    assert due == (today + timedelta(weeks=6)).isoformat()
    assert "ot" in {a["advice_id"] for a in asked.json()["state"]["advice"]}

    unknown = {**ot, "advice_id": "slt", "agency_id": str(uuid.uuid4())}
    nobody = await api.post(path, json={**body, "advice": [unknown]}, headers=people.caseworker.command())
    assert nobody.status_code == 422
    assert nobody.json()["field"].startswith("advice")
    none = await api.post(path, json={**body, "advice": []}, headers=people.caseworker.command())
    assert (none.status_code, none.json()["field"]) == (422, "advice")
    again = await api.post(path, json=body, headers=people.caseworker.command())
    assert again.status_code == 422
    assert again.json()["detail"] == "advice: the case already has an advice request 'ot'; name it anew"


async def test_a_refusal_is_appealed_and_the_tribunal_orders_an_assessment(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    """Issue 11 s.1 through the API: the refusal's mediation and appeal with the plan's bodies, the stage
    `appealed`, the order to assess with its 2 and 14 weeks, and the refusals a caseworker would meet."""
    case_id = await open_case(api, people, temporal)
    today = (await temporal.today()).isoformat()
    headers = people.caseworker.command

    async def send(path: str, body: dict[str, object]) -> httpx.Response:
        return await api.post(f"/api/cases/{case_id}/{path}", json=body, headers=headers())

    early = await send("appeals", {"lodged_on": today})
    assert early.status_code == 409
    assert "an appeal is against a refusal" in early.json()["detail"]
    refusal = {"outcome": "refuse", "decided_on": today, "reasons": "No evidence of SEN."}
    assert (await send("decision-to-assess", refusal)).status_code == 200
    contacted = await send("mediation", {"on": today, "step": "adviser_contacted", "wants_mediation": False})
    assert contacted.status_code == 200, contacted.text
    assert (await send("mediation", {"on": today, "step": "certificate_issued"})).status_code == 200
    appealed = await send("appeals", {"lodged_on": today})
    assert appealed.json()["state"]["stage"] == "appealed"
    wrong = await send("appeal-outcomes", {"decided_on": today, "outcome": "make_and_maintain"})
    assert (wrong.status_code, wrong.json()["field"]) == (422, "outcome")
    conceded_wrongly = await send("appeal-concessions", {"conceded_on": today, "appeal": "refuse_issue"})
    assert (conceded_wrongly.status_code, conceded_wrongly.json()["field"]) == (422, "appeal")
    ordered = await send("appeal-outcomes", {"decided_on": today, "outcome": "assess"})
    state = ordered.json()["state"]
    assert state["stage"] == "awaiting_decision_to_assess"
    dues = {d["deadline"]: d["due"] for d in state["deadlines"] if d["deadline"].startswith("tribunal_")}
    day = date.fromisoformat(today)
    assert dues["tribunal_notify_assess"] == (day + timedelta(weeks=2)).isoformat()
    assert dues["tribunal_final_plan"] == (day + timedelta(weeks=14)).isoformat()
    read = await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)
    assert read.json()["state"]["stage"] == "awaiting_decision_to_assess"


async def test_the_la_decides_on_the_parents_request_for_an_adviser(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    """Issue 11 s.3 through the API: reg 6(1)(h) decided with its reasons, shown on the case."""
    today = await temporal.today()
    created = await api.post(
        "/api/requests",
        json=new_request(today, parent_requested=["Dr Patel"]),
        headers=people.caseworker.command(),
    )
    case_id = created.json()["case_id"]
    path = f"/api/cases/{case_id}/parent-requests"
    body = {"person": "Dr Patel", "reasonable": False, "decided_on": today.isoformat()}
    unreasoned = await api.post(path, json=body, headers=people.caseworker.command())
    assert (unreasoned.status_code, unreasoned.json()["field"]) == (422, "reasons")
    decided = await api.post(
        path,
        json=body | {"reasons": "Covered by last month's OT advice."},
        headers=people.caseworker.command(),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"]["parent_requests_refused"] == {
        "Dr Patel": "Covered by last month's OT advice."
    }
    advice = advice_for(people)
    assessed = await api.post(
        f"/api/cases/{case_id}/decision-to-assess",
        json={"outcome": "assess", "decided_on": today.isoformat(), "advice": advice},
        headers=people.caseworker.command(),
    )
    assert assessed.status_code == 200, assessed.text


async def test_advice_already_held_stands_instead_of_a_request(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    """Issue 11 s.3, reg 6(4): advice already held stands instead of a new request, no clock running for
    it, only when the adviser, the LA and the parent all agree; short of one, 422 naming the item."""
    case_id = await open_case(api, people, temporal)
    today = (await temporal.today()).isoformat()
    advice = [a for a in advice_for(people) if a["advice"] != "psychological"]
    held = {
        "advice": "psychological",
        "description": "EP report by Dr Rao, 3 March",
        "adviser_agrees": True,
        "la_agrees": False,
        "parent_agrees": True,
    }
    url = f"/api/cases/{case_id}/decision-to-assess"
    body = {"outcome": "assess", "decided_on": today, "advice": advice, "existing_advice": [held]}
    short = await api.post(url, json=body, headers=people.caseworker.command())
    assert (short.status_code, short.json()["field"]) == (422, "existing_advice[0]")
    assert short.json()["detail"].endswith("missing: the LA")
    agreed = {**held, "la_agrees": True}
    decided = await api.post(
        url, json={**body, "existing_advice": [agreed]}, headers=people.caseworker.command()
    )
    assert decided.status_code == 200, decided.text
    state = decided.json()["state"]
    assert state["advice_reused"] == [agreed]
    assert {d["id"] for d in state["deadlines"] if d["deadline"] == "advice"} == {
        "parent",
        "school",
        "health",
        "social",
    }


async def test_an_exceptions_evidence_is_a_document_attached_to_the_case(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Issue 11 s.4: the clinic's letter is attached to the case, and the claim rests on it by id; an id not
    on this case, or a claim with neither words nor a document, is 422 naming the field."""
    case_id = await open_case(api, people, temporal)
    other_id = await open_case(api, people, temporal, key="another")
    today = await temporal.today()
    async with sessions() as session:
        for each in (case_id, other_id):
            await project(
                session, case_id=uuid.UUID(each), received_on=today, caseworker_id=people.caseworker.id
            )
        await session.commit()

    letter = ("clinic-letter.pdf", pdf("clinic letter"), "application/pdf")
    attached = await api.post(
        f"/api/cases/{case_id}/documents", files={"files": letter}, headers=people.caseworker.auth
    )
    assert attached.status_code == 201, attached.text
    [document] = attached.json()
    assert (document["filename"], document["content_type"]) == ("clinic-letter.pdf", "application/pdf")
    again = await api.post(
        f"/api/cases/{case_id}/documents", files={"files": letter}, headers=people.caseworker.auth
    )
    assert [d["id"] for d in again.json()] == [document["id"]]  # the same bytes: the document held
    elsewhere = await api.post(
        f"/api/cases/{other_id}/documents",
        files={"files": ("other.pdf", pdf("other"), "application/pdf")},
        headers=people.caseworker.auth,
    )
    nowhere = await api.post(
        f"/api/cases/{uuid.uuid4()}/documents", files={"files": letter}, headers=people.caseworker.auth
    )
    assert nowhere.status_code == 404
    by_agency = await api.post(
        f"/api/cases/{case_id}/documents", files={"files": letter}, headers=people.health.auth
    )
    assert by_agency.status_code == 403

    claim = {
        "deadline": "decision_to_assess",
        "kind": "missed_appointment",
        "start": (today - timedelta(days=1)).isoformat(),
        "claimed_on": today.isoformat(),
    }
    url = f"/api/cases/{case_id}/exceptions"
    bare = await api.post(url, json=claim, headers=people.caseworker.command())
    assert (bare.status_code, bare.json()["field"]) == (422, "evidence")
    foreign = {**claim, "evidence_document_ids": [elsewhere.json()[0]["id"]]}
    refused = await api.post(url, json=foreign, headers=people.caseworker.command())
    assert (refused.status_code, refused.json()["field"]) == (422, "evidence_document_ids[0]")
    claimed = await api.post(
        url, json={**claim, "evidence_document_ids": [document["id"]]}, headers=people.caseworker.command()
    )
    assert claimed.status_code == 200, claimed.text
    [found] = claimed.json()["state"]["claims"]
    assert found["evidence_document_ids"] == [document["id"]]
