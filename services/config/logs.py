"""structlog set-up: JSON lines on stderr, one per event, no personal data.

Events never carry names or contacts, and log calls name cases by id only; a
redacting processor still drops any key that could carry personal data, in
case one slips into a log call. The Kafka client library logs through the
standard library; its lines are rendered by the same processors, as JSON
lines with ``logger`` naming the library's module.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys that may hold personal data; their values never reach a log line.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "full_name",
        "first_name",
        "last_name",
        "date_of_birth",
        "dob",
        "phone",
        "email_address",
        "address",
        "contact",
        "document_number",
        "notes",
        # The person's attributes: together they identify someone.
        "sex",
        "age",
        "birth_year",
        "nationality",
    }
)


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace the value of any personal-data key with ``[redacted]``."""
    for key in PERSONAL_KEYS & event_dict.keys():
        event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Configure structlog and the standard library's logging once per process."""
    numeric = logging.getLevelName(level)
    if not isinstance(numeric, int):
        numeric = logging.INFO
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal_data,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        # The stderr of the moment, not of the set-up: a test harness or a
        # daemon may swap it after logging was configured.
        logger_factory=_current_stderr_logger,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr)
    # kafka-python reports every reconnect and coordinator move as a warning;
    # our own components log what matters about the broker.
    kafka = logging.getLogger("kafka")
    kafka.setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.ERROR)
    _route_through_structlog(kafka, shared, renderer)


def _current_stderr_logger(*_args: Any) -> structlog.PrintLogger:
    return structlog.PrintLogger(sys.stderr)


class _StructlogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Renders standard-library records with structlog's processors, on the
    process's stderr of the moment (as structlog's own lines)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _route_through_structlog(
    logger: logging.Logger, shared: list[Any], renderer: Any
) -> None:
    """Send ``logger``'s records (and its children's) to stderr as structlog
    renders them, instead of the root logger's plain text."""
    for handler in [h for h in logger.handlers if isinstance(h, _StructlogHandler)]:
        logger.removeHandler(handler)
    handler = _StructlogHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    logger.addHandler(handler)
    logger.propagate = False
