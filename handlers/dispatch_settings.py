"""How the dispatcher sends, as data: the notifier's settings build it without
loading the dispatcher (and its channels, templates and metrics)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DispatchSettings:
    """How the dispatcher sends: lanes, lease, retries and their back-off."""

    batch_size: int = 20
    interval: float = 0.5
    max_attempts: int = 6
    backoff_base: float = 5.0
    backoff_max: float = 900.0
    # A claim is short and renewed while its send lasts (every third of it):
    # a notifier that dies holds its alerts in flight for at most this long.
    lease: float = 6.0
    # Alerts sent at once, each claimed alone just before its send; the first
    # ``urgent_senders`` of them take only police alerts.
    senders: int = 4
    urgent_senders: int = 1
