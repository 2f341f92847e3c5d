"""Recording a request for an EHC needs assessment in the pages (reg 3, reg 5(1); issue 10 s.2): who the
child is, when the request reached the authority and from whom, the parent to tell, and the caseworker
who has it. Checked by the API's body (`CaseCreate`) and service, as `POST /api/requests` is; the form's
key names the case, so the same form sent twice makes one case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import CommandKey, SessionDep, SettingsDep, TemporalDep
from api.errors import ApiError
from api.pages.actions import Sent, answered_date, form_key_of, form_page, form_values, in_page_order
from api.pages.sessions import Caseworker, Person
from api.schemas.cases import CaseCreate
from api.services.cases import create_case
from api.services.clock import today_in_england
from db.users import list_caseworkers

router = APIRouter(include_in_schema=False)

SOURCES = {
    "parent": "The child's parent",
    "young_person": "The young person",
    "school": "A school, college or nursery",
    "other": "Someone else (a doctor, a health visitor, social care)",
    "attention": "Nobody asked: the child was brought to the authority's attention",
}
YEAR_GROUPS = {
    "-2": "Early years, under 3",
    "-1": "Nursery",
    "0": "Reception",
    **{str(n): f"Year {n}" for n in range(1, 15)},
}
DATES = ("date_of_birth", "received_on")
# The questions in the order the form asks them.
ASKED = (
    "given_name",
    "family_name",
    "date_of_birth",
    "year_group",
    "upn",
    "postcode",
    "received_on",
    "source",
    "contact_name",
    "contact_relationship",
    "contact_email",
    "contact_phone",
    "caseworker_id",
)
# Where the body's fields are asked on the form: a child's and the contact's under their own names.
FIELD_OF = {
    ("child", "given_name"): "given_name",
    ("child", "family_name"): "family_name",
    ("child", "date_of_birth"): "date_of_birth",
    ("child", "upn"): "upn",
    ("child", "postcode"): "postcode",
    ("child", "year_group"): "year_group",
    ("contacts", 0, "name"): "contact_name",
    ("contacts", 0, "relationship"): "contact_relationship",
    ("contacts", 0, "email"): "contact_email",
    ("contacts", 0, "phone"): "contact_phone",
    ("contacts", 0): "contact_email",
}
LABELS = {
    "given_name": "the child's given name",
    "family_name": "the child's family name",
    "date_of_birth": "the child's date of birth",
    "received_on": "the date the request was received",
}


def _text(values: dict[str, str], name: str) -> str | None:
    return values.get(name, "").strip() or None


def read_request(values: dict[str, str], person: Person) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's body from the form, and what is wrong with it by field id, in a person's words."""
    errors: dict[str, str] = {}
    days = {name: answered_date(values, name, LABELS[name], errors) for name in DATES}
    for name in ("given_name", "family_name"):
        if not _text(values, name):
            errors[name] = f"Enter {LABELS[name]}"
    source = values.get("source", "")
    if source not in SOURCES:
        errors["source"] = "Select who made the request"
    year = values.get("year_group", "")
    contact_name = _text(values, "contact_name")
    contact = {
        "name": contact_name,
        "relationship": _text(values, "contact_relationship") or "Parent",
        "email": _text(values, "contact_email"),
        "phone": _text(values, "contact_phone"),
        "parental_responsibility": values.get("contact_pr") == "yes",
    }
    if not contact_name and (contact["email"] or contact["phone"]):
        errors["contact_name"] = "Enter the name of the person to contact"
    body: dict[str, Any] = {
        "received_on": days.get("received_on"),
        "source": None if source == "attention" else source,
        "brought_to_attention": source == "attention",
        "child": {
            "given_name": _text(values, "given_name"),
            "family_name": _text(values, "family_name"),
            "date_of_birth": days.get("date_of_birth"),
            "upn": _text(values, "upn"),
            "postcode": _text(values, "postcode"),
            "year_group": int(year) if year in YEAR_GROUPS else None,
            "visual_impairment": "vi" in values.get("condition", "").split(","),
            "hearing_impairment": "hi" in values.get("condition", "").split(","),
        },
        "contacts": [contact] if contact_name else [],
        "caseworker_id": _text(values, "caseworker_id") if person.role == "manager" else None,
    }
    if not errors:
        try:
            CaseCreate.model_validate(body)
        except ValidationError as error:
            for problem in error.errors():
                where = tuple(problem["loc"])
                field = FIELD_OF.get(where) or FIELD_OF.get(where[:2]) or str(where[0])
                field = f"{field}-day" if field in DATES else field
                message = str(problem["msg"]).removeprefix("Value error, ")
                errors.setdefault(field, message[:1].upper() + message[1:])
    return body, in_page_order(errors, ASKED)


async def _page(
    request: Request, session: AsyncSession, person: Person, sent: Sent | None = None
) -> HTMLResponse:
    caseworkers = await list_caseworkers(session=session) if person.role == "manager" else []
    return form_page(
        request,
        "request.html",
        "Record a request for an assessment",
        sent,
        sources=SOURCES,
        year_groups=YEAR_GROUPS,
        caseworkers=caseworkers,
    )


@router.get("/cases/new")
async def request_page(*, request: Request, person: Caseworker, session: SessionDep) -> Response:
    return await _page(request, session, person)


@router.post("/cases/new")
async def record_request(
    *,
    request: Request,
    person: Caseworker,
    session: SessionDep,
    client: TemporalDep,
    settings: SettingsDep,
) -> Response:
    values = await form_values(request)
    values["condition"] = ",".join(
        v for v in (await request.form()).getlist("condition") if isinstance(v, str)
    )
    body, errors = read_request(values, person)
    if errors:
        return await _page(request, session, person, Sent(values, errors, 422))
    try:
        case = await create_case(
            session=session,
            client=client,
            settings=settings,
            user=person.principal,
            request=CaseCreate.model_validate(body),
            idempotency_key=CommandKey(
                key=form_key_of(values), method="POST", route="/api/requests", path_params={}
            ),
            today=today_in_england(),
        )
    except ApiError as error:
        fields = (*DATES, "given_name", "family_name", "source", "caseworker_id", "contact_email")
        return await _page(request, session, person, Sent.refused_by(values, error, fields, DATES))
    return RedirectResponse(f"/cases/{case.case_id}?done=request", status_code=303)
