"""AES-256-GCM payload codec: what Temporal stores about a child is ciphertext.

Each payload is serialized whole (metadata and data) and sealed with a fresh 96-bit nonce under the
active key; the key id travels in clear metadata and is bound in as associated data, so a payload cannot
be relabelled to another key. Retired keys stay in the ring to read old histories (key rotation).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from core.key_ring import KEY_BYTES

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
NONCE_BYTES = 12
TAG_BYTES = 16


class CodecError(ValueError):
    """A payload could not be encrypted or decrypted. The message names the key id, never any data."""


class AesGcmCodec(PayloadCodec):
    """Encrypts every payload with the active key; decrypts with whichever ring key sealed it."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        for key_id, key in keys.items():
            if len(key) != KEY_BYTES:
                raise CodecError(f"key {key_id!r} is {len(key)} bytes; AES-256-GCM needs {KEY_BYTES}")
        if active_key_id not in keys:
            raise CodecError(
                f"active key {active_key_id!r} is not in the key ring ({', '.join(sorted(keys))})"
            )
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._active_key_id = active_key_id

    @property
    def active_key_id(self) -> str:
        """The id of the key new payloads are sealed with."""
        return self._active_key_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Seal each payload with the active key."""
        return [self._seal(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Open sealed payloads; payloads this codec did not seal pass through unchanged."""
        return [
            self._open(payload) if payload.metadata.get("encoding") == ENCODING else payload
            for payload in payloads
        ]

    def _seal(self, payload: Payload) -> Payload:
        key_id = self._active_key_id.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._active_key_id].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id}, data=nonce + sealed)

    def _open(self, payload: Payload) -> Payload:
        raw_id = payload.metadata.get(KEY_ID_METADATA)
        if raw_id is None:
            raise CodecError(f"encrypted payload has no {KEY_ID_METADATA!r} metadata")
        key_id = raw_id.decode("utf-8", errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            known = ", ".join(sorted(self._ciphers))
            raise CodecError(f"payload sealed with key {key_id!r}, which is not in the key ring ({known})")
        if len(payload.data) < NONCE_BYTES + TAG_BYTES:
            raise CodecError(f"payload sealed with key {key_id!r} is truncated")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, raw_id)
        except InvalidTag:
            raise CodecError(
                f"payload sealed with key {key_id!r} failed authentication: tampered, or a different key "
                "under the same id"
            ) from None
        return Payload.FromString(plain)
