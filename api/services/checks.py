"""Rows a request names, checked before anything starts (issue 9 s.1: poison input never reaches a
workflow).

A workflow takes the ids it is given on trust; the activities that write them then meet the database's
foreign keys. A case assigned to no account, or advice requested of no agency, was accepted by the API
and refused by every projection after it, retried without end, the case stuck. So each id a create
request or a decision names is looked up first, and a wrong one answers 422 naming the field. The
lookups are reads: nothing is written, and the workflow is not called, when one fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import Unprocessable
from db.agencies import missing_agencies
from db.documents import get_document
from db.users import get_user
from workflows.common.messages import AdviceSpec

# Who a case may be assigned to: staff who act on cases (an admin manages accounts; an agency answers).
CASE_HOLDERS = ("caseworker", "manager")


async def check_caseworker(*, session: AsyncSession, caseworker_id: uuid.UUID | None) -> None:
    """Refuse a `caseworker_id` that is no enabled caseworker's or manager's account."""
    if caseworker_id is None:
        return
    user = await get_user(session=session, user_id=caseworker_id)
    if user is None:
        problem = "no account has this id"
    elif user.role not in CASE_HOLDERS:
        problem = f"this account's role is {user.role}, and a case is held by a caseworker or a manager"
    elif user.disabled:
        problem = "this account is disabled (`ehcp users enable` enables it)"
    else:
        return
    raise Unprocessable(
        f"caseworker_id: {problem}; give the id of an enabled caseworker's or manager's account, or leave "
        "it out (a caseworker's own request is then theirs)",
        field="caseworker_id",
    )


async def check_advice_agencies(*, session: AsyncSession, advice: Sequence[AdviceSpec]) -> None:
    """Refuse a decision whose advice requests name an agency that does not exist, naming the first
    such `advice[i].agency_id`."""
    missing = await missing_agencies(session=session, agency_ids=[spec.agency_id for spec in advice])
    for index, spec in enumerate(advice):
        if spec.agency_id in missing:
            field = f"advice[{index}].agency_id"
            raise Unprocessable(
                f"{field}: no agency has this id; name one the authority has registered (`ehcp agencies "
                "list` shows their ids)",
                field=field,
            )


def refused_cursor() -> Unprocessable:
    """The answer to an `after` that `db.pagination` refused. It never repeats the cursor: a hostile
    one can be hundreds of kilobytes, and an answer names the problem, not the input."""
    return Unprocessable(
        "after: not a cursor this API handed out; pass back a page's `next_after` unchanged, or leave "
        "`after` out for the first page",
        field="after",
    )


async def check_evidence_documents(
    *, session: AsyncSession, case_id: uuid.UUID, document_ids: Sequence[uuid.UUID]
) -> None:
    """Refuse an exception claim whose evidence names a document that is not on this case, naming the
    first such `evidence_document_ids[i]`."""
    for index, document_id in enumerate(document_ids):
        document = await get_document(session=session, document_id=document_id)
        if document is None or document.case_id != case_id:
            field = f"evidence_document_ids[{index}]"
            raise Unprocessable(
                f"{field}: no document with this id is on the case; attach it first "
                f"(POST /api/cases/{case_id}/documents) and give the id it answers with",
                field=field,
            )
