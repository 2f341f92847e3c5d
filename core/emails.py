"""Email addresses checked where the service takes them: an agency's (`ehcp agencies add`) and a
family's contacts (the API's create requests).

Notices under the SEND Regulations 2014 (the decision whether to assess, reg 5; advice requests, reg 6;
draft and final plans, regs 13-14) go to these addresses, so one that is not an address at all (a name
and angle brackets, two addresses, a line break that could add a mail header, a missing domain) is
refused when it is typed, not when a notice to a parent fails weeks later. The check is
`email-validator`'s syntax check, as pydantic's `EmailStr` makes it: no DNS lookup, so nothing leaves the
machine and an address is judged the same offline. Reserved names that can never receive mail
(`.invalid`, `.test`, `localhost`) are refused too.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """Why a value is not an email address, without repeating the value (it is personal data)."""


def checked_email(value: str) -> str:
    """`value`, if it is one email address; otherwise `InvalidEmail` saying why and what to send."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(
            f"not an email address ({error}); give one address, such as name@example.org"
        ) from None
    return value
