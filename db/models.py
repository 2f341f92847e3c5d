"""The tables: case records, people, agencies, the deadlines read model, decisions, audit log, outbox.

Personal data about a child lives in `children` and `contacts` only; every other table refers to a child
or a case by its UUID. SEN2 (docs/statute.md §2.3) is the backbone of `cases`; the workflow data it does not
hold (advice requests, documents, decisions with their actor, the audit log) sits beside it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any, Final, Literal, get_args

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    column,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, new_id, one_of, utcnow
from statute.events import ADVICE_KINDS

AgencyKind = Literal["school", "early_years", "health", "educational_psychology", "social_care", "other"]
Role = Literal["caseworker", "manager", "agency", "admin"]
AdviceStatus = Literal["requested", "received", "withdrawn"]
OutboxStatus = Literal["pending", "sent", "delivered", "failed"]
DeadlineStatus = Literal["open", "met", "met_late", "overdue", "excepted", "withdrawn", "closed"]

AGENCY_KINDS: Final[tuple[AgencyKind, ...]] = get_args(AgencyKind)
ROLES: Final[tuple[Role, ...]] = get_args(Role)
# What an API token lives when no lifetime is given (EHCP_TOKEN_LIFETIME_DAYS sets the service's own).
DEFAULT_TOKEN_LIFETIME: Final = timedelta(days=90)
ADVICE_STATUSES: Final = ("requested", "received", "withdrawn")
OUTBOX_STATUSES: Final = ("pending", "sent", "delivered", "failed")
DEADLINE_STATUSES: Final[tuple[DeadlineStatus, ...]] = get_args(DeadlineStatus)

# SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
_BIGINT_ID = BigInteger().with_variant(Integer(), "sqlite")
_JSON = JSON().with_variant(JSONB(), "postgresql")


class Agency(Base):
    """A body the LA asks for advice or consults: a school, health, educational psychology, social care."""

    __tablename__ = "agencies"
    __table_args__ = (one_of("kind", AGENCY_KINDS),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AgencyKind] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(320))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A staff member or an agency's account. Only the SHA-256 of its API token is kept, with when the
    token expires and, once revoked, when it was; a person signs in to the pages with an email address
    and a password (only its argon2id hash is kept) or through the authority's OpenID provider."""

    __tablename__ = "users"
    __table_args__ = (
        one_of("role", ROLES),
        # An agency account belongs to exactly one agency; staff accounts to none.
        CheckConstraint(
            "(role = 'agency' AND agency_id IS NOT NULL) OR (role <> 'agency' AND agency_id IS NULL)",
            name="agency_role",
        ),
        Index("ix_users_email", "email", unique=True),
        Index("ix_users_oidc_subject", "oidc_subject", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(16))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agencies.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A token works until it expires or is revoked (`ehcp users revoke`); rotating issues a new one.
    token_expires_at: Mapped[datetime] = mapped_column(default=lambda: utcnow() + DEFAULT_TOKEN_LIFETIME)
    token_revoked_at: Mapped[datetime | None]
    email: Mapped[str | None] = mapped_column(String(320))  # lower case
    password_hash: Mapped[str | None] = mapped_column(String(200))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))


class Child(Base):
    """The child or young person: the one table (with `contacts`) that holds personal data."""

    __tablename__ = "children"
    __table_args__ = (
        # The case list's search (db/children.py `named`, migration 0005): a name's start whatever its case,
        # and the date of birth. On PostgreSQL `text_pattern_ops`, so a LIKE with a fixed prefix uses them.
        Index(
            "ix_children_lower_family_name",
            func.lower(column("family_name")).label("lower_family_name"),
            postgresql_ops={"lower_family_name": "text_pattern_ops"},
        ),
        Index(
            "ix_children_lower_given_name",
            func.lower(column("given_name")).label("lower_given_name"),
            postgresql_ops={"lower_given_name": "text_pattern_ops"},
        ),
        Index("ix_children_date_of_birth", "date_of_birth"),
        # "Your cases" sorted by the child's name (migration 0009): the pattern indexes above cannot order.
        Index(
            "ix_children_name_order",
            func.lower(column("family_name")).label("name_order_family"),
            func.lower(column("given_name")).label("name_order_given"),
            "id",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date]
    upn: Mapped[str | None] = mapped_column(String(13))
    year_group: Mapped[int | None]
    visual_impairment: Mapped[bool] = mapped_column(default=False, server_default=false())
    hearing_impairment: Mapped[bool] = mapped_column(default=False, server_default=false())
    postcode: Mapped[str | None] = mapped_column(String(10))


class Contact(Base):
    """A parent, carer or other person to contact about a child."""

    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    parental_responsibility: Mapped[bool] = mapped_column(default=False, server_default=false())


class Case(Base):
    """One EHC needs assessment request (SEN2 modules 2-3), as its workflow last projected it."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_la_code_received_on", "la_code", "received_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(100), unique=True)
    la_code: Mapped[str] = mapped_column(String(10))
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    caseworker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    received_on: Mapped[date]
    request_source: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(50))
    state_version: Mapped[int]
    closed_on: Mapped[date | None]
    final_issued_on: Mapped[date | None]
    week20_exception: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdviceRequest(Base):
    """A reg 6 advice request sent to an agency, and what came of it."""

    __tablename__ = "advice_requests"
    __table_args__ = (
        UniqueConstraint("case_id", "advice_id"),
        one_of("kind", ADVICE_KINDS),
        one_of("status", ADVICE_STATUSES),
        Index("ix_advice_requests_agency_id_due_on", "agency_id", "due_on", "id"),
        # An agency's inbox, open requests first (migration 0009).
        Index("ix_advice_requests_agency_id_status_due_on", "agency_id", "status", "due_on", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    advice_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    requested_on: Mapped[date]
    received_by_body_on: Mapped[date]
    due_on: Mapped[date]
    received_on: Mapped[date | None]
    status: Mapped[AdviceStatus] = mapped_column(String(16), default="requested")


class Document(Base):
    """An uploaded file (advice, draft or final plan), kept with its SHA-256."""

    __tablename__ = "documents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    advice_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("advice_requests.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseDeadline(Base):
    """The read model: one occurrence of a statutory deadline (statute.model.Deadline) of one case.

    `key` is the deadline's id (the advice id, the school, the year...) or '' so it can sit in the key.
    """

    __tablename__ = "deadlines"
    __table_args__ = (
        one_of("status", DEADLINE_STATUSES),
        # The steps still owed by due date, carrying what the dashboard counts them by: the overdue list
        # and the counts read the index alone (migration 0008).
        Index(
            "ix_deadlines_owed_due",
            "due",
            "status",
            "family_window",
            "deadline",
            "agency_id",
            "caseworker_id",
            postgresql_where=text("met_on IS NULL"),
            sqlite_where=text("met_on IS NULL"),
        ),
        # A measure's steps by the month they fall due (the dashboard's trends), read from the index.
        Index("ix_deadlines_deadline_due", "deadline", "due", "case_id", "met_on"),
        Index("ix_deadlines_agency_id_due", "agency_id", "due"),
        # A caseworker's steps still owed, in due order: "your cases" by next step (migration 0010).
        Index(
            "ix_deadlines_caseworker_owed_due",
            "caseworker_id",
            "due",
            "status",
            "family_window",
            "case_id",
            postgresql_where=text("met_on IS NULL"),
            sqlite_where=text("met_on IS NULL"),
        ),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    deadline: Mapped[str] = mapped_column(String(50), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True, default="", server_default="")
    from_date: Mapped[date] = mapped_column(primary_key=True)
    from_event: Mapped[str] = mapped_column(String(50))
    due: Mapped[date]
    practical_due: Mapped[date]
    rule: Mapped[str] = mapped_column(String(100))
    statutory: Mapped[bool]
    # A family's window (representations_end, appeal) closes; it is never overdue.
    family_window: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[DeadlineStatus] = mapped_column(String(16))
    met_on: Mapped[date | None]
    exception_kind: Mapped[str | None] = mapped_column(String(32))
    exception_accepted: Mapped[bool | None]
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agencies.id"))
    caseworker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    state_version: Mapped[int]


class Decision(Base):
    """A decision with its maker (panel minutes): to assess, to issue, to approve an exception..."""

    __tablename__ = "decisions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    outcome: Mapped[str] = mapped_column(String(50))
    decided_on: Mapped[date]
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reasons: Mapped[str] = mapped_column(Text, default="")
    # The Temporal update id: a retried activity finds its decision already written.
    update_id: Mapped[str] = mapped_column(String(200), unique=True)
    # What it rests on besides its outcome: a claim's verdict (`accepted`), the claim an approval approves.
    detail: Mapped[dict[str, str]] = mapped_column(_JSON, default=dict, server_default=text("'{}'"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One line of the append-only audit log (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_case_id_at", "case_id", "at"),
        # One entry per action of one update: a retried activity does not audit twice.
        Index(
            "uq_audit_log_update_id_action",
            "update_id",
            "action",
            unique=True,
            postgresql_where=text("update_id IS NOT NULL"),
            sqlite_where=text("update_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(_BIGINT_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(100))
    # No foreign key: the log outlives the case records it mentions.
    case_id: Mapped[uuid.UUID | None]
    update_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(_JSON, default=dict)


class OutboxMessage(Base):
    """A notification to send, sent, delivered or failed; its idempotency key stops a second send."""

    __tablename__ = "outbox"
    __table_args__ = (
        one_of("status", OUTBOX_STATUSES),
        Index("ix_outbox_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    recipient_kind: Mapped[str] = mapped_column(String(32))
    recipient_address: Mapped[str] = mapped_column(String(2000))
    recipient_name: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    provider_ref: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """A command's Idempotency-Key as its caller first used it, recorded before the command goes to
    Temporal: who sent it, a hash of the key (never the key), the route and target it named and a hash
    of its body. The same key again is a retry only for the same route, target and body; anything else
    is refused (api/services/idempotency.py). The primary key is the one guard against two requests
    racing with one key: the second insert fails and reads the first."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # SHA-256 (hex) of the caller's id and key: also the Temporal update id of the command.
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(200))  # the path template: /api/cases/{case_id}/withdrawal
    path_params: Mapped[dict[str, str]] = mapped_column(_JSON)
    body_sha256: Mapped[str] = mapped_column(String(64))  # of the validated body as canonical JSON
    # No foreign key: the case's row is written by its workflow's activities, after the command.
    case_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When Temporal answered that the command was applied (written with its audit line): a retry is
    # then answered from the case as it stands, without sending the command again.
    applied_at: Mapped[datetime | None]
