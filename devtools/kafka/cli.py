"""``python -m devtools.kafka`` and ``vatra kafka``: fetch, start, stop, status.

``main`` takes options (``--data-dir``, ``--port``...); ``script_main`` takes
the arguments of ``deploy/kafka/kafka.sh`` (``start [DATA_DIR] [PORT]``...),
with its defaults (``var/kafka`` under the repository root, port 9092).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from devtools.kafka.jars import DEPLOY_DIR, LocalKafkaError, fetch_jars
from devtools.kafka.process import LocalKafka

# What deploy/kafka/kafka.sh and ``vatra kafka`` use when not told.
DEFAULT_PORT = 9092


DEFAULT_DATA_DIR = DEPLOY_DIR.parent.parent / "var" / "kafka"


SCRIPT_USAGE = """\
usage: vatra kafka fetch                    resolve jars into deploy/kafka/libs/
       vatra kafka start [DATA_DIR] [PORT]  format if needed, start, wait;
                                            prints the bootstrap address
       vatra kafka stop [DATA_DIR]          SIGTERM, then SIGKILL after 30 s
       vatra kafka status [DATA_DIR]        exit 0 running, 3 stopped
DATA_DIR defaults to var/kafka under the repository root, PORT to 9092
(as deploy/kafka/kafka.sh)."""


def main(argv: Sequence[str] | None = None, out: IO[str] = sys.stdout) -> int:
    """``python -m devtools.kafka {fetch,start,stop,status}``.

    ``start`` prints the bootstrap address on stdout (and nothing else); the
    broker keeps running after this process exits. ``status`` exits 0 when
    the node runs and 3 when it does not.
    """
    parser = argparse.ArgumentParser(prog="python -m devtools.kafka")
    parser.add_argument("--deploy-dir", type=Path, default=DEPLOY_DIR)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch", help="resolve the Kafka jars from Maven Central")
    for name in ("start", "stop", "status"):
        command = commands.add_parser(name, help=f"{name} a single local node")
        command.add_argument("--data-dir", type=Path, default=Path("var/kafka"))
        command.add_argument("--timeout", type=float, default=60.0)
        if name == "start":
            command.add_argument("--port", type=int, default=None)
            command.add_argument("--controller-port", type=int, default=None)
            command.add_argument(
                "--full-jit",
                action="store_true",
                help="use the C2 compiler too: slower start, faster broker",
            )
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(fetch_jars(args.deploy_dir), file=out)
            return 0
        kafka = LocalKafka(
            args.data_dir,
            port=getattr(args, "port", None),
            controller_port=getattr(args, "controller_port", None),
            deploy_dir=args.deploy_dir,
            detached=True,
            quick_start=not getattr(args, "full_jit", False),
        )
        if args.command == "start":
            kafka.start(args.timeout)
            print(kafka.bootstrap_servers, file=out)
        elif args.command == "stop":
            kafka.stop(args.timeout)
        elif kafka.is_running:
            print(f"running {kafka.bootstrap_servers} pid {kafka.pid}", file=out)
        else:
            print("stopped", file=out)
            return 3
    except LocalKafkaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def script_arguments(argv: Sequence[str]) -> list[str] | None:
    """``main``'s arguments for the script's (``kafka.sh``, ``vatra kafka``);
    None when they are not a valid use of the script."""
    if not argv:
        return None
    command, rest = argv[0], list(argv[1:])
    if command == "fetch" and not rest:
        return ["fetch"]
    if command not in {"start", "stop", "status"}:
        return None
    if len(rest) > (2 if command == "start" else 1):
        return None
    data_dir = Path(rest[0]).resolve() if rest and rest[0] else DEFAULT_DATA_DIR
    arguments = [command, "--data-dir", str(data_dir)]
    if command == "start":
        port = rest[1] if len(rest) == 2 else str(DEFAULT_PORT)
        if not port.isdigit():
            return None
        arguments += ["--port", port]
    return arguments


def script_main(argv: Sequence[str], out: IO[str] | None = None) -> int:
    """``vatra kafka ...``: what ``deploy/kafka/kafka.sh ...`` does."""
    out = out or sys.stdout
    if list(argv) in (["help"], ["-h"], ["--help"]):
        print(SCRIPT_USAGE, file=out)
        return 0
    arguments = script_arguments(argv)
    if arguments is None:
        print(SCRIPT_USAGE, file=sys.stderr)
        return 2
    return main(arguments, out)
