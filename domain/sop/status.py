"""The states an obligation can be in."""

from __future__ import annotations

from enum import StrEnum


class ObligationStatus(StrEnum):
    """Where an obligation stands.

    ``open``: not yet met, deadline not reached (or time not judged).
    ``warning``: not yet met, the warning point has passed.
    ``met``: fulfilled in time (a ``not_before`` period ended unbroken).
    ``met_late``: fulfilled after the deadline.
    ``breached``: the deadline passed unmet, or a forbidden event occurred.
    ``cancelled``: a cancelling event occurred before it was met or due.
    """

    OPEN = "open"
    WARNING = "warning"
    MET = "met"
    MET_LATE = "met_late"
    BREACHED = "breached"
    CANCELLED = "cancelled"
