"""The settings as the commands that run the service read them: a problem is one line naming the variable.

Apart from `cli/shell.py` so that `ehcp timeline`, which needs no settings, does not load them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cli.shell import fail
from core.env_names import env_name
from core.key_ring import DEV_KEY_ID, GENERATE_KEY
from core.settings import Settings


def load_settings(command: str, **overrides: Any) -> Settings:
    """The settings, or one line per problem naming the variable, and exit status 2."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        fail(command, f"the settings are not valid: {problems}")


def development_key_problem(settings: Settings) -> str | None:
    """Why a service may not start on these settings' key, or None: new payloads would be sealed with
    the public development key, which anyone can read, and the settings do not say this is a demo."""
    if not settings.uses_dev_keys or settings.demo:
        return None
    keys, active = env_name("codec_keys"), env_name("codec_active_key")
    return (
        f"payloads would be encrypted with the public development key ({DEV_KEY_ID!r}), which anyone can "
        f"read; generate a key with: {GENERATE_KEY} and set {keys}=k1:KEY and {active}=k1 "
        f"(deploy/README.md, 'The payload encryption key'); only for a demo holding no real data, set "
        f"{env_name('demo')}=true"
    )


def session_secret_problem(settings: Settings) -> str | None:
    """Why the pages may not be served on these settings, or None: with no key of the authority's, each
    process would sign sessions with a key of its own, and a sign-in would end whenever one restarts or
    land on another that does not know it."""
    if settings.session_secret is not None or settings.demo:
        return None
    return (
        f"{env_name('session_secret')} is not set: the pages' session cookies need a key of the "
        "authority's own, the same for every API process; generate one with: python -c 'import secrets; "
        f"print(secrets.token_urlsafe(48))' and set {env_name('session_secret')} (a demo may leave it unset)"
    )


def load_service_settings(command: str) -> Settings:
    """The settings of a process that holds real data (`ehcp api`, `ehcp worker`): as `load_settings`, and
    refused, with exit status 2, on the public development key unless they say this is a demo."""
    settings = load_settings(command)
    problem = development_key_problem(settings)
    if problem:
        fail(command, problem)
    return settings


def development_key_warning(settings: Settings) -> str | None:
    """What a demo (`ehcp run`) says when it runs on the public development key."""
    if not settings.uses_dev_keys:
        return None
    return (
        f"a demo: payloads are encrypted with the public development key ({DEV_KEY_ID!r}), which anyone "
        "can read; enter no real child's data. A service runs `ehcp api` and `ehcp worker` with "
        f"{env_name('codec_keys')} (deploy/README.md)"
    )


def ensure_sqlite_folder(url: str) -> None:
    """SQLite needs its folder to exist (var/ on a fresh checkout)."""
    if url.startswith("sqlite") and ":///" in url:
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
