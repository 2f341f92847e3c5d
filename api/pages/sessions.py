"""Who is signed in to the pages, kept in a signed cookie, and the token every form carries.

The cookie (Starlette's `SessionMiddleware`, signed with `EHCP_SESSION_SECRET` by itsdangerous) holds the
account's id, when it signed in and the session's CSRF token: nothing about a child. It is HttpOnly,
SameSite=Lax, Secure unless `EHCP_SESSION_COOKIE_SECURE` is false, and re-signed with every answer, so it
lapses after `EHCP_SESSION_IDLE_MINUTES` without a request; a sign-in also ends 12 hours after it began.
Every page that needs a person looks the account up again: one disabled since is signed out at once.

Every form posts the session's CSRF token, compared in constant time before anything else is read.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import Principal, get_session_factory
from db.models import Role
from db.users import get_user

COOKIE = "ehcp_session"
LONGEST_SIGN_IN_SECONDS = 12 * 60 * 60
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True, slots=True)
class Person:
    """Who is signed in, as the pages show them."""

    principal: Principal
    display_name: str

    @property
    def role(self) -> Role:
        return self.principal.role


class SignInRequired(Exception):
    """The page needs a person signed in: they are sent to sign in, and back here after."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class PageProblem(Exception):
    """A page that cannot be shown, answered as a page saying why (api/pages/install.py): its status, and
    a title and words of its own or its kind's."""

    status: int = 400
    title: str = ""
    message: str = ""

    def __init__(self, title: str | None = None, message: str | None = None) -> None:
        super().__init__(title or self.title)
        self.title = title or self.title
        self.message = message or self.message


class NotAllowed(PageProblem):
    """The person signed in may not see this page (their role)."""

    status = 403
    title = "You cannot see this page"
    message = "This page is for another role. Go to your own start page."


class PageNotFound(PageProblem):
    """No page at this address (a step no form takes, a case nobody knows)."""

    status = 404
    title = "Page not found"
    message = "There is nothing at this address. Check it, or go back to where you came from."


class FormExpired(PageProblem):
    """A form came without the session's CSRF token: an old page, or another site's form."""

    status = 403
    title = "The form has expired"
    message = "Nothing was changed. Go back, reload the page and try again."


def start_session(request: Request, user_id: uuid.UUID) -> None:
    """Signed in: a fresh session (nothing of any earlier one is kept), with its own CSRF token."""
    request.session.clear()
    request.session.update(
        {"uid": str(user_id), "since": int(time.time()), CSRF_FIELD: secrets.token_urlsafe(32)}
    )


def end_session(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (the sign-in form needs one before anyone signs in)."""
    if "session" not in request.scope:
        return ""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def check_csrf(request: Request, sent: object) -> None:
    expected = request.session.get(CSRF_FIELD)
    if (
        not isinstance(expected, str)
        or not isinstance(sent, str)
        or not secrets.compare_digest(expected, sent)
    ):
        raise FormExpired


def signed_in_as(request: Request) -> Person | None:
    """The person a page was given by `page_person` (None on a page that needs no one)."""
    person = getattr(request.state, "person", None)
    return person if isinstance(person, Person) else None


def _back_to(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return quote(f"{request.url.path}{query}", safe="/?=&")


async def page_person(
    request: Request, factory: Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)]
) -> Person:
    """The person signed in, looked up again; otherwise off to sign in."""
    uid, since = request.session.get("uid"), request.session.get("since")
    if (
        not isinstance(uid, str)
        or not isinstance(since, int)
        or time.time() - since > LONGEST_SIGN_IN_SECONDS
    ):
        end_session(request)
        raise SignInRequired(_back_to(request))
    async with factory() as session:
        user = await get_user(session=session, user_id=uuid.UUID(uid))
    if user is None or user.disabled:
        end_session(request)
        raise SignInRequired(_back_to(request))
    person = Person(
        principal=Principal(id=user.id, username=user.username, role=user.role, agency_id=user.agency_id),
        display_name=user.display_name,
    )
    request.state.person = person
    return person


class PageRoles:
    """A page for these roles only (and, as in the API, never by an `if` in the route)."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, person: Annotated[Person, Depends(page_person)]) -> Person:
        if person.role not in self.roles:
            raise NotAllowed
        return person


SignedIn = Annotated[Person, Depends(page_person)]
Caseworker = Annotated[Person, Depends(PageRoles("caseworker", "manager"))]
AgencyPerson = Annotated[Person, Depends(PageRoles("agency"))]
Manager = Annotated[Person, Depends(PageRoles("manager", "admin"))]
