"""`/start`: where `/` sends a person who is signed in, by their role."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from api.pages.sessions import SignedIn
from db.models import Role

router = APIRouter(include_in_schema=False)

START_PAGES: dict[Role, str] = {
    "caseworker": "/cases",
    "manager": "/dashboard",
    "admin": "/dashboard",
    "agency": "/inbox",
}


@router.get("/start")
async def start(person: SignedIn) -> RedirectResponse:
    return RedirectResponse(START_PAGES[person.role], status_code=303)
