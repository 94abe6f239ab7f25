"""Looking at a local broker from outside: free ports, its process, its metadata."""

from __future__ import annotations

import contextlib
import os
import random
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

HOST = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """Ports free on loopback right now, all distinct, none handed out before.

    They are taken below the kernel's ephemeral range, so that no outgoing
    connection can take one as its local port while the process that listens
    on it is down: a broker or worker restarted after a kill finds its port
    free again.
    """
    low = _ephemeral_low()
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        tries = 0
        while len(ports) < count:
            sock = stack.enter_context(socket.socket())
            tries += 1
            if low - _FIXED_PORTS_LOW < 1024 or tries > 100 * count:
                sock.bind((HOST, 0))  # no room below the range: the kernel chooses
            else:
                port = random.randrange(_FIXED_PORTS_LOW, low)
                if port in _HANDED_OUT:
                    continue
                try:
                    sock.bind((HOST, port))
                except OSError:
                    continue  # taken: try another
            ports.append(int(sock.getsockname()[1]))
        _HANDED_OUT.update(ports)
        return ports


# Ports from here up to the ephemeral range are ours to choose from.
_FIXED_PORTS_LOW = 10_000
_HANDED_OUT: set[int] = set()


def _ephemeral_low(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> int:
    """The lowest port the kernel gives outgoing connections (Linux's default
    32768 where it cannot be read)."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


@contextlib.contextmanager
def probe_admin(options: str | Mapping[str, Any]) -> Iterator[Any]:
    """A short-timeout admin client (api_version left to negotiation), or None.

    ``options``: the bootstrap servers, or kafka-python's client options
    (``bootstrap_servers`` and, for a secured listener, its security).
    """
    if isinstance(options, str):
        options = {"bootstrap_servers": options}
    try:
        admin = KafkaAdminClient(
            **options,
            client_id="vatra-kafka-local-probe",
            request_timeout_ms=5000,
            bootstrap_timeout_ms=3000,
        )
    except (KafkaError, OSError):
        yield None
        return
    try:
        yield admin
    finally:
        admin.close()


def answers_metadata(options: str | Mapping[str, Any]) -> bool:
    """The broker at ``options`` (servers, or client options) lists topics."""
    if isinstance(options, str):
        options = {"bootstrap_servers": options}
    host, port = str(options["bootstrap_servers"]).split(",")[0].rsplit(":", 1)
    with socket.socket() as probe:
        probe.settimeout(1.0)
        if probe.connect_ex((host, int(port))) != 0:
            return False
    with probe_admin(options) as admin:
        if admin is None:
            return False
        try:
            admin.list_topics()
        except (KafkaError, OSError):
            return False
        return True


def broker_ids(bootstrap_servers: str) -> set[int]:
    with probe_admin(bootstrap_servers) as admin:
        if admin is None:
            return set()
        try:
            brokers = admin.describe_cluster()["brokers"]
        except (KafkaError, OSError):
            return set()
        return {int(broker["broker_id"]) for broker in brokers}


def is_kafka_process(pid: int) -> bool:
    """True if ``pid`` is a live (not zombie) kafka.Kafka JVM."""
    proc = Path("/proc") / str(pid)
    if not proc.is_dir():
        if Path("/proc/self").is_dir():
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    try:
        status = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        arguments = (proc / "cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError):
        return False
    return status not in {"Z", "X"} and b"kafka.Kafka" in arguments
