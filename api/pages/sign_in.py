"""Signing in and out of the pages: `/sign-in` (email address and password) and `/sign-out`; signing in
through the council's OpenID provider (api/pages/oidc.py) ends the same way, in `begin_session`.

A wrong address and a wrong password are told apart to nobody: both are "enter a correct email address
and password". Failures are audited (by account id when the address is known, never the address or the
password) and limited as the API's are, per client address and per account (429 with Retry-After);
a disabled account is told so only once its password is right.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import get_auth_limiter, get_session_factory
from api.limits import FailureLimiter
from api.pages.sessions import CSRF_FIELD, check_csrf, end_session, start_session
from api.pages.templating import render
from db.audit import append_audit
from db.models import User
from db.sign_in import EMAIL_MAX, PASSWORD_MAX, check_password

router = APIRouter(include_in_schema=False)

WRONG = "Enter a correct email address and password"
# no_account: the OpenID provider vouched for someone no account here is, or may be, linked to.
Failure = Literal["unknown_or_wrong_password", "disabled", "no_account"]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this service only, never another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return "/"


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None, signed_out: bool = False) -> HTMLResponse:
    return sign_in_form(request, safe_next(next), "", {}, signed_out=signed_out)


def sign_in_form(
    request: Request,
    back_to: str,
    email: str,
    errors: dict[str, str],
    *,
    status_code: int = 200,
    signed_out: bool = False,
) -> HTMLResponse:
    """The sign-in page: the OpenID provider's button (when one is set) above the password form, which
    stays for the accounts the provider does not know and for when it is down."""
    settings = request.app.state.settings
    return render(
        request,
        "sign_in.html",
        status_code=status_code,
        title="Sign in",
        next=back_to,
        errors=errors,
        email=email,
        signed_out=signed_out,
        oidc_button=settings.oidc_button_label if settings.oidc_discovery_url else None,
    )


async def audit_failure(
    factory: async_sessionmaker[AsyncSession],
    *,
    client: str,
    reason: Failure,
    user: User | None,
    path: str = "/sign-in",
) -> None:
    detail = {"reason": reason, "client": client, "path": path}
    if user is not None:
        detail["user_id"] = str(user.id)
    async with factory() as session:
        await append_audit(
            session=session, action="auth.failed", actor_id=None, case_id=None, update_id=None, detail=detail
        )
        await session.commit()


@router.post("/sign-in")
async def sign_in(
    *,
    request: Request,
    factory: Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)],
    limiter: Annotated[FailureLimiter, Depends(get_auth_limiter)],
    email: Annotated[str, Form(max_length=EMAIL_MAX)] = "",
    password: Annotated[str, Form(max_length=PASSWORD_MAX)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    back_to = safe_next(next)
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _again(request, back_to, email, errors)
    client = client_of(request)
    if (wait := limiter.retry_after(f"client:{client}")) is not None:
        return _too_many(request, back_to, email, wait)
    async with factory() as session:
        user = await check_password(session=session, email=email, password=password)
        await session.commit()  # a hash renewed to today's parameters
    if user is not None and (wait := limiter.retry_after(f"account:{user.id}")) is not None:
        return _too_many(request, back_to, email, wait)
    if user is None or user.disabled:
        limiter.failed(f"client:{client}")
        if user is not None:
            limiter.failed(f"account:{user.id}")
        reason: Failure = "disabled" if user is not None else "unknown_or_wrong_password"
        await audit_failure(factory, client=client, reason=reason, user=user)
        message = (
            "Your account is disabled: ask the service's administrator to enable it"
            if user is not None
            else WRONG
        )
        return _again(request, back_to, email, {"email": message}, status_code=401)
    await begin_session(request, factory, user, client=client)
    return RedirectResponse(back_to, status_code=303)


async def begin_session(
    request: Request,
    factory: async_sessionmaker[AsyncSession],
    user: User,
    *,
    client: str,
    via: str | None = None,
) -> None:
    """Signed in, however the person proved who they are (`via`: "oidc"; a password is the default)."""
    start_session(request, user.id)
    detail = {"client": client} if via is None else {"client": client, "via": via}
    async with factory() as session:
        await append_audit(
            session=session,
            action="auth.signed_in",
            actor_id=user.id,
            case_id=None,
            update_id=None,
            detail=detail,
        )
        await session.commit()


def _again(
    request: Request, back_to: str, email: str, errors: dict[str, str], status_code: int = 422
) -> HTMLResponse:
    return sign_in_form(request, back_to, email.strip()[:EMAIL_MAX], errors, status_code=status_code)


def _too_many(request: Request, back_to: str, email: str, wait: int) -> HTMLResponse:
    minutes = max(1, round(wait / 60))
    page = _again(
        request,
        back_to,
        email,
        {"email": f"Too many failed sign-ins: try again in {minutes} minute{'s' if minutes != 1 else ''}"},
        status_code=429,
    )
    page.headers["Retry-After"] = str(wait)
    return page


@router.post("/sign-out")
async def sign_out(
    request: Request, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = ""
) -> RedirectResponse:
    check_csrf(request, csrf_token)
    end_session(request)
    return RedirectResponse("/sign-in?signed_out=1", status_code=303)
