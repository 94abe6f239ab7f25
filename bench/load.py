"""A background load: generated case steps recorded at a steady rate by another process.

The cases are identified first, in bulk and as if long ago (their events carry
the generator's 2025 times, so the notifier skips them as too old to alert,
as it would any old case); the load then records the rest of each case's
script (consent, notifications, referrals, services, status, closing,
follow-ups) through the application service from ``clients`` threads, paced
to ``rate`` commands a second in total. None of these steps alerts anyone
(the generator's agency and workers are not in the directory), so the alerts
a figure measures do not queue behind alerts of the load, while the relay and
the notifier's intake carry every one of its events.

The load runs in a process of its own so that its Python threads do not
share the measuring process's interpreter lock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import Any

from bench.figures import _app
from bench.generator import Script, build_case, scripts
from bench.stack import ROOT
from domain.clock import SystemClock
from domain.commands import command_named
from services.app.errors import VersionConflict
from services.app.service import CaseService
from services.config.logs import configure_logging
from services.config.settings import SessionTimeouts
from services.store.database import Database

# The load's scripts, the same in ``identify_all`` and in the load's process.
SEED = 20261201


def identify_all(db: Database, cases: int) -> None:
    """Record the identification of each of the load's ``cases``, in bulk."""
    app = _app(db)
    batch = []
    for script in scripts(cases, SEED):
        batch.append(build_case(Script(script.case_id, script.start, script.steps[:1])))
        if len(batch) == 100:
            app.save(*batch)
            batch = []
    if batch:
        app.save(*batch)
    app.close()


@dataclass(frozen=True)
class LoadResult:
    commands: int
    seconds: float
    error: str = ""

    @property
    def rate(self) -> float:
        return self.commands / self.seconds if self.seconds else 0.0


class BackgroundLoad:
    """Records the later steps of the identified cases while the block runs.

    The load is ``python -m bench.load`` in a process of its own: it reads its
    plan from the first line of its standard input and stops when that input
    closes, then answers with what it did on its output.
    """

    def __init__(self, db: Database, cases: int, rate: float, clients: int = 8) -> None:
        self.plan = {
            "db": asdict(db),
            "cases": cases,
            "rate": rate,
            "clients": clients,
        }
        self.result = LoadResult(0, 0.0)
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> BackgroundLoad:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.load"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(self.plan) + "\n")
        self._process.stdin.flush()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        assert self._process is not None
        try:
            out, _err = self._process.communicate(timeout=60)  # closes its stdin
            self.result = LoadResult(**json.loads(out.strip().splitlines()[-1]))
        except (subprocess.TimeoutExpired, ValueError, IndexError) as error:
            self._process.kill()
            self._process.wait(timeout=10)
            self.result = LoadResult(0, 0.0, f"no result ({type(error).__name__})")


def main() -> int:
    """Record steps as the plan on the first input line says until input closes."""
    configure_logging("ERROR", "json")
    plan = json.loads(sys.stdin.readline())
    stop = threading.Event()

    def watch_input() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_input, daemon=True).start()
    result = record_steps(
        _database(plan["db"]), plan["cases"], plan["rate"], plan["clients"], stop
    )
    print(json.dumps(asdict(result)), flush=True)
    return 0


def _database(fields: dict[str, Any]) -> Database:
    """The ``Database`` the parent process sent as JSON (``asdict``)."""
    return Database(**{**fields, "timeouts": SessionTimeouts(**fields["timeouts"])})


def record_steps(
    db: Database, cases: int, rate: float, clients: int, stop: threading.Event
) -> LoadResult:
    """Record the later steps of the load's cases at ``rate`` until ``stop``."""
    app = _app(db)
    service = CaseService(app, SystemClock())
    plan = list(scripts(cases, SEED))
    counts = [0] * clients
    errors: list[str] = []
    started = time.monotonic()

    def client(c: int) -> Callable[[], None]:
        def run() -> None:
            interval = clients / rate
            next_at = started + c * interval / clients
            try:
                for script in plan[c::clients]:
                    version = 1
                    for index in range(1, len(script.steps)):
                        delay = next_at - time.monotonic()
                        if stop.wait(max(delay, 0.0)):
                            return
                        # Behind by more than a second: do not burst to catch up.
                        next_at = max(next_at + interval, time.monotonic() - 1.0)
                        version = _execute(service, script, index, version)
                        counts[c] += 1
            except Exception as error:  # reported with the result, not swallowed
                errors.append(f"{type(error).__name__}: {error}"[:300])

        return run

    threads = [threading.Thread(target=client(c)) for c in range(clients)]
    for thread in threads:
        thread.start()
    stop.wait()
    seconds = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=30)
    app.close()
    return LoadResult(sum(counts), seconds, "; ".join(errors[:3]))


def _execute(service: CaseService, script: Script, index: int, version: int) -> int:
    step = script.steps[index]
    moment = script.start + step.at
    fields: dict[str, Any] = dict(step.fields)
    for _attempt in range(5):
        try:
            result = service.run(
                command_named(step.command)(**fields),
                str(script.case_id),
                expected_version=version,
                actor_id=step.actor[0],
                actor_role=step.actor[1],
                occurred_at=moment,
            )
            return int(result["version"])
        except VersionConflict:
            version = int(service.case(str(script.case_id))["version"])
    raise VersionConflict(
        f"case {script.case_id} kept changing", expected=version, actual=None
    )


if __name__ == "__main__":
    sys.exit(main())
