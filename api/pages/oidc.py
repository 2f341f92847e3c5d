"""Signing in through the council's OpenID Connect provider (Microsoft Entra ID, or any provider by its
discovery URL): `/sign-in/oidc` sends the person there, `/sign-in/oidc/callback` takes them back.

Off unless `EHCP_OIDC_DISCOVERY_URL` is set (both addresses are then "not found"); the password form
stays, for accounts the provider does not know and for when it is down. The authorization code flow with
PKCE (S256), a `state` and a `nonce`, all kept in the session cookie for ten minutes and used once. The
code is exchanged at the token endpoint (with the client secret, when there is one), and the ID token is
checked before anything is believed: its signature by the provider's published keys (fetched again once
when a key id is new: the provider rotated its keys), an asymmetric algorithm the provider names, the
issuer the discovery document names, this service as audience (and `azp`), expiry, issue time, nonce.
The discovery document and keys are fetched when first needed and kept an hour.

Who it is: the account linked to the token's subject (`sub`, or Entra ID's `oid`:
`EHCP_OIDC_SUBJECT_CLAIM`). Until one is linked, an enabled account whose email address is the token's
`email` is linked to it at its first sign-in, but only when the provider vouches for the address
(`email_verified`, or Entra ID's optional claim `xms_edov`) and the account is linked to no other
subject: an address given to someone new at the provider never takes over an account. `preferred_username`
and `upn` are never used: Entra ID does not verify them and lets them change. Nobody found is refused,
audited as a failed sign-in (`no_account`) and shown the identifier to give the administrator
(`ehcp users link`); a disabled account is refused and audited. Signing in then ends as with a password
(`begin_session`, audited `auth.signed_in` with `via: oidc`).

Every failure is the sign-in page with what to do next, never a 500. The provider's own errors are told
by their code; of the description it sends only the start is logged (Entra ID's AADSTS code; the rest
may name the person), and none is shown (another site's words on our page).
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import httpx
import structlog
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.deps import get_session_factory
from api.pages.sessions import PageNotFound
from api.pages.sign_in import Failure, audit_failure, begin_session, client_of, safe_next, sign_in_form
from core.settings import Settings
from db.errors import InvalidRecord
from db.models import User
from db.sign_in import EMAIL_MAX, OIDC_SUBJECT_MAX, find_by_email, find_by_oidc_subject, link_oidc_subject

router = APIRouter(include_in_schema=False)
log = structlog.get_logger("ehcp.pages.oidc")

FLOW = "oidc"  # the session's key for a sign-in under way
FLOW_SECONDS = 10 * 60
KEEP_SECONDS = 60 * 60  # the discovery document and keys
LEEWAY_SECONDS = 60  # clocks differ
NEXT_MAX = 2000
CALLBACK = "/sign-in/oidc/callback"
TIMEOUT = httpx.Timeout(10.0)
# Never "none", and never HS*: those are signed with the client secret, which is not the provider's alone.
SIGNING = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")

EXPIRED = "Your sign-in took too long, or was started in another window: sign in again"
UNCHECKED = "Your sign-in could not be checked: sign in again"
UNREACHABLE = (
    "The council's sign-in service cannot be reached: try again in a few minutes, or sign in with a password"
)
UNFINISHED = (
    "Your sign-in could not be finished: sign in again, and if this happens again tell the service's "
    "administrator"
)
DISABLED = "Your account is disabled: ask the service's administrator to enable it"
PROVIDER_SAID = {
    "access_denied": "You did not sign in at the council's sign-in service, or it refused you: sign in "
    "again, or ask your IT service desk",
    "login_required": "The council's sign-in service needs you to sign in to it again: sign in again",
    "interaction_required": "The council's sign-in service needs you to sign in to it again: sign in again",
    "consent_required": "The council's sign-in service has not been allowed to sign you in to this "
    "service: ask your IT service desk",
    "temporarily_unavailable": "The council's sign-in service is not working at the moment: try again in a "
    "few minutes, or sign in with a password",
}
PROVIDER_SAID["server_error"] = PROVIDER_SAID["temporarily_unavailable"]
_UNAVAILABLE = frozenset({"temporarily_unavailable", "server_error"})
ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class ProviderFailed(Exception):
    """The provider could not be reached, or answered what OpenID Connect does not allow."""


@dataclass
class Provider:
    """The provider's discovery document and signing keys, each fetched when first needed and kept."""

    discovery_url: str
    metadata: dict[str, Any] = field(default_factory=dict)
    fetched_at: float = 0.0
    keys: dict[str, Any] | None = None

    async def document(self) -> dict[str, Any]:
        if not self.metadata or time.monotonic() - self.fetched_at > KEEP_SECONDS:
            found = await _json(self.discovery_url)
            scheme = self.discovery_url.split("://", 1)[0]  # https, but for a test issuer on this machine
            for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                value = found.get(name)
                if not isinstance(value, str) or not value.startswith(f"{scheme}://"):
                    raise ProviderFailed(f"the discovery document has no {scheme} {name}")
            self.metadata, self.fetched_at, self.keys = found, time.monotonic(), None
        return self.metadata

    async def key_set(self, *, fresh: bool = False) -> KeySet:
        if self.keys is None or fresh:
            self.keys = await _json((await self.document())["jwks_uri"])
        return KeySet.import_key_set(self.keys)  # type: ignore[arg-type]


def _provider(request: Request) -> tuple[Provider, Settings]:
    settings: Settings = request.app.state.settings
    if settings.oidc_discovery_url is None:
        raise PageNotFound
    kept = getattr(request.app.state, "oidc_provider", None)
    if not isinstance(kept, Provider) or kept.discovery_url != settings.oidc_discovery_url:
        kept = Provider(settings.oidc_discovery_url)
        request.app.state.oidc_provider = kept
    return kept, settings


async def _json(url: str, data: dict[str, str] | None = None, basic: str | None = None) -> dict[str, Any]:
    """A JSON object from the provider (a GET, or a form POSTed); anything else is `ProviderFailed`."""
    headers = {"Accept": "application/json"} | ({"Authorization": f"Basic {basic}"} if basic else {})
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            if data is None:
                answer = await client.get(url, headers=headers)
            else:
                answer = await client.post(url, data=data, headers=headers)
        body = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderFailed(f"{url}: {type(error).__name__}") from error
    if not isinstance(body, dict):
        raise ProviderFailed(f"{url}: not a JSON object")
    if answer.status_code != 200:
        raise ProviderFailed(f"{url}: {answer.status_code} {str(body.get('error'))[:64]}")
    return body


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_url or str(request.url_for("oidc_callback"))


def _again(request: Request, message: str, status_code: int, back_to: str = "/") -> HTMLResponse:
    """The sign-in page, the problem in its error summary (linked to the provider's button)."""
    return sign_in_form(request, back_to, "", {"oidc": message}, status_code=status_code)


@router.get("/sign-in/oidc")
async def sign_in_at_provider(request: Request, next: str | None = None) -> Response:
    """Off to the provider, with a fresh state, nonce and PKCE verifier kept in the session."""
    provider, settings = _provider(request)
    back_to = safe_next(next if next is None or len(next) <= NEXT_MAX else None)
    try:
        endpoint = (await provider.document())["authorization_endpoint"]
    except ProviderFailed as error:
        log.warning("oidc.provider_unreachable", problem=str(error))
        return _again(request, UNREACHABLE, 503, back_to)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    request.session[FLOW] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": back_to,
        "since": int(time.time()),
    }
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": _redirect_uri(request, settings),
            "scope": settings.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return RedirectResponse(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", status_code=303)


def _flow(request: Request) -> dict[str, Any] | None:
    """The sign-in under way, taken from the session (each is used once), if it is whole and in time."""
    flow = request.session.pop(FLOW, None)
    if not isinstance(flow, dict) or not all(
        isinstance(flow.get(name), str) for name in ("state", "nonce", "verifier", "next")
    ):
        return None
    since = flow.get("since")
    return flow if isinstance(since, int) and 0 <= time.time() - since <= FLOW_SECONDS else None


@router.get(CALLBACK, name="oidc_callback")
async def back_from_provider(  # noqa: PLR0917 (FastAPI passes the query by name)
    request: Request,
    factory: Annotated[async_sessionmaker[AsyncSession], Depends(get_session_factory)],
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    provider, settings = _provider(request)
    flow = _flow(request)
    if flow is None:
        return _again(request, EXPIRED, 400)
    back_to = safe_next(flow["next"])
    same_state = state is not None and secrets.compare_digest(state.encode(), flow["state"].encode())
    if error is not None and (state is None or same_state):  # not all providers send state with an error
        # Only the description's first part (Entra ID's AADSTS code): the rest may name the person.
        said = (error_description or "").split(":", 1)[0][:40]
        log.info("oidc.provider_error", error=error[:64], description=said)
        return _again(request, _provider_said(error), 503 if error in _UNAVAILABLE else 401, back_to)
    if not same_state or not code:
        return _again(request, UNCHECKED, 400, back_to)
    try:
        claims = await _checked_claims(provider, settings, flow, code, _redirect_uri(request, settings))
        subject = claims.get(settings.oidc_subject_claim)
        if not isinstance(subject, str) or not 1 <= len(subject) <= OIDC_SUBJECT_MAX:
            raise ProviderFailed(f"the ID token's {settings.oidc_subject_claim} is missing or too long")
    except (ProviderFailed, JoseError) as failure:
        log.warning("oidc.sign_in_unfinished", problem=f"{type(failure).__name__}: {failure}"[:300])
        return _again(request, UNFINISHED, 502, back_to)
    user = await _account(factory, subject, _verified_email(claims))
    client = client_of(request)
    if user is None or user.disabled:
        reason: Failure = "disabled" if user is not None else "no_account"
        await audit_failure(factory, client=client, reason=reason, user=user, path=CALLBACK)
        message = DISABLED if user is not None else _no_account(subject)
        return _again(request, message, 403, back_to)
    await begin_session(request, factory, user, client=client, via="oidc")
    return RedirectResponse(back_to, status_code=303)


def _provider_said(error: str) -> str:
    if error in PROVIDER_SAID:
        return PROVIDER_SAID[error]
    code = error if ERROR_CODE.fullmatch(error) else "an unknown error"
    return f"The council's sign-in service refused the sign-in ({code}): sign in again, or ask your IT desk"


def _no_account(subject: str) -> str:
    return (
        "You do not have an account on this service yet: ask the service's administrator to add you, and "
        f"give them this sign-in identifier: {subject}"
    )


async def _checked_claims(
    provider: Provider, settings: Settings, flow: dict[str, Any], code: str, redirect_uri: str
) -> dict[str, Any]:
    """The code exchanged for an ID token, and its claims once every check has passed."""
    metadata = await provider.document()
    client_id = settings.oidc_client_id or ""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": flow["verifier"],
    }
    basic: str | None = None
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if secret is None:
        data["client_id"] = client_id  # a public client: PKCE alone
    elif "client_secret_post" in methods:  # Entra ID's first; no encoding of the secret to get wrong
        data |= {"client_id": client_id, "client_secret": secret}
    else:
        pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"  # each encoded: RFC 6749 s.2.3.1
        basic = base64.b64encode(pair.encode()).decode()
    tokens = await _json(metadata["token_endpoint"], data=data, basic=basic)
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise ProviderFailed("the token endpoint sent no ID token")
    named = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=[alg for alg in named if alg in SIGNING], strict_check_header=False)
    try:
        try:
            token = jwt.decode(id_token, await provider.key_set(), registry=registry)
        except InvalidKeyIdError:  # a key the provider has added since: fetch them again, once
            token = jwt.decode(id_token, await provider.key_set(fresh=True), registry=registry)
    except (KeyError, TypeError, ValueError) as error:  # a key set that is not one
        raise ProviderFailed(f"the provider's keys: {type(error).__name__}") from error
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": client_id},
        },
        {"nonce": flow["nonce"], "client_id": client_id, "access_token": tokens.get("access_token")},
    )
    claims.validate(leeway=LEEWAY_SECONDS)
    return dict(claims)


def _verified_email(claims: dict[str, Any]) -> str | None:
    """The token's email address, when the provider says it checked it (`email_verified`; Entra ID's
    `xms_edov`: the address's domain is the tenant's own). Some providers send the flag as a string."""
    email = claims.get("email")
    vouched = claims.get("email_verified") in (True, "true") or claims.get("xms_edov") in (
        True,
        "true",
        "1",
        1,
    )
    return email if isinstance(email, str) and vouched and len(email) <= EMAIL_MAX else None


async def _account(factory: async_sessionmaker[AsyncSession], subject: str, email: str | None) -> User | None:
    """The account linked to `subject`; or, at its first sign-in, the one the verified address names and
    no other subject has (linked now, if it is enabled; a disabled one is returned to be refused)."""
    async with factory() as session:
        user = await find_by_oidc_subject(session=session, subject=subject)
        if user is not None or email is None:
            return user
        found = await find_by_email(session=session, email=email)
        if found is None or found.oidc_subject is not None:
            return None
        if not found.disabled:
            try:
                await link_oidc_subject(session=session, user=found, subject=subject)
            except InvalidRecord:  # linked to another account in the meantime
                return None
            await session.commit()
        return found
