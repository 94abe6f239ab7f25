"""Passwords: argon2id hashes, the rules a new password meets, one-time ones.

The ``strong`` profile is the first of OWASP's recommended argon2id
configurations (46 MiB of memory, 1 pass, 1 lane): as costly to guess for an
attacker with the hash as any of the others it lists, and at about 60 ms per
check on two cores it keeps a log-in within 300 ms at the 99th percentile on a
busy server (``bench/login.py``), where RFC 9106's second option (64 MiB,
3 passes, 4 lanes) took over 450 ms. The ``fast`` profile
(1 pass, 1 MiB) exists so test suites can log hundreds of people in; it is
chosen only by ``VATRA_PASSWORD_HASHING=fast`` and refused in production mode.
A hash made with one profile still verifies under the other.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.app.errors import InvalidInput

STRONG_MEMORY_KIB = 47104  # 46 MiB
STRONG_PASSES = 1
MIN_LENGTH = 12
MAX_LENGTH = 128
# Anything longer is refused before it reaches the hash: argon2 would work
# through a megabyte-long "password" as readily as a short one.
MAX_INPUT = 4 * MAX_LENGTH
# One-time passwords: no letters that read alike (0/O, 1/l/I).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def hasher(profile: str) -> PasswordHasher:
    """The argon2id hasher of ``profile`` (``strong`` or ``fast``)."""
    if profile == "fast":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher(
        time_cost=STRONG_PASSES, memory_cost=STRONG_MEMORY_KIB, parallelism=1
    )


class Passwords:
    """Hashes and checks passwords with one argon2id profile."""

    def __init__(self, profile: str = "strong") -> None:
        self._hasher = hasher(profile)
        # Verified against when the username is unknown, so that an unknown
        # name costs as much time as a known one with a wrong password.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored`` (None: no such account,
        answered False after the same work)."""
        if len(password) > MAX_INPUT:
            return False
        try:
            return self._hasher.verify(stored or self._dummy, password) and bool(stored)
        except (VerificationError, InvalidHashError):
            return False


def check_new_password(password: str, user_id: str) -> None:
    """Refuse a new password that is too short, too long, or the username."""
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"a password is at most {MAX_LENGTH} characters long")
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password is at least {MIN_LENGTH} characters long")
    if password.strip().lower() == user_id.lower():
        raise InvalidInput("a password may not be the username")
    if len(set(password)) < 4:
        raise InvalidInput("a password needs more than a few different characters")


def one_time_password() -> str:
    """A random password to give a person once (16 letters and digits in
    four groups, about 79 bits); they change it at their first log-in."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)
