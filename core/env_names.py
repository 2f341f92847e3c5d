"""How a setting is named in the environment: `EHCP_` and the field's name in capitals."""

from __future__ import annotations

ENV_PREFIX = "EHCP_"


def env_name(field: str) -> str:
    """The environment variable that sets `field`."""
    return f"{ENV_PREFIX}{field.upper()}"
