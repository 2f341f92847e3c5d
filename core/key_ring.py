"""The payload encryption key ring as the settings take it (`EHCP_CODEC_KEYS`): `id:base64,id:base64`, each
key 32 random bytes for AES-256-GCM (core/codec.py), and the public development key a demo runs on.
"""

from __future__ import annotations

import base64
import binascii
import re

KEY_BYTES = 32
GENERATE_KEY = 'python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"'

# A fixed, public key: it protects nothing and exists only so `make run` works with no set-up.
DEV_KEY_ID = "dev-not-secret"
DEV_KEY = b"EHCP development key: NOT SECRET"

_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def dev_codec_keys() -> str:
    """The development key ring, in the `EHCP_CODEC_KEYS` text form.

    The key is fixed and published in this source file: payloads encrypted with it are readable by
    anyone. It is used only when `EHCP_CODEC_KEYS` is unset and `EHCP_ALLOWDEV_KEYS` is true.
    """
    return f"{DEV_KEY_ID}:{base64.b64encode(DEV_KEY).decode()}"


def parse_key_ring(text: str) -> dict[str, bytes]:
    """Parse `id:base64,id:base64` into a key ring; each key must be 32 bytes (AES-256)."""
    ring: dict[str, bytes] = {}
    for number, item in enumerate(text.split(","), start=1):
        entry = item.strip()
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id:
            raise ValueError(f"entry {number} is not KEY_ID:BASE64_KEY")
        if not _KEY_ID.fullmatch(key_id):
            raise ValueError(f"key id {key_id!r} may hold only letters, digits, '.', '_' and '-' (1-64)")
        if key_id in ring:
            raise ValueError(f"key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                f"key {key_id!r} is not valid base64; generate one with: {GENERATE_KEY}"
            ) from None
        if len(key) != KEY_BYTES:
            raise ValueError(
                f"key {key_id!r} decodes to {len(key)} bytes, not {KEY_BYTES}; "
                f"generate one with: {GENERATE_KEY}"
            )
        ring[key_id] = key
    return ring
