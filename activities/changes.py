"""The `apply_change` activity: everything one change of a case writes, in one transaction, then sends.

A command or a timer changes a case once; its decision record and audit line, the read model and the
outbox rows of its notices are written together, and the notices are then delivered. One activity and
two transactions, where separate activities would take one each per write (docs/performance.md).
Idempotent throughout: decisions by update id, the read model by state version, notices by key.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.failures import final_failures
from activities.notices import NoticeSender
from activities.records import (
    write_advice_received,
    write_advice_request,
    write_advice_withdrawn,
    write_decision,
    write_projection,
)
from workflows.common.messages import ActivityName
from workflows.common.records import Change


class ChangeActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], notices: NoticeSender) -> None:
        self._sessions = sessions
        self._notices = notices

    @activity.defn(name=ActivityName.APPLY_CHANGE)
    @final_failures
    async def apply_change(self, change: Change) -> None:
        async with self._sessions.begin() as session:
            for request in change.advice_requests:
                await write_advice_request(session, request)
            for received in change.advice_received:
                await write_advice_received(session, received)
            for withdrawn in change.advice_withdrawn:
                await write_advice_withdrawn(session, withdrawn)
            for decision in change.decisions:
                await write_decision(session, decision)
            if change.projection is not None:
                await write_projection(session, change.projection)
            messages = [await self._notices.queue(session, notice) for notice in change.notices]
        await self._notices.deliver(messages)
