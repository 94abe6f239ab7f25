"""``vatra demo``: record the demo scenario, project it, print what people read.

The scenario is recorded through the application service with a controlled
clock set to when each step was entered, so recording times are realistic
(some steps entered late on purpose). Re-running is safe: each case resumes
from its current version and a complete case is left as it is.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

import structlog

from domain.clock import ControlledClock
from domain.commands import Identify, command_named
from services.app.errors import CaseNotFound
from services.app.service import CaseService
from services.cli.demo_scenario import CaseScript, Step, scenario

log = structlog.get_logger("vatra.demo")


def record_scenario(service: CaseService, clock: ControlledClock, now: datetime) -> int:
    """Record every step not yet recorded; return how many events were recorded."""
    scripts = scenario()
    clock.set(now + min(step.at for script in scripts for step in script.steps))
    recorded = {script.key: _version(service, script) for script in scripts}
    count = 0
    for script, index, step in _in_time_order(scripts):
        if index < recorded[script.key]:
            continue
        occurred = now + step.at
        # The store records in order: a step entered late holds back the clock
        # for the steps after it, as it would in the field.
        clock.set(max(clock.now(), occurred + step.recorded_late_by))
        actor_id, actor_role = step.actor
        if step.command == "identify":
            service.open_case(
                Identify(**step.fields),
                case_id=script.case_id,
                actor_id=actor_id,
                actor_role=actor_role,
                occurred_at=occurred,
            )
        else:
            service.run(
                command_named(step.command)(**step.fields),
                script.case_id,
                expected_version=index,
                actor_id=actor_id,
                actor_role=actor_role,
                occurred_at=occurred,
            )
        recorded[script.key] = index + 1
        count += 1
    clock.set(now)
    log.info("demo_recorded", events=count, cases=len(scripts))
    return count


def demo_case_id() -> UUID:
    """The case whose timeline the demo prints."""
    return UUID(scenario()[0].case_id)


def _version(service: CaseService, script: CaseScript) -> int:
    try:
        return int(service.case(script.case_id)["version"])
    except CaseNotFound:
        return 0


def _in_time_order(
    scripts: list[CaseScript],
) -> Iterator[tuple[CaseScript, int, Step]]:
    """All steps of all cases by time, each case's steps kept in its own order."""
    for script in scripts:
        times = [step.at for step in script.steps]
        if times != sorted(times):
            raise ValueError(f"demo case {script.key} has steps out of time order")
    streams = [
        [(step.at, n, index, script, step) for index, step in enumerate(script.steps)]
        for n, script in enumerate(scripts)
    ]
    for _at, _n, index, script, step in heapq.merge(
        *streams, key=lambda t: (t[0], t[1])
    ):
        yield script, index, step
