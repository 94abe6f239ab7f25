"""Production mode: no case is read or written without the keys that protect it.

With ``VATRA_PRODUCTION=on`` every command that opens the event store (the
API, the workers, the case and audit commands, the demo) refuses to start
unless the chain key, the event cipher key, the personal-data key and the
notify secret are all set, and names each one missing. Without it (the demo,
development) the same command logs one warning naming what it runs without.

It also refuses ``VATRA_PASSWORD_HASHING=fast`` (weak password hashes, for
test suites only). The keys' values are never part of a message: only their
names.
"""

from __future__ import annotations

from services.config.environment import SettingsError
from services.config.notify_settings import MIN_SECRET_LENGTH
from services.config.settings import Settings

PRODUCTION_SWITCH = "VATRA_PRODUCTION"
# Each key production mode needs, by the variable that sets it.
REQUIRED_KEYS = (
    "VATRA_CHAIN_KEY",
    "VATRA_EVENT_CIPHER_KEY",
    "VATRA_PERSONAL_DATA_KEY",
    "VATRA_NOTIFY_SECRET",
)


def missing_keys(settings: Settings) -> list[str]:
    """The variables of ``REQUIRED_KEYS`` that are unset (or, for the notify
    secret, too short to be one), in that order."""
    privacy = settings.privacy
    notify_secret = (
        settings.notify.ack_secret.get_secret_value() if settings.notify else ""
    )
    given = {
        "VATRA_CHAIN_KEY": bool(privacy.chain_key.get_secret_value()),
        "VATRA_EVENT_CIPHER_KEY": bool(privacy.event_cipher_key.get_secret_value()),
        "VATRA_PERSONAL_DATA_KEY": bool(privacy.personal_data_key.get_secret_value()),
        "VATRA_NOTIFY_SECRET": len(notify_secret) >= MIN_SECRET_LENGTH,
    }
    return [name for name in REQUIRED_KEYS if not given[name]]


def check_keys(settings: Settings, *, warn: bool = True) -> None:
    """Refuse to go on in production mode without every key; otherwise warn
    once (one log line) about the keys this run goes without, unless ``warn``
    is off because the command says so itself (the demo's one line).

    Called once per command, by the composition root, before the store opens.
    """
    if settings.production and settings.accounts.password_hashing != "strong":
        raise SettingsError(
            f"production mode ({PRODUCTION_SWITCH}) refuses "
            "VATRA_PASSWORD_HASHING=fast: it is for test suites only"
        )
    missing = missing_keys(settings)
    if not missing:
        return
    if settings.production:
        raise SettingsError(
            f"production mode ({PRODUCTION_SWITCH}) refuses to start without "
            f"{', '.join(missing)}: set each (or NAME_FILE, naming a file that "
            "holds it; see the README's Settings)"
        )
    if not warn:
        return
    # Imported here: only a run without keys logs, and a command that only
    # reads (``services.config.read_models``) starts faster without structlog.
    import structlog  # noqa: PLC0415

    structlog.get_logger("vatra.production").warning(
        "running_without_keys",
        missing=missing,
        hint=f"not for real cases: {PRODUCTION_SWITCH}=on refuses to run without them",
    )
