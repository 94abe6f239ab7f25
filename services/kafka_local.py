"""Run a real Apache Kafka (KRaft) on loopback: one node, or a three-node cluster.

Integration tests, fault tests and the CLI need a real broker, not a fake. The
jars come from Maven Central through ``deploy/kafka/pom.xml`` (``fetch_jars``);
a node is a combined broker+controller started with
``java -cp 'libs/*' kafka.Kafka server.properties`` after
``kafka.tools.StorageTool format``. Nothing here runs at import time.

In Python::

    with LocalKafka(tmp_path / "kafka") as kafka:        # free ports, 512 MiB heap
        use(kafka.bootstrap_servers)                      # "127.0.0.1:<port>"

    with LocalKafkaCluster(tmp_path / "cluster") as cluster:
        cluster.kill_node(0)                              # SIGKILL node id 1
        cluster.start_node(0)

From a shell (``deploy/kafka/kafka.sh`` wraps this)::

    python -m services.kafka_local start --data-dir var/kafka --port 9092
    python -m services.kafka_local stop --data-dir var/kafka

``vatra kafka`` takes the script's arguments (``script_main``):
``fetch``, ``start [DATA_DIR] [PORT]``, ``stop [DATA_DIR]``,
``status [DATA_DIR]``, with the script's defaults (``var/kafka`` under the
repository root, port 9092).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy" / "kafka"
HOST = "127.0.0.1"
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
_CLUSTER_PROPERTIES: Mapping[str, str] = {
    "default.replication.factor": "3",
    "min.insync.replicas": "2",
    "offsets.topic.replication.factor": "3",
    "transaction.state.log.replication.factor": "3",
    "transaction.state.log.min.isr": "2",
    "share.coordinator.state.topic.replication.factor": "3",
    "share.coordinator.state.topic.min.isr": "2",
}


class LocalKafkaError(RuntimeError):
    """Kafka could not be fetched, started or stopped; the message says why."""


def new_kafka_uuid() -> str:
    """A Kafka-style UUID (22 base64url characters), usable as a cluster id."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii")
        if not text.startswith("-"):  # Kafka refuses ids that look like options
            return text.rstrip("=")


def fetch_jars(deploy_dir: Path = DEPLOY_DIR) -> Path:
    """Resolve the broker jars into ``deploy_dir/libs`` and return that folder.

    Idempotent: Maven runs only when the libs are missing or the pom changed
    since the last fetch (its hash is stamped into libs/).
    """
    java_executable()
    pom = deploy_dir / "pom.xml"
    if not pom.is_file():
        raise LocalKafkaError(f"no Kafka pom at {pom}")
    libs = deploy_dir / "libs"
    libs.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    stamp = libs / ".pom.sha256"
    with _file_lock(libs / ".fetch.lock"):
        current = stamp.is_file() and stamp.read_text().strip() == digest
        if current and any(libs.glob("kafka_2.13-*.jar")):
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalKafkaError(
                "Maven (mvn) is not on PATH: install Maven 3.8+ to fetch the Kafka "
                f"jars, or copy them into {libs}"
            )
        for jar in libs.glob("*.jar"):  # never mix two Kafka versions on a classpath
            jar.unlink()
        command = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies"]
        result = subprocess.run(
            [*command, f"-DoutputDirectory={libs}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not any(libs.glob("kafka_2.13-*.jar")):
            raise LocalKafkaError(
                f"mvn could not resolve the Kafka jars (exit {result.returncode}):\n"
                + _tail(result.stdout + result.stderr)
            )
        stamp.write_text(digest + "\n")
    return libs


def java_executable() -> str:
    """The ``java`` to run Kafka with: ``$JAVA_HOME/bin/java``, else PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise LocalKafkaError("java is not on PATH: Kafka 4 needs Java 17 or newer")
    return java


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
    False for benchmarks).
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
    ) -> None:
        self.data_dir = data_dir.resolve()
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
        self._pid = pid if pid and _is_kafka_process(pid) else None
        if self._pid is not None:  # a running node keeps the ports it has
            port, controller_port = saved.get("port"), saved.get("controller_port")
        if quorum is not None:
            controller_port = quorum.voter(node_id).port
        self.port = port or saved.get("port") or _free_ports(1)[0]
        self.controller_port = (
            controller_port or saved.get("controller_port") or _free_ports(1)[0]
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
        return self._pid is not None and _is_kafka_process(self._pid)

    def properties(self) -> dict[str, str]:
        """The node's ``server.properties``, overrides applied last."""
        listeners = (
            f"PLAINTEXT://{HOST}:{self.port},CONTROLLER://{HOST}:{self.controller_port}"
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
            **self._overrides,
        }

    def start(self, timeout: float = 60.0) -> None:
        """Format storage if needed, launch the JVM, wait until it answers.

        Raises LocalKafkaError with the tail of the broker log if the broker
        exits or does not answer a metadata request within ``timeout`` s.
        """
        if self.is_running:
            return
        libs = fetch_jars(self.deploy_dir)
        _run_tools([self.prepare(libs)])
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
            if _answers_metadata(self.bootstrap_servers):
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
        out, server = (
            _read(self.log_dir / "kafka.out"),
            _read(self.log_dir / "server.log"),
        )
        # Shutdown chatter buries the cause: show the first errors, then the tail.
        errors = _error_lines(server)[:20]
        raise LocalKafkaError(
            f"{reason}\n--- {self.log_dir / 'kafka.out'} ---\n{_tail(out)}\n"
            f"--- errors in {self.log_dir / 'server.log'} ---\n"
            + "\n".join(errors)
            + f"\n--- tail of server.log ---\n{_tail(server, 30)}"
        )


class LocalKafkaCluster:
    """Three KRaft nodes on loopback, each broker+controller, one shared quorum.

    Topics default to replication factor 3 with ``min.insync.replicas=2``, so
    producing with ``acks="all"`` survives one node down. Nodes are addressed
    by index 0-2; node ids are index + 1.
    """

    SIZE = 3

    def __init__(
        self,
        base_dir: Path,
        *,
        deploy_dir: Path = DEPLOY_DIR,
        heap: str = "384m",
        quick_start: bool = True,
    ) -> None:
        ports = _free_ports(2 * self.SIZE)
        self.quorum = ControllerQuorum(
            cluster_id=new_kafka_uuid(),
            voters=tuple(
                Voter(
                    node_id=i + 1,
                    port=ports[self.SIZE + i],
                    directory_id=new_kafka_uuid(),
                )
                for i in range(self.SIZE)
            ),
        )
        self.deploy_dir = deploy_dir
        self.nodes = tuple(
            LocalKafka(
                base_dir / f"node-{i + 1}",
                port=ports[i],
                node_id=i + 1,
                deploy_dir=deploy_dir,
                heap=heap,
                quorum=self.quorum,
                properties=_CLUSTER_PROPERTIES,
                quick_start=quick_start,
            )
            for i in range(self.SIZE)
        )

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(node.bootstrap_servers for node in self.nodes)

    def start(self, timeout: float = 90.0) -> None:
        """Format and launch every node together (a quorum needs a majority)."""
        deadline = time.monotonic() + timeout
        libs = fetch_jars(self.deploy_dir)
        _run_tools([node.prepare(libs) for node in self.nodes])
        try:
            for node in self.nodes:
                if not node.is_running:
                    node.launch(libs)
            for node in self.nodes:
                node.wait_until_ready(deadline)
            self._wait_for_brokers(deadline)
        except BaseException:
            for node in self.nodes:
                node.kill()
            raise

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM every node at once, then SIGKILL whatever is left."""
        for node in self.nodes:
            node.terminate()
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            if not node.wait_for_exit(max(0.0, deadline - time.monotonic())):
                node.kill()

    def kill_node(self, index: int) -> None:
        """SIGKILL one node, as a crash would."""
        self.nodes[index].kill()

    def start_node(self, index: int, timeout: float = 60.0) -> None:
        """Start a stopped node and wait until the cluster lists it again."""
        self.nodes[index].start(timeout)
        self._wait_for_brokers(time.monotonic() + timeout)

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

    def _wait_for_brokers(self, deadline: float) -> None:
        running = [node for node in self.nodes if node.is_running]
        expected = {node.node_id for node in running}
        seen: set[int] = set()
        while time.monotonic() < deadline:
            seen = _broker_ids(",".join(node.bootstrap_servers for node in running))
            if seen == expected:
                return
            time.sleep(0.25)
        raise LocalKafkaError(f"cluster lists brokers {seen}, expected {expected}")


@contextlib.contextmanager
def _probe_admin(bootstrap_servers: str) -> Iterator[Any]:
    """A short-timeout admin client (api_version left to negotiation), or None."""
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
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


def _answers_metadata(bootstrap_servers: str) -> bool:
    host, port = bootstrap_servers.rsplit(":", 1)
    with socket.socket() as probe:
        probe.settimeout(1.0)
        if probe.connect_ex((host, int(port))) != 0:
            return False
    with _probe_admin(bootstrap_servers) as admin:
        if admin is None:
            return False
        try:
            admin.list_topics()
        except (KafkaError, OSError):
            return False
        return True


def _broker_ids(bootstrap_servers: str) -> set[int]:
    with _probe_admin(bootstrap_servers) as admin:
        if admin is None:
            return set()
        try:
            brokers = admin.describe_cluster()["brokers"]
        except (KafkaError, OSError):
            return set()
        return {int(broker["broker_id"]) for broker in brokers}


def _run_tools(commands: Sequence[list[str] | None]) -> None:
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
            raise LocalKafkaError(f"kafka storage format failed:\n{_tail(output)}")


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGKILL the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork
    sigkill = int(signal.SIGKILL)

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, sigkill)

    return set_death_signal


def _is_kafka_process(pid: int) -> bool:
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


def _free_ports(count: int) -> list[int]:
    """Ports free on loopback right now, all distinct."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_state(data_dir: Path) -> dict[str, int]:
    try:
        raw = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    keys = ("node_id", "pid", "port", "controller_port")
    return {key: int(raw[key]) for key in keys if isinstance(raw.get(key), int)}


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


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def main(argv: Sequence[str] | None = None, out: IO[str] = sys.stdout) -> int:
    """``python -m services.kafka_local {fetch,start,stop,status}``.

    ``start`` prints the bootstrap address on stdout (and nothing else); the
    broker keeps running after this process exits. ``status`` exits 0 when
    the node runs and 3 when it does not.
    """
    parser = argparse.ArgumentParser(prog="python -m services.kafka_local")
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


if __name__ == "__main__":
    raise SystemExit(main())
