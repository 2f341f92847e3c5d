"""Building messages for the notify tests."""

from __future__ import annotations

from notify.base import Message, Recipient

SENCO = Recipient("email", "senco@riverside.sch.example", "Riverside Primary SENCO")
HEALTH_HOOK = Recipient("webhook", "https://trust.example/ehcp/notices", "Riverside Health Trust")


def email(key: str = "assessment-5d1c:advice_request:educational", **changes: object) -> Message:
    """An advice request to a school SENCO, as an activity would send it."""
    fields: dict[str, object] = {
        "idempotency_key": key,
        "recipient": SENCO,
        "subject": "Case assessment-5d1c: educational advice requested, due 14 March 2025",
        "body": "Please send your educational advice for case assessment-5d1c by 14 March 2025.\n",
        "case_ref": "assessment-5d1c",
        "template": "advice_request",
    }
    fields.update(changes)
    return Message(**fields)  # type: ignore[arg-type]


def webhook(key: str = "assessment-5d1c:advice_request:medical", **changes: object) -> Message:
    """An advice request to a health trust's system."""
    return email(key, **{"recipient": HEALTH_HOOK, **changes})
