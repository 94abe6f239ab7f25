"""A new rule file, after a restart, applies to new obligations only."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.clock import ControlledClock
from domain.events import DeadlineBreached
from domain.sop import load_rulebook
from services.config.bootstrap import open_backbone
from services.config.settings import PROJECT_ROOT, load_settings
from services.store.database import Database
from tests.builders import identify
from tests.integration.sop_helpers import obligation_rows, sop_clock_for
from tests.keys import KEYS_ENV

HOUR = timedelta(hours=1)
# The new rules take effect on Tuesday 3 March 2026, 00:00 in Tirane.
NEW_RULES_FROM = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)


def add_rules_2026_2(sop_dir: Path) -> None:
    """The administrator's change: the police must be told within 2 hours."""
    text = (sop_dir / "rules-2026.1.toml").read_text(encoding="utf-8")
    police = 'within = { amount = 1, unit = "hours" }'
    assert text.count(police) == 1
    text = (
        text.replace('version = "2026.1"', 'version = "2026.2"')
        .replace(
            "effective_from = 2018-08-29T00:00:00+02:00",
            "effective_from = 2026-03-03T00:00:00+01:00",
        )
        .replace(police, 'within = { amount = 2, unit = "hours" }')
    )
    (sop_dir / "rules-2026.2.toml").write_text(text, encoding="utf-8")


def police_breaches(events: list[Any]) -> list[tuple[str, datetime, datetime]]:
    return [
        (e.ruleset_version, e.occurred_at, e.due_at)
        for e in events
        if isinstance(e, DeadlineBreached) and e.rule_id == "police-notified"
    ]


def test_obligations_keep_the_rule_set_they_arose_under_after_a_rule_change(
    database: Database, clock: ControlledClock, tmp_path: Path
) -> None:
    sop_dir = tmp_path / "sop"
    shutil.copytree(PROJECT_ROOT / "deploy" / "sop", sop_dir)
    settings = load_settings(
        {"VATRA_LOG_LEVEL": "WARNING", "VATRA_SOP_DIR": str(sop_dir), **KEYS_ENV}
    )
    with open_backbone(settings, clock=clock, database=database) as first:
        old_case = identify(first.service, clock)
        t0 = clock.now()
        first.follower.catch_up()

    add_rules_2026_2(sop_dir)
    assert [rs.version for rs in load_rulebook(sop_dir).rulesets] == [
        "2026.1",
        "2026.2",
    ]
    clock.set(NEW_RULES_FROM + 9 * HOUR)
    with open_backbone(settings, clock=clock, database=database) as restarted:
        new_case = identify(restarted.service, clock)
        t1 = clock.now()
        sop_clock = sop_clock_for(restarted)
        clock.set(t1 + HOUR)
        sop_clock.tick()
        clock.set(t1 + 2 * HOUR)
        sop_clock.tick()

        old = obligation_rows(restarted, old_case)["police-notified@1"]
        new = obligation_rows(restarted, new_case)["police-notified@1"]
        old_events = restarted.service.app.case_events(old_case["case_id"])
        new_events = restarted.service.app.case_events(new_case["case_id"])

    # The old case was recomputed after the restart (its breach arrived) and
    # kept the rules its identification was recorded under.
    assert (old["ruleset_version"], old["due_at"]) == ("2026.1", t0 + HOUR)
    assert (new["ruleset_version"], new["due_at"]) == ("2026.2", t1 + 2 * HOUR)
    assert police_breaches(old_events) == [("2026.1", t0 + HOUR, t0 + HOUR)]
    # One hour in, the new case was not breached; at two hours it was.
    assert police_breaches(new_events) == [("2026.2", t1 + 2 * HOUR, t1 + 2 * HOUR)]
