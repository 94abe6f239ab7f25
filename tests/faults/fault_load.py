"""A steady, bounded, seeded load of case work, as caseworkers would record it.

A thread identifies people (half of them minors; some identified two days
before they are entered, so their notification deadlines have already passed
and the SOP clock has breaches to record) and takes open cases one step
further: consent, risk assessment, a referral to a shelter, its acceptance,
the Responsible Authority's status decision.

Writes are idempotent, as a careful client's must be when the database may
vanish mid-commit: every command carries a correlation id of its own, and
after an error the writer reloads the case and looks for that id before it
tries again. A ``VersionConflict`` (the notifier or the clock wrote first) is
reloaded and retried.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

from domain.catalogue import REGION_SEATS, REGIONS
from domain.commands import Identify, command_named
from services.app.errors import CaseNotFound, VersionConflict
from services.app.service import CaseService

# What a database that went away (or is restarting) raises, through the
# eventsourcing recorder or psycopg directly.
TRANSIENT: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

RA = {"actor_id": "ra-duty-1", "actor_role": "responsible_authority"}
SHELTER = {"actor_id": "shelter-staff-1", "actor_role": "shelter_staff"}
AGENCY = "National Shelter"
ATTEMPTS = 40


def worker(region: str) -> dict[str, str]:
    return {"actor_id": f"mu-{region}-1", "actor_role": "mobile_unit"}


@dataclass
class OpenCase:
    case_id: str
    region: str
    minor: bool
    steps_done: int = 0


@dataclass
class LoadStats:
    recorded: int = 0
    identified: int = 0
    minors: int = 0
    conflicts: int = 0
    outages: int = 0
    errors: list[str] = field(default_factory=list)


class Load:
    """Records case work at ``rate`` commands a second for ``duration`` seconds."""

    def __init__(
        self,
        service: CaseService,
        *,
        seed: int,
        rate: float,
        duration: float,
        backdated: float = 0.3,
        max_open: int = 25,
    ) -> None:
        self.service = service
        self.rng = random.Random(seed)
        self.rate = rate
        self.duration = duration
        self.backdated = backdated
        self.max_open = max_open
        self.open: list[OpenCase] = []
        self.stats = LoadStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load", daemon=True)

    def start(self) -> Load:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 600.0) -> LoadStats:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the load did not finish"
        return self.stats

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # -- the loop ----------------------------------------------------------------

    def _run(self) -> None:
        started = time.monotonic()
        n = 0
        while not self._stop.is_set():
            elapsed = time.monotonic() - started
            if elapsed >= self.duration:
                return
            due = started + n / self.rate
            if due > time.monotonic():
                self._stop.wait(due - time.monotonic())
            n += 1
            try:
                self._one_command()
            except Exception as error:  # reported, and the test fails on it
                self.stats.errors.append(f"{type(error).__name__}: {error}")

    def _one_command(self) -> None:
        if not self.open or (
            len(self.open) < self.max_open and self.rng.random() < 0.35
        ):
            self._identify()
            return
        case = self.rng.choice(self.open)
        self._step(case)
        if case.steps_done == len(STEPS):
            self.open.remove(case)

    def _identify(self) -> None:
        region = self.rng.choice(sorted(REGIONS))
        minor = self.rng.random() < 0.5
        backdated = self.rng.random() < self.backdated
        case_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        correlation = uuid.UUID(int=self.rng.getrandbits(128), version=4).hex
        now = self.service.clock.now()
        occurred = now - (timedelta(days=2) if backdated else timedelta(seconds=5))
        identification = Identify(
            subject_ref=f"PV-LOAD-{case_id[:8].upper()}",
            region=region,
            mobile_unit=f"{region}-unit",
            municipality=REGION_SEATS[region],
            is_minor=minor,
            sex="male" if minor else "female",
            age=15 if minor else 24,
            nationality="AL",
            indicators=["deceptive_recruitment", "documents_withheld"],
        )
        for _attempt in range(ATTEMPTS):
            try:
                self.service.open_case(
                    identification,
                    occurred_at=occurred,
                    case_id=case_id,
                    correlation_id=correlation,
                    **worker(region),
                )
                break
            except VersionConflict:
                # The id is taken: only by our own earlier attempt, if that
                # committed although its connection broke before the answer.
                if not self._recorded(case_id, correlation):
                    raise
                break
            except TRANSIENT:
                self._outage()
                if self._recorded(case_id, correlation):
                    break
        else:
            raise AssertionError(f"identify {case_id} kept failing")
        self.stats.recorded += 1
        self.stats.identified += 1
        self.stats.minors += minor
        self.open.append(OpenCase(case_id, region, minor))

    def _step(self, case: OpenCase) -> None:
        command, actor, fields = STEPS[case.steps_done](case)
        correlation = uuid.UUID(int=self.rng.getrandbits(128), version=4).hex
        for _attempt in range(ATTEMPTS):
            try:
                events = self.service.app.case_events(case.case_id)
                if any(e.correlation_id == correlation for e in events):
                    break  # an earlier attempt committed before its answer was lost
                self.service.run(
                    command_named(command)(**fields),
                    case.case_id,
                    expected_version=events[-1].originator_version,
                    occurred_at=self.service.clock.now(),
                    correlation_id=correlation,
                    **actor,
                )
                break
            except VersionConflict:
                self.stats.conflicts += 1
            except TRANSIENT:
                self._outage()
        else:
            raise AssertionError(f"{command} on {case.case_id} kept failing")
        case.steps_done += 1
        self.stats.recorded += 1

    def _recorded(self, case_id: str, correlation: str) -> bool:
        for _attempt in range(ATTEMPTS):
            try:
                events = self.service.app.case_events(case_id)
            except CaseNotFound:
                return False
            except TRANSIENT:
                self._outage()
                continue
            return any(e.correlation_id == correlation for e in events)
        raise AssertionError(f"could not read case {case_id}")

    def _outage(self) -> None:
        self.stats.outages += 1
        self._stop.wait(0.25)


Step = tuple[str, dict[str, str], dict[str, Any]]


def _consent(case: OpenCase) -> Step:
    given_by = "guardian" if case.minor else "subject"
    return (
        "record_consent",
        worker(case.region),
        {"scope": "services", "given_by": given_by},
    )


def _risk(case: OpenCase) -> Step:
    return ("assess_risk", worker(case.region), {"level": "high"})


def _refer(case: OpenCase) -> Step:
    return (
        "refer",
        worker(case.region),
        {
            "referral_id": f"R-{case.case_id[:8]}",
            "service": "shelter_accommodation",
            "agency": AGENCY,
        },
    )


def _accept(case: OpenCase) -> Step:
    return ("accept_referral", SHELTER, {"referral_id": f"R-{case.case_id[:8]}"})


def _status(case: OpenCase) -> Step:
    return ("determine_status", RA, {"status": "potential_victim"})


STEPS = (_consent, _risk, _refer, _accept, _status)
