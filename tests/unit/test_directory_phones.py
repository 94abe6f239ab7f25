"""The police officers' numbers in the directory, shown to field workers
who are offline (the backbone never dials them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.catalogue import REGIONS
from handlers.directory import DirectoryError, load_directory
from tests.unit.test_alert_directory import SHIPPED, _write


def test_the_shipped_directory_gives_a_police_number_for_every_region() -> None:
    directory = load_directory(SHIPPED)
    for region in REGIONS:
        assert any(c.phone.startswith("+355") for c in directory.police(region))


def test_a_phone_number_is_kept_beside_the_contacts_channel(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[lawyers]]\nid = "law"\nemail = "l@example.org"\nphone = "+355691234567"',
    )
    lawyer = load_directory(path).contact("law")
    assert lawyer is not None
    assert (lawyer.channel, lawyer.phone) == ("email", "+355691234567")


def test_a_phone_number_not_in_international_form_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[lawyers]]\nid = "law"\nemail = "l@x.org"\nphone = "069"')
    with pytest.raises(DirectoryError, match=r"lawyers\[0\] \(law\): phone '069'"):
        load_directory(path)
