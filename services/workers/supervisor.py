"""Long-running workers (relay, projector, notifier, SOP clock) run side by side."""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Protocol

import structlog

from services.workers.shutdown import ShutdownDeadline

log = structlog.get_logger("vatra.workers")


class Worker(Protocol):
    """Something that runs until told to stop."""

    def run(self) -> None: ...

    def stop(self) -> None: ...


class WorkerFailed(RuntimeError):
    """A worker stopped on an error; the process must exit non-zero."""


def run_until_signalled(
    workers: Sequence[Worker], deadline: ShutdownDeadline | None = None
) -> None:
    """Run each worker in its own thread; SIGTERM or SIGINT stops them all.

    When one worker stops on its own, the others are stopped too, so a
    supervisor sees the process exit and restarts it; if it stopped on an
    error, ``WorkerFailed`` names it once every worker has stopped. The signal
    starts ``deadline``: a worker stuck on an unanswering database cannot keep
    the process from ending.
    """
    failures: list[str] = []

    def guarded(worker: Worker) -> None:
        try:
            worker.run()
        except Exception as error:
            log.exception("worker_failed", worker=type(worker).__name__)
            failures.append(f"{type(worker).__name__}: {type(error).__name__}: {error}")

    def stop_all() -> None:
        for worker in workers:
            worker.stop()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        if deadline is not None:
            deadline.start()
        stop_all()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    threads = [
        threading.Thread(target=guarded, args=(w,), name=type(w).__name__, daemon=True)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(timeout=0.5)
        if not all(t.is_alive() for t in threads):
            stop_all()
    if failures:
        raise WorkerFailed("; ".join(failures)[:1000])
