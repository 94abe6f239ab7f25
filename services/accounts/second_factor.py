"""The second factor: time-based one-time codes (TOTP, RFC 6238) from an app.

A secret is 160 random bits, shown once at set-up as text (in groups of four,
to type) and as a QR code drawn on the server as inline SVG. A code is good
for its 30-second step and one step either side (a phone's clock drifts), and
only once: the account keeps the last step used, and a code of that step or
an earlier one is refused.

At rest the secret is encrypted with AES-GCM under a key derived with HKDF
(SHA-256) from the personal-data key (``VATRA_PERSONAL_DATA_KEY``), bound to
the account's user id. Without that key (the demo, development) it is kept
as given, marked so; production mode refuses to start without the key.
"""

from __future__ import annotations

import base64
import hmac
import os
from datetime import datetime

import pyotp
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "Vatra"
STEP_SECONDS = 30
_SEALED = "v1:"
_PLAIN = "plain:"


def new_secret() -> str:
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four letters, as it is easiest to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(secret: str, user_id: str) -> str:
    """The secret's ``otpauth://`` address as an inline SVG QR code."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user_id, issuer_name=ISSUER)
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2))


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def matching_step(
    secret: str, code: str, moment: datetime, last_step: int | None
) -> int | None:
    """The step ``code`` belongs to (now, or one either side), if it is right
    and later than ``last_step``; else None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = step_of(moment)
    found = None
    for step in (now - 1, now, now + 1):
        expected = totp.at(step * STEP_SECONDS)
        if hmac.compare_digest(expected, code) and (
            last_step is None or step > last_step
        ):
            found = step
    return found


class SecretBox:
    """Seals second-factor secrets for the database, and opens them."""

    def __init__(self, personal_data_key: bytes | None) -> None:
        self._aead = None
        if personal_data_key:
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=b"vatra second-factor secrets",
            ).derive(personal_data_key)
            self._aead = AESGCM(key)

    def seal(self, secret: str, user_id: str) -> str:
        if self._aead is None:
            return _PLAIN + secret
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), user_id.encode())
        return _SEALED + base64.b64encode(nonce + sealed).decode()

    def open(self, stored: str, user_id: str) -> str:
        if stored.startswith(_PLAIN):
            return stored.removeprefix(_PLAIN)
        if self._aead is None:
            raise ValueError("the second-factor secrets need VATRA_PERSONAL_DATA_KEY")
        raw = base64.b64decode(stored.removeprefix(_SEALED))
        return self._aead.decrypt(raw[:12], raw[12:], user_id.encode()).decode()
