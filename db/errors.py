"""The exceptions `db` raises, under one root so callers can catch them together."""


class DatabaseError(Exception):
    """Root of the exceptions the service functions in `db` raise on purpose."""


class NotFound(DatabaseError, LookupError):
    """The record the caller named does not exist (or is not visible to that caller)."""


class InvalidCursor(DatabaseError, ValueError):
    """A pagination cursor that this service did not hand out, or that was altered."""


class InvalidRecord(DatabaseError, ValueError):
    """Values the schema would refuse, caught before the database sees them."""


class UnsupportedDatabase(DatabaseError):
    """A backend other than SQLite or PostgreSQL."""
