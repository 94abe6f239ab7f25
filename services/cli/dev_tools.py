"""Finding the development tools of a source checkout (``vatra kafka``).

``devtools/`` is not installed with the package: it is found beside the
installed ``services`` package when that is a source checkout (an editable
install, or running from the repository root), and nowhere otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]

KAFKA_TOOL_MISSING = (
    "vatra kafka is a development tool of the source checkout (devtools/kafka/), "
    "not installed with the package: run it from a checkout of Vatra Backbone "
    "(make install there), or point KAFKA_BOOTSTRAP_SERVERS at a running Kafka"
)

KafkaScript = Callable[[Sequence[str]], int]


def kafka_script(checkout: Path | None = None) -> KafkaScript | None:
    """``devtools.kafka.cli.script_main`` from the checkout; None without one."""
    checkout = checkout or CHECKOUT
    if not (checkout / "devtools" / "kafka" / "cli.py").is_file():
        return None
    if str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    from devtools.kafka.cli import script_main  # noqa: PLC0415

    return script_main
