"""Workers killed with SIGKILL at random moments under load: nothing lost or twice.

The relay, the projector, the notifier (``vatra notify`` on its Kafka consumer
group, sending through a real SMTP server) and the SOP clock run as real
processes while a thread records case work. A seeded schedule kills each of
them several times, at random moments, and restarts it. Afterwards every read
model must equal a rebuild from scratch, every event be on Kafka once, every
alert be delivered under exactly one Message-ID (resends of the same id only
within the documented send-to-mark window) and every deadline event be
recorded once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from services.store.database import Database
from tests.faults.conftest import StackFactory
from tests.faults.fault_load import Load
from tests.faults.fault_processes import sleep_watching
from tests.faults.fault_report import ReliabilityReport, Row, seconds
from tests.faults.fault_stack import FaultStack

SEED = 20260302
KILLS_PER_WORKER = 3


@pytest.fixture
def stack(
    open_stack: StackFactory, database: Database, kafka_servers: str
) -> Iterator[FaultStack]:
    with open_stack(database, kafka_servers) as opened:
        yield opened


def test_workers_killed_at_random_moments_under_load_lose_and_repeat_nothing(
    stack: FaultStack, reliability: ReliabilityReport
) -> None:
    rng = random.Random(SEED)
    workers = stack.workers()
    plan = [name for name in workers.names for _ in range(KILLS_PER_WORKER)]
    rng.shuffle(plan)
    workers.start()
    load = Load(stack.backbone.service, seed=SEED, rate=6.0, duration=120.0).start()
    try:
        for victim in plan:
            sleep_watching(workers, rng.uniform(1.5, 4.0))
            workers[victim].kill()
            sleep_watching(workers, rng.uniform(0.0, 1.0))
            workers[victim].start()
        last_fault = time.monotonic()
        load.stop()
        stats = load.join()
        stack.wait_until_settled(workers)
        recovery = time.monotonic() - last_fault
    finally:
        codes = workers.stop()
    outcome = stack.outcome()
    kills = {name: workers[name].kills for name in workers.names}
    reliability.add(
        Row(
            scenario="Workers killed (SIGKILL) at random moments under load",
            faults=f"{sum(kills.values())} SIGKILLs: "
            + ", ".join(f"{name} {n}" for name, n in kills.items()),
            events=outcome.events,
            lost=outcome.lost,
            duplicates=outcome.duplicates,
            alerts_duplicated=outcome.alerts_duplicated,
            alerts_missing=outcome.alerts_lost,
            recovery=seconds(recovery),
            notes=outcome.notes(
                [f"{stats.recorded} commands by the load, {stats.conflicts} retried"]
            ),
        )
    )
    assert stats.errors == []
    assert codes == dict.fromkeys(workers.names, 0), "a worker did not stop cleanly"
    workers.check_no_unexpected_exits()
    outcome.assert_nothing_lost_or_duplicated(notifier_kills=kills["notifier"])
    # The scenario exercised what it claims to: alerts, breaches, a real load.
    assert stats.identified >= 20
    assert stats.minors > 0
    assert outcome.breaches > 0
    assert outcome.alerts_expected > stats.identified * 2
