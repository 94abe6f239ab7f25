"""A personal-data key for the demonstration on one machine.

An identification keeps the person's attributes in the encrypted
personal-data store, which needs ``VATRA_PERSONAL_DATA_KEY``. So that
``vatra demo`` (``make demo``) works on a fresh machine, the demo on the
embedded database, with no key set, uses a development key of its own: made
on first use in the embedded data directory (``VATRA_DATA_DIR``, ``./var``),
readable by its owner only (mode 0600), and the same on every later run, so
what the demo stored stays readable. Real cases never use it: set
``VATRA_PERSONAL_DATA_KEY`` (kept outside the database and its backups).
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import replace
from pathlib import Path

from pydantic import SecretStr

from services.config.environment import SettingsError
from services.config.settings import Settings

DEVELOPMENT_KEY_FILE = "personal-data.dev-key"
KEY_BYTES = 32


def with_development_key(settings: Settings) -> tuple[Settings, Path | None]:
    """``settings`` with the development key when they have no personal-data
    key and use the embedded database; and the key's file, if it was used."""
    if settings.privacy.personal_data_key.get_secret_value():
        return settings, None
    if not settings.database.embedded:
        return settings, None
    path = settings.database.data_dir / DEVELOPMENT_KEY_FILE
    key = development_key(path)
    privacy = replace(settings.privacy, personal_data_key=SecretStr(key))
    return replace(settings, privacy=privacy), path


def development_key(path: Path) -> str:
    """The key kept in ``path`` (base64 of 32 bytes); made there, mode 0600,
    if there is none yet."""
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under another name, then linked into place: a demo
    # starting at the same moment reads either no file or the whole key.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(base64.b64encode(os.urandom(KEY_BYTES)).decode() + "\n")
        os.link(draft, path)
    except FileExistsError:
        pass  # another demo made it first: theirs is the key
    finally:
        draft.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    text = path.read_text().strip()
    try:
        valid = len(base64.b64decode(text, validate=True)) == KEY_BYTES
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise SettingsError(
            f"{path} does not hold a development key (base64 of {KEY_BYTES} "
            "bytes): remove it to have a new one made, or set "
            "VATRA_PERSONAL_DATA_KEY"
        )
    return text
