"""Three local Kafka nodes sharing one controller quorum (the fault tests')."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from devtools.kafka.jars import DEPLOY_DIR, LocalKafkaError, fetch_jars
from devtools.kafka.probes import broker_ids, free_ports
from devtools.kafka.process import (
    ControllerQuorum,
    LocalKafka,
    Voter,
    new_kafka_uuid,
    run_tools,
)

_CLUSTER_PROPERTIES: Mapping[str, str] = {
    "default.replication.factor": "3",
    "min.insync.replicas": "2",
    "offsets.topic.replication.factor": "3",
    "transaction.state.log.replication.factor": "3",
    "transaction.state.log.min.isr": "2",
    "share.coordinator.state.topic.replication.factor": "3",
    "share.coordinator.state.topic.min.isr": "2",
}


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
        ports = free_ports(2 * self.SIZE)
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
        run_tools([node.prepare(libs) for node in self.nodes])
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
            seen = broker_ids(",".join(node.bootstrap_servers for node in running))
            if seen == expected:
                return
            time.sleep(0.25)
        raise LocalKafkaError(f"cluster lists brokers {seen}, expected {expected}")
