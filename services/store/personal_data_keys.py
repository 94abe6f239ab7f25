"""The keys of the personal-data store: the master key ring and sealing.

Each person's record is sealed (AES-256-GCM) with a data key of their own; the
data key is stored wrapped by the master key (``VATRA_PERSONAL_DATA_KEY``),
which never reaches the database. While rotating, earlier master keys stay
readable (``VATRA_PERSONAL_DATA_PREVIOUS_KEYS``). Every ciphertext is bound to
its subject_ref by its associated data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable

from services.app.errors import PersonalDataUnavailable

NONCE_BYTES = 12
DATA_KEY_BYTES = 32  # AES-256


class KeyRing:
    """The master key that wraps data keys, and earlier ones while rotating."""

    def __init__(self, current: str, previous: Iterable[str] = ()) -> None:
        self.current = _master_key(current, "VATRA_PERSONAL_DATA_KEY")
        self.keys = {key_id(self.current): self.current}
        for old in previous:
            key = _master_key(old, "VATRA_PERSONAL_DATA_PREVIOUS_KEYS")
            self.keys.setdefault(key_id(key), key)

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def unwrap(self, subject_ref: str, wrapped: bytes, master_key_id: str) -> bytes:
        master = self.keys.get(master_key_id)
        if master is None:
            raise PersonalDataUnavailable(
                f"the data key of this person is wrapped by master key "
                f"{master_key_id}, which is not configured"
            )
        return open_sealed(master, wrapped, b"vatra-pd-key:" + subject_ref.encode())

    def wrap(self, subject_ref: str, data_key: bytes) -> bytes:
        return seal(self.current, data_key, b"vatra-pd-key:" + subject_ref.encode())


def key_id(key: bytes) -> str:
    """A name for a master key that reveals nothing of it."""
    return "pdk:" + hmac.new(key, b"vatra-pd-key-id", hashlib.sha256).hexdigest()[:16]


def generate_master_key() -> str:
    """A new master key, as ``VATRA_PERSONAL_DATA_KEY`` takes it (base64)."""
    return base64.b64encode(os.urandom(32)).decode()


def _master_key(text: str, setting: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PersonalDataUnavailable(f"{setting} is not base64") from None
    if len(key) != 32:
        raise PersonalDataUnavailable(f"{setting} must be 32 bytes (base64 of them)")
    return key


def new_data_key() -> bytes:
    """A new random data key (as ``AESGCM.generate_key(bit_length=256)`` makes one)."""
    return os.urandom(DATA_KEY_BYTES)


# The cipher is loaded when something is first sealed or opened: a command
# that reads no personal data (``vatra timeline`` without ``--actor``) starts
# without the cryptography library.


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag  # noqa: PLC0415
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag:
        raise PersonalDataUnavailable(
            "personal data could not be decrypted: wrong key, or the row was altered"
        ) from None
