"""The backbone's workers as real ``vatra`` processes that a test kills and restarts.

Each process logs (JSON lines on stderr) to a file of its own, appended to
across restarts, so a failure can show what the process said. A process that
exits when nobody killed it is a fault the backbone failed to ride out: it is
counted, restarted (so the scenario can finish and show what else broke) and
reported by ``check_no_unexpected_exits``.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from devtools.kafka.probes import free_ports

ROOT = Path(__file__).resolve().parents[2]
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """Ask Linux to SIGKILL a worker when the test process dies, so that an
    interrupted run leaves no worker behind."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork
    sigkill = int(signal.SIGKILL)

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, sigkill)

    return set_death_signal


_DIE_WITH_PARENT = _die_with_parent()


class VatraProcess:
    """One ``vatra`` command (``python -m services.cli.main ...``), restartable."""

    def __init__(
        self, name: str, args: Iterable[str], env: Mapping[str, str], log: Path
    ) -> None:
        self.name = name
        self.args = list(args)
        # A port of its own for /health/live: it tells when the process is up
        # (its signal handlers are installed right after the server starts).
        # It is outside the ephemeral range, so it is still free on a restart.
        self.port = free_ports(1)[0]
        self.env = {**env, "VATRA_METRICS_PORT": str(self.port)}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.unexpected_exits: list[int] = []
        self._down = False  # killed or stopped on purpose, not yet restarted

    def start(self) -> None:
        assert not self.alive, f"{self.name} is already running"
        self._down = False
        with self.log.open("ab") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli.main", *self.args],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                # Only a pre-resolved prctl() runs between fork and exec.
                preexec_fn=_DIE_WITH_PARENT,  # noqa: PLW1509
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def is_live(self) -> bool:
        url = f"http://127.0.0.1:{self.port}/health/live"
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return bool(answer.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def wait_live(self, timeout: float = 90.0) -> float:
        """Wait until the process serves /health/live; return the seconds taken."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.is_live():
                return time.monotonic() - started
            assert self.alive, f"{self.name} exited while starting:\n{self.log_tail()}"
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not come up:\n{self.log_tail()}")

    def settle(self, timeout: float = 30.0) -> None:
        """Give a process that is starting the time to install its signal
        handlers, so that SIGTERM finds them; never raises."""
        deadline = time.monotonic() + timeout
        while self.alive and not self.is_live() and time.monotonic() < deadline:
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: no clean-up of any kind."""
        assert self.process is not None
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._down = True
        self.kills += 1

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM (once) and wait; return the exit code (0 is a clean stop)."""
        if self.process is None:
            return 0  # never started
        self.terminate()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            return -9

    def terminate(self) -> None:
        """Send SIGTERM once and return at once (``stop`` also waits).

        Once only: a second SIGTERM that lands while Python is finalising
        (its handlers are back to the default by then) would kill the process
        and hide a clean exit.
        """
        if self.process is not None and self.alive and not self._down:
            self.process.send_signal(signal.SIGTERM)
        self._down = True

    def watch(self) -> None:
        """Restart the process if it exited on its own, and remember that it did."""
        if self.process is not None and not self._down and not self.alive:
            self.unexpected_exits.append(self.process.returncode)
            self.start()

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class Workers:
    """The processes of one scenario, by name."""

    def __init__(self, processes: Iterable[VatraProcess]) -> None:
        self.by_name = {p.name: p for p in processes}

    def __getitem__(self, name: str) -> VatraProcess:
        return self.by_name[name]

    def __iter__(self) -> Iterator[VatraProcess]:
        return iter(self.by_name.values())

    @property
    def names(self) -> list[str]:
        return list(self.by_name)

    def start(self) -> None:
        for process in self.by_name.values():
            process.start()

    def watch(self) -> None:
        for process in self.by_name.values():
            process.watch()

    def wait_live(self) -> None:
        for process in self.by_name.values():
            process.wait_live()

    def stop(self) -> dict[str, int]:
        """SIGTERM every process (all at once, once each is up), then collect
        the exit codes. Never leaves a process behind, whatever happened."""
        for process in self.by_name.values():
            process.settle()
        for process in self.by_name.values():
            process.terminate()
        return {name: p.stop() for name, p in self.by_name.items()}

    def kill_all(self) -> None:
        for process in self.by_name.values():
            if process.alive:
                process.kill()

    def check_no_unexpected_exits(self) -> None:
        exits = {
            p.name: p.unexpected_exits
            for p in self.by_name.values()
            if p.unexpected_exits
        }
        assert not exits, "processes exited on their own (exit codes): " + "; ".join(
            f"{name} {codes}:\n{self[name].log_tail()}" for name, codes in exits.items()
        )


def sleep_watching(workers: Workers, seconds: float) -> None:
    """Sleep ``seconds`` while restarting (and counting) any process that died."""
    deadline = time.monotonic() + seconds
    while True:
        workers.watch()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.2))
