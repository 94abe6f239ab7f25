"""One local Kafka node: a combined broker+controller KRaft process.

``LocalKafka`` formats its storage (``kafka.tools.StorageTool format``), starts
``java -cp 'libs/*' kafka.Kafka server.properties``, waits until it answers
metadata requests, and stops it (SIGTERM, then SIGKILL). A state file under
its data folder lets another process find and stop it.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from devtools.kafka.jars import (
    DEPLOY_DIR,
    LocalKafkaError,
    fetch_jars,
    java_executable,
    tail,
)
from devtools.kafka.logs import failure_report
from devtools.kafka.probes import HOST, answers_metadata, free_ports, is_kafka_process

if TYPE_CHECKING:
    from devtools.kafka.security import SaslSsl

STATE_FILE = "kafka-local.json"


_PROTOCOL_MAP = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"


_PR_SET_PDEATHSIG = 1


_SINGLE_NODE_PROPERTIES: Mapping[str, str] = {
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
}


def new_kafka_uuid() -> str:
    """A Kafka-style UUID (22 base64url characters), usable as a cluster id."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii")
        if not text.startswith("-"):  # Kafka refuses ids that look like options
            return text.rstrip("=")


@dataclass(frozen=True)
class Voter:
    """One member of a KRaft controller quorum."""

    node_id: int
    port: int
    directory_id: str


@dataclass(frozen=True)
class ControllerQuorum:
    """The initial controllers every node of a multi-node cluster is formatted with."""

    cluster_id: str
    voters: tuple[Voter, ...]

    def bootstrap_servers(self) -> str:
        return ",".join(f"{HOST}:{voter.port}" for voter in self.voters)

    def initial_controllers(self) -> str:
        return ",".join(
            f"{v.node_id}@{HOST}:{v.port}:{v.directory_id}" for v in self.voters
        )

    def voter(self, node_id: int) -> Voter:
        return next(voter for voter in self.voters if voter.node_id == node_id)


class LocalKafka:
    """One combined broker+controller KRaft node on 127.0.0.1.

    Everything lives under ``data_dir``: ``server.properties``, ``data/`` (log
    dirs), ``logs/`` (``server.log`` and the JVM's own output in
    ``kafka.out``) and a state file with the pid and ports, so another process
    can stop the node. Ports not given are taken from that state file, else
    chosen free. Without ``quorum`` the node is a standalone quorum of one.

    Unless ``detached``, the broker gets SIGKILL when the thread that started
    it exits (Linux), so a crashed test run leaves no JVM behind. With
    ``quick_start`` the JVM only uses the C1 compiler: it is ready in about
    half the time on a small machine, at some cost in peak throughput (pass
    False for benchmarks). With ``security`` its client listener is SASL_SSL
    (``devtools.kafka.security``) instead of PLAINTEXT.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        controller_port: int | None = None,
        node_id: int = 1,
        deploy_dir: Path = DEPLOY_DIR,
        heap: str = "512m",
        quorum: ControllerQuorum | None = None,
        properties: Mapping[str, str] | None = None,
        detached: bool = False,
        quick_start: bool = True,
        security: SaslSsl | None = None,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.security = security
        self.node_id = node_id
        self.deploy_dir = deploy_dir
        self.heap = heap
        self.quorum = quorum
        self.detached = detached
        self.quick_start = quick_start
        self._overrides = dict(properties or {})
        self._process: subprocess.Popen[bytes] | None = None
        saved = _read_state(self.data_dir)
        pid = saved.get("pid")
        self._pid = pid if pid and is_kafka_process(pid) else None
        if self._pid is not None:  # a running node keeps the ports it has
            port, controller_port = saved.get("port"), saved.get("controller_port")
        if quorum is not None:
            controller_port = quorum.voter(node_id).port
        self.port = port or saved.get("port") or free_ports(1)[0]
        self.controller_port = (
            controller_port or saved.get("controller_port") or free_ports(1)[0]
        )

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def pid(self) -> int | None:
        return self._pid if self.is_running else None

    @property
    def is_running(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return self._pid is not None and is_kafka_process(self._pid)

    def client_options(self) -> dict[str, Any]:
        """kafka-python's options to reach this node's client listener."""
        options = self.security.client_options() if self.security else {}
        return {"bootstrap_servers": self.bootstrap_servers, **options}

    def properties(self) -> dict[str, str]:
        """The node's ``server.properties``, overrides applied last."""
        client = "SASL_SSL" if self.security else "PLAINTEXT"
        listeners = (
            f"{client}://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}"
        )
        quorum = self.quorum.bootstrap_servers() if self.quorum else None
        return {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "listeners": listeners,
            "advertised.listeners": listeners,
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": _PROTOCOL_MAP,
            "controller.quorum.bootstrap.servers": quorum
            or f"{HOST}:{self.controller_port}",
            "log.dirs": str(self.data_dir / "data"),
            "num.partitions": "1",
            "auto.create.topics.enable": "false",
            "group.initial.rebalance.delay.ms": "0",
            # A killed node is fenced, and may register again, after this
            # session timeout, not the default 9 s: fault tests restart faster.
            "broker.session.timeout.ms": "4000",
            "broker.heartbeat.interval.ms": "1000",
            **_SINGLE_NODE_PROPERTIES,
            **(self._secure_properties() if self.security else {}),
            **self._overrides,
        }

    def _secure_properties(self) -> dict[str, str]:
        assert self.security is not None
        protocols = "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT"
        return {
            "listener.security.protocol.map": protocols,
            **self.security.broker_properties(),
        }

    def start(self, timeout: float = 60.0) -> None:
        """Format storage if needed, launch the JVM, wait until it answers.

        Raises LocalKafkaError with the tail of the broker log if the broker
        exits or does not answer a metadata request within ``timeout`` s.
        """
        if self.is_running:
            return
        libs = fetch_jars(self.deploy_dir)
        run_tools([self.prepare(libs)])
        self.launch(libs)
        self.wait_until_ready(time.monotonic() + timeout)

    def prepare(self, libs: Path) -> list[str] | None:
        """Write server.properties; return the format command if unformatted."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "server.properties"
        config.write_text(
            "".join(f"{key}={value}\n" for key, value in self.properties().items())
        )
        if (self.data_dir / "data" / "meta.properties").is_file():
            return None
        if self.quorum is None:
            cluster = ["--cluster-id", new_kafka_uuid(), "--standalone"]
        else:
            cluster = ["--cluster-id", self.quorum.cluster_id, "--initial-controllers"]
            cluster.append(self.quorum.initial_controllers())
        storage_tool = ["kafka.tools.StorageTool", "format", "--config", str(config)]
        if self.security is not None:
            cluster += self.security.format_arguments()
        java = self._java_command(libs, "256m", quick=True)
        return [*java, *storage_tool, *cluster]

    def launch(self, libs: Path) -> None:
        """Start the broker JVM in the background; ``prepare`` must have run."""
        command = [
            *self._java_command(libs, self.heap, quick=self.quick_start),
            "kafka.Kafka",
            str(self.data_dir / "server.properties"),
        ]
        with (self.log_dir / "kafka.out").open("ab") as out:
            self._process = subprocess.Popen(
                command,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=self.detached,
                # Only a pre-resolved prctl() runs between fork and exec.
                preexec_fn=None if self.detached else _die_with_parent(),  # noqa: PLW1509
            )
        self._pid = self._process.pid
        self._write_state()

    def wait_until_ready(self, deadline: float) -> None:
        """Block until the broker answers a metadata request; kill it on failure."""
        while True:
            if not self.is_running:
                code = self._process.returncode if self._process else None
                self._fail(f"Kafka node {self.node_id} exited (code {code})")
            if answers_metadata(self.client_options()):
                return
            if time.monotonic() > deadline:
                self.kill()
                self._fail(f"Kafka node {self.node_id} did not answer in time")
            time.sleep(0.25)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (controlled shutdown), then SIGKILL after ``timeout`` s."""
        self.terminate()
        if not self.wait_for_exit(timeout):
            self.kill()

    def kill(self) -> None:
        """SIGKILL the broker, as a crash would."""
        self._signal(signal.SIGKILL)
        self.wait_for_exit(10.0)

    def terminate(self) -> None:
        """Send SIGTERM and return at once (``stop`` also waits)."""
        self._signal(signal.SIGTERM)

    def wait_for_exit(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the JVM to exit; False if it still runs."""
        if self._process is not None:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
        else:
            deadline = time.monotonic() + timeout
            while self.is_running:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
        self._write_state()
        return True

    def restart(self, timeout: float = 60.0) -> None:
        self.stop()
        self.start(timeout)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _java_command(self, libs: Path, heap: str, *, quick: bool) -> list[str]:
        return [
            java_executable(),
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            *(["-XX:TieredStopAtLevel=1"] if quick else []),
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.deploy_dir.resolve() / 'log4j2.xml'}",
            f"-Dkafka.logs.dir={self.log_dir}",
            "-cp",
            f"{libs.resolve()}/*",
        ]

    def _signal(self, signum: signal.Signals) -> None:
        if self.is_running and self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signum)

    def _write_state(self) -> None:
        if not self.data_dir.is_dir():
            return
        state = {
            "node_id": self.node_id,
            "pid": self._pid if self.is_running else None,
            "port": self.port,
            "controller_port": self.controller_port,
            "bootstrap_servers": self.bootstrap_servers,
        }
        (self.data_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

    def _fail(self, reason: str) -> None:
        raise LocalKafkaError(failure_report(reason, self.log_dir))


def run_tools(commands: Sequence[list[str] | None]) -> None:
    """Run StorageTool formats in parallel; raise with their output on failure."""
    running = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for command in commands
        if command is not None
    ]
    outputs = [process.communicate()[0] for process in running]
    for process, output in zip(running, outputs, strict=True):
        if process.returncode != 0:
            raise LocalKafkaError(f"kafka storage format failed:\n{tail(output)}")


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGKILL the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork
    sigkill = int(signal.SIGKILL)

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, sigkill)

    return set_death_signal


def _read_state(data_dir: Path) -> dict[str, int]:
    try:
        raw = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    keys = ("node_id", "pid", "port", "controller_port")
    return {key: int(raw[key]) for key in keys if isinstance(raw.get(key), int)}
