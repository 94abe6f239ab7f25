"""The compiled catalogs kept beside the ``.po`` files: read again on the next
start, never stale after an edit, and optional where the folder is read-only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from services.api import i18n

SOURCE = i18n.LOCALES / "sq" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "sq" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(SOURCE, folder / "messages.po")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    return folder


def albanian(text: str) -> str:
    # Past the per-process cache: as a new run of a command would.
    return str(i18n.translations.__wrapped__("sq").gettext(text))  # type: ignore[attr-defined]


def test_a_compiled_catalog_is_kept_and_read_on_the_next_start(locales: Path) -> None:
    assert albanian("Period") == "Periudha"
    kept = list((locales / "__pycache__").glob("messages-*.mo"))
    assert len(kept) == 1
    # What is read next time is the kept file, not the .po compiled again.
    (locales / "messages.po").write_bytes(SOURCE.read_bytes())
    kept[0].write_bytes(i18n.compile_catalog(b'msgid "Period"\nmsgstr "Kept"\n', "sq"))
    assert albanian("Period") == "Kept"


def test_an_edited_catalog_is_compiled_again_and_replaces_the_old(
    locales: Path,
) -> None:
    assert albanian("Period") == "Periudha"
    po = locales / "messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgstr "Periudha"', 'msgstr "Periudha e zgjedhur"'
        ),
        encoding="utf-8",
    )
    assert albanian("Period") == "Periudha e zgjedhur"
    assert len(list((locales / "__pycache__").glob("messages-*.mo"))) == 1


def test_a_folder_that_cannot_be_written_still_translates(locales: Path) -> None:
    (locales / "__pycache__").write_text("not a folder")
    assert albanian("Period") == "Periudha"
    assert albanian("Region") == i18n.translator("sq").gettext("Region")
