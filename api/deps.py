"""The dependencies every route declares: settings, a database session, the Temporal client, the caller,
and the roles a route admits (docs/architecture.md, Data protection: "every route declares the roles it
admits"). Permissions are dependencies, never `if` chains in a route.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Header, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.errors import Forbidden, NotFound, TooManyRequests, Unauthenticated, Unavailable
from api.limits import FailureLimiter
from core.settings import Settings
from db.audit import append_audit
from db.base import utcnow
from db.models import Role, User
from db.users import TokenProblem, lookup_token, token_problem
from workflows.common.messages import Actor
from workflows.common.rules import a


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: an account's id, role and (for an agency) the one agency it answers for."""

    id: uuid.UUID
    username: str
    role: Role
    agency_id: uuid.UUID | None

    def actor(self) -> Actor:
        """The caller as the workflows record it with every decision."""
        return Actor(actor_id=self.id, role=self.role, agency_id=self.agency_id)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    factory: async_sessionmaker[AsyncSession] | None = getattr(request.app.state, "sessions", None)
    if factory is None:
        raise Unavailable("the case database is not connected yet")
    return factory


async def get_session(
    factory: Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)],
) -> AsyncIterator[AsyncSession]:
    """One session per request; whatever a route does not commit is rolled back when it ends."""
    async with factory() as session:
        yield session


def get_temporal(request: Request) -> Client:
    client: Client | None = getattr(request.app.state, "temporal", None)
    if client is None:
        raise Unavailable("the workflow service is not connected yet")
    return client


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="`Authorization: Bearer <token>`: a staff or agency API token issued by the authority.",
)


def get_auth_limiter(request: Request) -> FailureLimiter:
    """The process's limiter of failed authentications, made from the settings on first use; tests put
    one with their own clock on `app.state.auth_limiter`."""
    limiter: FailureLimiter | None = getattr(request.app.state, "auth_limiter", None)
    if limiter is None:
        settings: Settings = request.app.state.settings
        limiter = FailureLimiter(
            limit=settings.auth_failure_limit, window=settings.auth_failure_window_seconds
        )
        request.app.state.auth_limiter = limiter
    return limiter


def _refused(problem: TokenProblem | Literal["unknown"], user: User | None) -> str:
    """What a refused token is told: what is wrong, and how to get one that works."""
    if user is None or problem == "unknown":
        return (
            "the API token is not known: check it was copied whole, or ask the service's administrator "
            "for a new one"
        )
    if problem == "disabled":
        return "the account of this API token is disabled; ask the service's administrator to enable it"
    if problem == "revoked":
        return (
            "the API token was revoked; ask the service's administrator for a new one "
            "(`ehcp users rotate` with your account's name)"
        )
    return (  # expired
        f"the API token expired at {user.token_expires_at:%Y-%m-%d %H:%M} UTC; ask the service's "
        "administrator for a new one (`ehcp users rotate` with your account's name)"
    )


async def get_current_user(
    request: Request,
    factory: Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)],
    limiter: Annotated[FailureLimiter, Depends(get_auth_limiter)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The account the bearer token belongs to, if the token may be used now; 401 otherwise, and 429 once
    the address (or the account) has failed too often. A request with no token has not failed: it is
    told how to send one, and neither counted nor audited."""
    if credentials is None:
        raise Unauthenticated("send an API token as `Authorization: Bearer <token>`")
    client = request.client.host if request.client else "unknown"
    # Refused before the token is looked up: a blocked address learns nothing, not even a right guess.
    if (wait := limiter.retry_after(f"client:{client}")) is not None:
        raise TooManyRequests(
            f"too many failed authentications from this address; try again in {wait} seconds",
            retry_after=wait,
        )
    async with factory() as session:
        user = await lookup_token(session=session, token=credentials.credentials)
        found = token_problem(user, utcnow()) if user is not None else "unknown"
        if user is not None and found is None:
            return Principal(id=user.id, username=user.username, role=user.role, agency_id=user.agency_id)
        problem: TokenProblem | Literal["unknown"] = found or "unknown"
        # A token that was the account's (expired, revoked, disabled) is also counted against the
        # account. A valid token is never refused for its account's failures: tokens cannot be guessed,
        # and a system given a new token must be able to use it at once.
        account = f"account:{user.id}" if user is not None else None
        if account is not None and (wait := limiter.retry_after(account)) is not None:
            raise TooManyRequests(
                f"too many failed authentications for this account; try again in {wait} seconds",
                retry_after=wait,
            )
        limiter.failed(f"client:{client}")
        if account is not None:
            limiter.failed(account)
        # Ids, never names, and never the token (docs/architecture.md, Data protection).
        detail = {"reason": problem, "client": client, "path": request.url.path[:200]}
        if user is not None:
            detail["user_id"] = str(user.id)
        await append_audit(
            session=session, action="auth.failed", actor_id=None, case_id=None, update_id=None, detail=detail
        )
        await session.commit()
    raise Unauthenticated(_refused(problem, user))


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
CurrentUser = Annotated[Principal, Depends(get_current_user)]


class RequireRoles:
    """A dependency admitting only the given roles: 403 for any other authenticated caller."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, user: CurrentUser) -> Principal:
        if user.role not in self.roles:
            raise Forbidden(f"{a(user.role)} cannot do this; it needs {a(' or '.join(self.roles))}")
        return user


class StaffOnly:
    """`RequireRoles` for a record that is no agency's business: an agency is told it does not exist (404),
    as for any request not sent to it, so it cannot learn which cases exist. `unknown` is the 404's
    message, formatted with the path parameters."""

    def __init__(self, *roles: Role, unknown: str) -> None:
        self.roles = RequireRoles(*roles)
        self.unknown = unknown

    async def __call__(self, user: CurrentUser, request: Request) -> Principal:
        if user.role == "agency":
            raise NotFound(self.unknown.format(**request.path_params))
        return await self.roles(user)


# Who may do what. Admins keep the service running: they read, but make no statutory decisions.
CaseWorker = Annotated[Principal, Depends(RequireRoles("caseworker", "manager"))]
CaseReader = Annotated[Principal, Depends(RequireRoles("caseworker", "manager", "admin"))]
Manager = Annotated[Principal, Depends(RequireRoles("manager"))]
DashboardReader = Annotated[Principal, Depends(RequireRoles("manager", "admin"))]
# Who mends the service: a step that failed for good is retried by a manager or an admin.
Operator = Annotated[Principal, Depends(RequireRoles("manager", "admin"))]
AgencyUser = Annotated[Principal, Depends(RequireRoles("agency"))]
PlanReader = Annotated[
    Principal, Depends(StaffOnly("caseworker", "manager", "admin", unknown="no plan {case_id}"))
]


@dataclass(frozen=True, slots=True)
class CommandKey:
    """A command's Idempotency-Key with the request it came on: the key (None when an optional one was
    not sent), the method, the route's path template and its path parameters. A retry is the same key on
    the same route and target with the same body (api/services/idempotency.py)."""

    key: str | None
    method: str
    route: str
    path_params: dict[str, str]

    def with_key(self, key: str) -> CommandKey:
        """The same request under `key` (a key derived when the caller sent none)."""
        return CommandKey(key=key, method=self.method, route=self.route, path_params=self.path_params)


def _param(value: str) -> str:
    """A path parameter as the route reads it: a UUID in any spelling names the same case."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _command_key(request: Request, key: str | None) -> CommandKey:
    route = request.scope.get("route")
    return CommandKey(
        key=key,
        method=request.method,
        route=route.path if isinstance(route, APIRoute) else request.url.path,
        path_params={name: _param(str(value)) for name, value in request.path_params.items()},
    )


_KEY_PATTERN = r"^[A-Za-z0-9._:-]+$"


async def get_command_key(
    request: Request,
    key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            pattern=_KEY_PATTERN,
            description=(
                "A key the client makes once per command and repeats on every retry of it: a retry (the "
                "same key, route and body) is applied once and answered with the case as it now stands. "
                "Each caller's keys are their own; a key already used for a different request is refused "
                "with 422, so use a new key for each new command. Temporal is given only a hash of it."
            ),
            examples=["3f2b8c1e-7a4d-4e59-9c1a-2b6f0d8e4a71"],
        ),
    ],
) -> CommandKey:
    return _command_key(request, key)


async def get_optional_command_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            pattern=_KEY_PATTERN,
            description="Optional: by default the key is derived from the files and the date received.",
        ),
    ] = None,
) -> CommandKey:
    return _command_key(request, key)


IdempotencyKey = Annotated[CommandKey, Depends(get_command_key)]
OptionalIdempotencyKey = Annotated[CommandKey, Depends(get_optional_command_key)]
