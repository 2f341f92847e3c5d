"""An Idempotency-Key names one request of one caller (issue 9 s.3).

Before a command goes to Temporal, its key is recorded with what it was sent for: the caller, a hash of
the key, the route (method, path template and path parameters: the target) and a hash of the body as
canonical JSON. Then:

- the same key, route and body again is a retry: the command is sent again under the same update id
  (Temporal applies it once), or, once Temporal has said it was applied, not sent at all; either way
  the answer is the case as it stands now, not the first answer replayed;
- the same key with another body or on another route is refused, 422 naming `Idempotency-Key`: before,
  a second child's request under a used key was answered with the first child's case and dropped, and a
  withdrawal under a decision's key was answered as done and withdrew nothing;
- each caller's keys are their own: two callers may use the same key, and neither meets the other's.

Recorded first, so a crash between the record and Temporal still leaves a retry recognised. Two requests
racing with one key meet at the table's primary key: the second insert fails and reads the first's row.

The key itself never reaches Temporal or the audit log: the update id, and the id of a case a create
makes, are derived from `hashed_key` (the SHA-256 of the caller's id and the key).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import CommandKey, Principal
from api.errors import ApiError, Unavailable, Unprocessable
from api.services.audit import write_briefly
from api.services.temporal import query_workflow
from core.logging import get_logger
from db.idempotency import add_idempotency_key, get_idempotency_key, mark_applied
from db.models import IdempotencyRecord

log = get_logger(__name__)

KEY_FIELD = "Idempotency-Key"
KEY_REUSED = (
    "Idempotency-Key: this key was already used for a different request (another body, or another case "
    "or route); use a new key for a new command, and the same key only to retry the same request"
)
KEY_UNRECORDED = (
    "the case database is busy and could not record this command's Idempotency-Key, so nothing was done; "
    "retry in a few seconds with the same Idempotency-Key"
)

T = TypeVar("T", bound=BaseModel)


def hashed_key(*, user_id: uuid.UUID, key: str) -> str:
    """The SHA-256 (hex) of the caller's id and key: what is stored of the key, the command's Temporal
    update id, and what a create's case id is derived from. The caller's id in it keeps two callers'
    keys apart."""
    return hashlib.sha256(f"{user_id}:{key}".encode()).hexdigest()


def fingerprint(body: Any) -> str:
    """The SHA-256 (hex) of a body as canonical JSON (keys sorted, no spaces): the same validated body
    makes the same fingerprint however the client spelled it."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RecordedKey:
    """A command's key, recorded: its update id, whether the same request came before under it, and
    whether Temporal has applied it."""

    user_id: uuid.UUID
    update_id: str
    repeat: bool
    applied: bool

    async def mark_applied(self, session: AsyncSession) -> None:
        """Temporal applied the command: a retry is answered without sending it again. Written with the
        command's audit line (api/services/audit.py), not committed here."""
        await mark_applied(session=session, user_id=self.user_id, key_hash=self.update_id)


def _same_request(record: IdempotencyRecord, key: CommandKey, body_sha256: str) -> bool:
    return (record.method, record.route, record.path_params, record.body_sha256) == (
        key.method,
        key.route,
        key.path_params,
        body_sha256,
    )


def _known(record: IdempotencyRecord, key: CommandKey, body_sha256: str) -> RecordedKey:
    if not _same_request(record, key, body_sha256):
        raise Unprocessable(KEY_REUSED, field=KEY_FIELD)
    return RecordedKey(
        user_id=record.user_id,
        update_id=record.key_hash,
        repeat=True,
        applied=record.applied_at is not None,
    )


async def record_key(
    *,
    session: AsyncSession,
    user: Principal,
    key: CommandKey,
    body_sha256: str,
    case_id: uuid.UUID | None,
) -> RecordedKey:
    """Record the key's first use and commit, before the command goes to Temporal; or recognise a retry
    of the same request. 422 naming the key if it was used for another request; 503 if the database
    cannot take the record within a few seconds (nothing was done, so the caller retries)."""
    if key.key is None:
        raise ValueError("a command's key is the caller's or derived; it cannot be missing here")
    hashed = hashed_key(user_id=user.id, key=key.key)
    found = await get_idempotency_key(session=session, user_id=user.id, key_hash=hashed)
    if found is not None:
        return _known(found, key, body_sha256)

    async def insert(session: AsyncSession) -> None:
        await add_idempotency_key(
            session=session,
            user_id=user.id,
            key_hash=hashed,
            method=key.method,
            route=key.route,
            path_params=key.path_params,
            body_sha256=body_sha256,
            case_id=case_id,
        )

    failure = await write_briefly(session, insert)
    if failure is None:
        return RecordedKey(user_id=user.id, update_id=hashed, repeat=False, applied=False)
    if isinstance(failure, IntegrityError):
        # Another request with this key got there first (the primary key): its row says what it was.
        found = await get_idempotency_key(session=session, user_id=user.id, key_hash=hashed)
        if found is not None:
            return _known(found, key, body_sha256)
        raise failure
    log.warning("idempotency.unrecorded", error=type(failure).__name__, route=key.route)
    raise Unavailable(KEY_UNRECORDED, headers={"Retry-After": "5"}) from failure


async def state_now(
    *, client: Client, workflow_id: str, result_type: type[T], deadline: timedelta, answered: T
) -> T:
    """A retry's answer: the workflow's state as it stands now (Temporal answers a repeated update id with
    its first result). The command is applied, so a query that fails never turns that into an error:
    then the update's own answer stands."""
    try:
        state = await query_workflow(
            client=client, workflow_id=workflow_id, result_type=result_type, deadline=deadline
        )
    except ApiError:
        return answered
    return state if state is not None else answered


# Fixed for ever: a case's id is derived from the authority and the hash of its create request's key.
CASE_NAMESPACE = uuid.UUID("6f1d3c55-2f0b-4b8e-9d4e-5b0c7a1e8e21")


def case_id_for(*, la_code: str, key_hash: str) -> uuid.UUID:
    """The case a create request makes: from the authority and the hash of the caller's id and key
    (`hashed_key`), so two callers' same key are two cases and the key itself is in no id."""
    return uuid.uuid5(CASE_NAMESPACE, f"{la_code}:{key_hash}")


async def record_new_case(
    *, session: AsyncSession, la_code: str, user: Principal, key: CommandKey, body: BaseModel
) -> tuple[uuid.UUID, RecordedKey]:
    """A request that makes a case (a new request, a plan transferred in): the case's id, derived from
    the caller's key, and the key recorded with the body's fingerprint (`record_key`)."""
    if key.key is None:
        raise ValueError("a create request's key is required (api/deps.py)")
    case_id = case_id_for(la_code=la_code, key_hash=hashed_key(user_id=user.id, key=key.key))
    recorded = await record_key(
        session=session,
        user=user,
        key=key,
        body_sha256=fingerprint(body.model_dump(mode="json")),
        case_id=case_id,
    )
    return case_id, recorded
