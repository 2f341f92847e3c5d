"""The demo's people sign in to the pages: each demo account gets an email address and a password, kept in
`var/demo-accounts.json` (demo only, readable by its owner alone) and printed by `ehcp run`. A demo seeded
before sign-in existed gets them on its next start. Also the demo's session key, kept in `var/`, so a
sign-in outlives a restart of `ehcp run`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from pathlib import Path

from core.settings import Settings
from db.engine import make_engine, make_session_factory
from db.sign_in import new_password, set_sign_in

ACCOUNTS_FILE = "demo-accounts.json"
SESSION_KEY_FILE = "session.key"

Accounts = dict[str, dict[str, str]]


def demo_email(username: str) -> str:
    return f"{username.removeprefix('demo-')}@demo.example"


async def demo_accounts(settings: Settings, var: Path, usernames: Iterable[str]) -> Accounts:
    """The demo accounts' sign-ins, made once: {"demo-caseworker": {"email", "password", "role"}, ...}."""
    kept = var / ACCOUNTS_FILE
    if kept.exists():
        accounts: Accounts = json.loads(kept.read_text())
        return accounts
    accounts = {}
    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine).begin() as session:
            for username in usernames:
                password = new_password()
                user = await set_sign_in(
                    session=session, username=username, email=demo_email(username), password=password
                )
                accounts[username] = {"email": demo_email(username), "password": password, "role": user.role}
    finally:
        await engine.dispose()
    kept.touch(mode=0o600)
    kept.write_text(json.dumps(accounts, indent=2))
    return accounts


def demo_session_key(var: Path) -> str:
    """The key that signs the demo's session cookies, made once and kept in `var/`."""
    kept = var / SESSION_KEY_FILE
    if not kept.exists():
        kept.touch(mode=0o600)
        kept.write_text(secrets.token_urlsafe(48))
    return kept.read_text().strip()
