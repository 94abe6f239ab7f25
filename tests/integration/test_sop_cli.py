"""``vatra sop-clock`` and ``vatra sop --region`` against a real PostgreSQL."""

from __future__ import annotations

import re

import pytest

from services.cli.main import main
from services.config.settings import SettingsError, load_settings
from services.store.database import Database


def test_the_sop_clock_records_missed_deadlines_once_and_sop_shows_one_region(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["sop-clock", "--once"]) == 0
    out = capsys.readouterr().out
    recorded = re.search(r"SOP clock: (\d+) deadline events recorded", out)
    assert recorded
    assert int(recorded[1]) > 0
    assert main(["sop-clock", "--once"]) == 0
    assert "SOP clock: 0 deadline events recorded" in capsys.readouterr().out

    assert main(["sop", "--region", "berat"]) == 0
    out = capsys.readouterr().out
    assert "SOP compliance by rule and region in berat" in out
    assert "vlora" not in out
    assert main(["sop", "--region", "tirana"]) == 2
    assert "region 'tirana' is not a region code" in capsys.readouterr().err


def test_the_sop_clock_ticks_every_30_seconds_by_default_and_refuses_zero() -> None:
    settings = load_settings({})
    assert (settings.sop_clock, settings.sop_clock_interval) == (True, 30.0)
    assert load_settings({"VATRA_SOP_CLOCK": "off"}).sop_clock is False
    with pytest.raises(SettingsError, match="VATRA_SOP_CLOCK_INTERVAL"):
        load_settings({"VATRA_SOP_CLOCK_INTERVAL": "0"})
