"""``vatra demo`` on a fresh machine: with no personal-data key set, the
embedded demo uses a development key kept in its data directory."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from services.config.development import DEVELOPMENT_KEY_FILE, with_development_key
from services.config.environment import SettingsError
from services.config.settings import load_settings
from tests.keys import PERSONAL_DATA_KEY


def test_the_embedded_demo_without_a_key_makes_one_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"
    settings = load_settings({"VATRA_DATA_DIR": str(data_dir)})
    first, path = with_development_key(settings)
    assert path == data_dir / DEVELOPMENT_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = first.privacy.personal_data_key.get_secret_value()
    assert len(base64.b64decode(key)) == 32
    # The next run reads the same key, so what the demo stored stays readable.
    again, _ = with_development_key(settings)
    assert again.privacy.personal_data_key.get_secret_value() == key
    assert [p.name for p in data_dir.iterdir()] == [DEVELOPMENT_KEY_FILE]


def test_a_key_that_is_set_or_a_database_of_its_own_gets_no_development_key(
    tmp_path: Path,
) -> None:
    keyed = load_settings(
        {"VATRA_DATA_DIR": str(tmp_path), "VATRA_PERSONAL_DATA_KEY": PERSONAL_DATA_KEY}
    )
    assert with_development_key(keyed) == (keyed, None)
    external = load_settings(
        {"VATRA_DATA_DIR": str(tmp_path), "POSTGRES_HOST": "db.example"}
    )
    assert with_development_key(external) == (external, None)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_development_key_is_named_not_replaced(tmp_path: Path) -> None:
    (tmp_path / DEVELOPMENT_KEY_FILE).write_text("not a key\n")
    settings = load_settings({"VATRA_DATA_DIR": str(tmp_path)})
    with pytest.raises(SettingsError, match=DEVELOPMENT_KEY_FILE):
        with_development_key(settings)
    assert (tmp_path / DEVELOPMENT_KEY_FILE).read_text() == "not a key\n"
