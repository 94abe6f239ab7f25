"""A progress bar on stderr for long work (rebuilds, replays)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``[#######.....]  58%  5,800/10,000 events  1,930/s``, redrawn in place."""

    def __init__(
        self,
        label: str,
        stream: TextIO | None = None,
        width: int = 30,
        unit: str = "events",
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last_draw < 0.2:
            return
        self._last_draw = now
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        rate = done / max(now - self.started, 1e-9)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {fraction:4.0%}  {done:,}/{total:,} {self.unit}"
            f"  {rate:,.0f}/s"
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
