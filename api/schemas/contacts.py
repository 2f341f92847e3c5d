"""A family's contacts as the API takes them: each email address checked before any workflow sees it.

`ContactRecord` (workflows/common/messages.py) holds an email as a plain string; notices to parents
(regs 5, 13-14) go to it, so the create requests (a new request, a plan transferred in) refuse one that
is not an address (core/emails.py), with 422 naming the contact.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from core.emails import InvalidEmail, checked_email
from workflows.common.messages import ContactRecord


def _email_checked(contact: ContactRecord) -> ContactRecord:
    if contact.email is not None:
        try:
            checked_email(contact.email)
        except InvalidEmail as error:
            raise ValueError(f"email: {error}, or leave it out if there is none") from None
    return contact


Contact = Annotated[ContactRecord, AfterValidator(_email_checked)]
