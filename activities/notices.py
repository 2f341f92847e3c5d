"""`NoticeSender`: the half of `apply_change` (activities/changes.py) that queues and delivers notices.

Not an activity itself: `apply_change` writes a change's notices to the outbox in the change's own
transaction (idempotent by key), then has them sent; a retried activity finds the outbox row and the
notifier's own idempotency, so nobody is told twice. The wording is notify/templates.py's; this finds
each notice's recipient in the case records and records how each delivery went.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

import db.cases
from core.settings import Settings
from db.agencies import get_agency
from db.children import list_contacts
from db.models import Case, OutboxStatus
from db.outbox import add_to_outbox, mark_outbox
from notify.base import Message, Notifier, NotifyPermanentError, Recipient
from notify.templates import Authority, render
from workflows.common.records import Notice


class NoticeSender:
    """Queues a change's notices in the outbox, then sends them through the notifier the settings name."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], notifier: Notifier, settings: Settings
    ) -> None:
        self._sessions = sessions
        self._notifier = notifier
        self._settings = settings
        self._authority = Authority(
            name=settings.la_name,
            mediation_adviser=settings.mediation_adviser,
            mediation_contact=settings.mediation_contact,
            disagreement_resolution=settings.disagreement_resolution,
            information_advice_service=settings.information_advice_service,
        )

    async def queue(self, session: AsyncSession, notice: Notice) -> Message:
        """Write the notice to the outbox in the caller's transaction (nothing on a repeat of its key).
        It names the case by its reference, as the case's page shows it (the read model's workflow id):
        an advice request's or a plan's own workflow id means nothing to the person told."""
        case = await db.cases.get_case(session=session, case_id=notice.case_id)
        case_ref = case.workflow_id if case is not None else notice.workflow_id
        subject, body = render(
            notice.template,
            case_ref=case_ref,
            step=notice.step,
            on=notice.on,
            facts=notice.facts,
            authority=self._authority,
        )
        recipient = await self._recipient(session, notice, case)
        await add_to_outbox(
            session=session,
            idempotency_key=notice.idempotency_key,
            case_id=notice.case_id,
            recipient_kind=notice.to,
            recipient_address=recipient.address,
            recipient_name=recipient.name,
            template=notice.template,
            subject=subject,
            body=body,
        )
        return Message(
            idempotency_key=notice.idempotency_key,
            recipient=recipient,
            subject=subject,
            body=body,
            case_ref=case_ref,
            template=notice.template,
        )

    async def deliver(self, messages: list[Message]) -> list[str]:
        """Send queued messages and record how each went, in one transaction. A temporary failure raises
        (the activity is retried; the notifier does not send a key twice); a permanent one is marked
        `failed` in the outbox, for the team to send another way."""
        outcomes: list[tuple[str, OutboxStatus, str | None, str | None]] = []
        for message in messages:
            try:
                delivery = await self._notifier.send(message)
            except NotifyPermanentError as error:
                activity.logger.warning(
                    "notice.failed", extra={"template": message.template, "case": message.case_ref}
                )
                outcomes.append((message.idempotency_key, "failed", None, str(error)))
            else:
                outcomes.append((message.idempotency_key, delivery.status, delivery.provider_ref, None))
        if outcomes:
            async with self._sessions.begin() as session:
                for key, status, provider_ref, problem in outcomes:
                    await mark_outbox(
                        session=session,
                        idempotency_key=key,
                        status=status,
                        provider_ref=provider_ref,
                        error=problem,
                    )
        return [status for _, status, _, _ in outcomes]

    async def _recipient(self, session: AsyncSession, notice: Notice, case: Case | None) -> Recipient:
        team = self._settings.team_email
        if notice.to == "agency" and notice.agency_id is not None:
            agency = await get_agency(session=session, agency_id=notice.agency_id)
            if agency is not None:
                return Recipient(kind="email", address=agency.email, name=agency.name)
        if notice.to == "parent":
            if case is not None:
                contacts = await list_contacts(session=session, child_id=case.child_id)
                with_email = [c for c in contacts if c.email and c.parental_responsibility]
                if with_email:
                    return Recipient(kind="email", address=with_email[0].email or "", name="parent or carer")
            return Recipient(
                kind="email", address=team, name="SEND team: no parent email on file, send by post"
            )
        names = {"caseworker": "the case's caseworker", "manager": "SEND team manager"}
        return Recipient(
            kind="email", address=team, name=names.get(notice.to, f"SEND team, to pass to the {notice.to}")
        )
