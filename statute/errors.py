"""The one exception tree of the statute engine.

`StatuteError` is the root; every error carries a message a caseworker or operator can act on.
"""


class StatuteError(ValueError):
    """Something the statute engine was given cannot be used."""


class InvalidHistory(StatuteError):
    """A case history does not follow the vocabulary. `path` names the field, like `events[2].date`."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)


class InvalidConvention(StatuteError):
    """A convention setting is unknown or out of range."""
