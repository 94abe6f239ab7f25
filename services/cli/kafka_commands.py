"""Kafka for operators and developers: ``vatra topics``, ``vatra kafka``."""

from __future__ import annotations

import argparse
import sys

from services.config.logs import configure_logging
from services.config.settings import SettingsError, load_settings, secret_values


def cmd_topics(_args: argparse.Namespace) -> int:
    """Create the backbone's Kafka topics if they do not exist."""
    settings = load_settings()
    configure_logging(
        settings.log_level, settings.log_format, secrets=secret_values(settings)
    )
    if settings.kafka is None:
        raise SettingsError("KAFKA_BOOTSTRAP_SERVERS is not set")
    # Imported once the settings are known good: kafka-python is slow to load.
    from services.kafka.topics import ensure_topics  # noqa: PLC0415

    created = ensure_topics(settings.kafka)
    print("created: " + (", ".join(created) if created else "none (all exist)"))
    return 0


def cmd_kafka(args: argparse.Namespace) -> int:
    """A local single-node Kafka for development: fetch, start, stop, status,
    with the arguments and defaults of ``deploy/kafka/kafka.sh``."""
    # A development tool, imported only here: a source checkout has it.
    from services.cli.dev_tools import KAFKA_TOOL_MISSING, kafka_script  # noqa: PLC0415

    script_main = kafka_script()
    if script_main is None:
        print(f"vatra: {KAFKA_TOOL_MISSING}", file=sys.stderr)
        return 3
    return script_main(args.kafka_args)
