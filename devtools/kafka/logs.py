"""What a local broker that failed to start left in its logs."""

from __future__ import annotations

from pathlib import Path

from devtools.kafka.jars import tail


def failure_report(reason: str, log_dir: Path) -> str:
    """``reason``, then the JVM's output and the broker log's first errors and
    tail: shutdown chatter buries the cause, so the errors come first."""
    out, server = _read(log_dir / "kafka.out"), _read(log_dir / "server.log")
    errors = _error_lines(server)[:20]
    return (
        f"{reason}\n--- {log_dir / 'kafka.out'} ---\n{tail(out)}\n"
        f"--- errors in {log_dir / 'server.log'} ---\n"
        + "\n".join(errors)
        + f"\n--- tail of server.log ---\n{tail(server, 30)}"
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return "(missing)"


def _error_lines(log: str) -> list[str]:
    """ERROR entries of a Kafka log with their exception message and causes."""
    lines = log.splitlines()
    return [
        line
        for before, line in zip(["", *lines], lines, strict=False)
        if "] ERROR " in line
        or line.startswith("Caused by:")
        or ("] ERROR " in before and not line.startswith(("[", "\t")))
    ]
