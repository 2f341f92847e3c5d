"""The decision whether to assess, in the pages (reg 5(1); issue 10 s.2): assess, with the reg 6(1) advice
set the child's facts require preselected, each with the agency to ask; or refuse, with reasons. Checked
by the API's body and the workflow's validator, as every step is (api/pages/actions.py)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.pages import words
from api.pages.actions import Sent, TheCase, answered_date, form_page, form_values, send_step
from api.pages.sessions import Caseworker
from api.schemas.cases import CaseRead, DecisionToAssessCreate
from db.agencies import list_agencies
from db.cases import get_case
from db.children import get_child
from db.models import Agency, AgencyKind
from statute.advice import required_advice
from statute.events import Child

router = APIRouter(include_in_schema=False)

PATH = "decision-to-assess"
# The kind of agency that usually gives each kind of advice: listed first, and the first of them chosen.
GIVEN_BY: dict[str, AgencyKind] = {
    "parent": "other",  # the views of the child and the parent: gathered by the authority's own team
    "educational": "school",
    "medical": "health",
    "psychological": "educational_psychology",
    "social_care": "social_care",
}
# Each kind of advice by its name (api/pages/words.py, as the agencies' inbox says it).
WORDS = {kind: name for kind, (name, _) in words.ADVICE.items()}


async def advice_needed(session: AsyncSession, case_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """The reg 6(1) advice this child needs: (its id on the case, the kind, the rule)."""
    row = await get_case(session=session, case_id=case_id)
    child = await get_child(session=session, child_id=row.child_id) if row is not None else None
    facts = Child(
        year_group=child.year_group if child else None,
        visual_impairment=child.visual_impairment if child else False,
        hearing_impairment=child.hearing_impairment if child else False,
    )
    return [(item.advice.replace("_", "-"), item.advice, item.rule) for item in required_advice(facts)]


def _choices(agencies: list[Agency], advice: str) -> list[Agency]:
    usual = GIVEN_BY.get(advice)
    return sorted(agencies, key=lambda a: (a.kind != usual, a.name))


async def _page(
    request: Request, session: AsyncSession, case: CaseRead, sent: Sent | None = None
) -> HTMLResponse:
    needed = await advice_needed(session, case.case_id)
    agencies = await list_agencies(session=session)
    return form_page(
        request,
        "assess.html",
        "Decide whether to assess",
        sent,
        case=case,
        needed=[(advice_id, kind, rule, _choices(agencies, kind)) for advice_id, kind, rule in needed],
        words=WORDS,
        chosen=sent is not None,
    )


@router.get(f"/cases/{{case_id}}/{PATH}")
async def assess_page(
    *, request: Request, case: TheCase, person: Caseworker, session: SessionDep
) -> Response:
    return await _page(request, session, case)


@router.post(f"/cases/{{case_id}}/{PATH}")
async def decide_assessment(
    *,
    request: Request,
    case_id: uuid.UUID,
    case: TheCase,
    person: Caseworker,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> Response:
    values = await form_values(request)
    errors: dict[str, str] = {}
    outcome = values.get("outcome", "")
    if outcome not in ("assess", "refuse"):
        errors["outcome"] = "Select the decision"
    decided_on = answered_date(values, "decided_on", "the date of the decision", errors)
    advice = []
    if outcome == "assess":
        for advice_id, kind, _rule in await advice_needed(session, case_id):
            if values.get(f"ask-{advice_id}") != "yes":
                continue
            agency = values.get(f"agency-{advice_id}", "")
            try:
                advice.append({"advice_id": advice_id, "advice": kind, "agency_id": str(uuid.UUID(agency))})
            except ValueError:
                errors[f"agency-{advice_id}"] = f"Select who gives the {WORDS.get(kind, kind).lower()}"
    body = {"outcome": outcome, "decided_on": decided_on, "reasons": values.get("reasons", "").strip()}
    if not errors:
        try:
            command = DecisionToAssessCreate.model_validate({**body, "advice": advice}).command(
                actor=person.principal.actor()
            )
        except ValidationError as error:
            errors["outcome"] = str(error.errors()[0]["msg"])
    if errors:
        return await _page(request, session, case, Sent(values, errors, 422))
    try:
        await send_step(
            case_id=case_id,
            path=PATH,
            command=command,
            values=values,
            person=person,
            session=session,
            client=client,
            settings=settings,
        )
    except ApiError as error:
        refused = Sent.refused_by(values, error, ("decided_on", "reasons", "outcome"), ("decided_on",))
        return await _page(request, session, case, refused)
    return RedirectResponse(f"/cases/{case_id}?done={PATH}", status_code=303)
