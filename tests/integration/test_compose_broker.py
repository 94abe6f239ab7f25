"""The compose file's broker start script (``deploy/kafka/broker.sh``) makes a
broker that takes clients only over SASL_SSL and runs its controller over TLS
with client certificates: run here on the official jars, with the secrets as
``make-certs.sh`` and ``make-secrets.sh`` make them, as one node of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from devtools.kafka.jars import DEPLOY_DIR, fetch_jars, java_executable
from devtools.kafka.probes import answers_metadata, free_ports

ROOT = Path(__file__).resolve().parents[2]


def _kafka_home(base: Path, libs: Path, logs: Path) -> Path:
    """The two scripts broker.sh calls, on this checkout's jars (the image has
    the distribution's own)."""
    java = java_executable()
    classpath = f"{libs.resolve()}/*"
    log4j = DEPLOY_DIR.resolve() / "log4j2.xml"
    scripts = {
        "kafka-storage.sh": (
            f'exec {java} -cp "{classpath}" kafka.tools.StorageTool "$@"'
        ),
        "kafka-server-start.sh": (
            f"exec {java} -Xmx384m -XX:TieredStopAtLevel=1 "
            f"-Dlog4j2.configurationFile={log4j} -Dkafka.logs.dir={logs} "
            f'-cp "{classpath}" kafka.Kafka "$@"'
        ),
    }
    (base / "bin").mkdir(parents=True)
    for name, body in scripts.items():
        script = base / "bin" / name
        script.write_text(f"#!/usr/bin/env bash\n{body}\n")
        script.chmod(0o755)
    return base


@pytest.fixture
def secrets_dir(tmp_path: Path) -> Path:
    """/run/secrets as the compose file mounts it."""
    certs, made = tmp_path / "certs", tmp_path / "secrets"
    subprocess.run(
        ["bash", str(DEPLOY_DIR / "make-certs.sh"), str(certs), "localhost"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    subprocess.run(
        ["bash", str(ROOT / "deploy" / "make-secrets.sh"), str(made)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    run = tmp_path / "run-secrets"
    run.mkdir()
    for name, source in {
        "vatra_ca": certs / "ca.crt",
        "kafka_keystore": certs / "broker.p12",
        "kafka_keystore_password": certs / "broker.p12.password",
        "kafka_broker_password": made / "kafka_broker_password",
        "kafka_client_password": made / "kafka_client_password",
    }.items():
        (run / name).write_bytes(source.read_bytes())
    return run


@pytest.fixture
def broker(tmp_path: Path, secrets_dir: Path) -> Iterator[dict[str, object]]:
    libs = fetch_jars()
    logs = tmp_path / "logs"
    logs.mkdir()
    client_port, controller_port = free_ports(2)
    env = {
        **os.environ,
        "SECRETS_DIR": str(secrets_dir),
        "KAFKA_HOME": str(_kafka_home(tmp_path / "kafka-home", libs, logs)),
        "DATA_DIR": str(tmp_path / "data"),
        "CONFIG_FILE": str(tmp_path / "server.properties"),
        "CLIENT_PORT": str(client_port),
        "CONTROLLER_PORT": str(controller_port),
        "NODE_ID": "1",
        "ADVERTISED_HOST": "localhost",
        "CLUSTER_ID": "vSgkH1aIQTq6b0aN0dQ3ug",
        "CONTROLLER_QUORUM_VOTERS": f"1@localhost:{controller_port}",
        "KAFKA_DEFAULT_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
    }
    with (logs / "broker.out").open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(DEPLOY_DIR / "broker.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    options = {
        "bootstrap_servers": f"localhost:{client_port}",
        "security_protocol": "SASL_SSL",
        "ssl_cafile": str(secrets_dir / "vatra_ca"),
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "vatra",
        "sasl_plain_password": (secrets_dir / "kafka_client_password")
        .read_text()
        .strip(),
    }
    try:
        deadline = time.monotonic() + 90
        while not answers_metadata(options):
            output = (logs / "broker.out").read_text(errors="replace")
            assert process.poll() is None, f"broker.sh exited:\n{output[-3000:]}"
            assert time.monotonic() < deadline, f"no answer:\n{output[-3000:]}"
            time.sleep(0.25)
        yield options
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_compose_broker_serves_clients_over_sasl_ssl_with_the_made_secrets(
    broker: dict[str, object],
) -> None:
    admin = KafkaAdminClient(**broker)
    try:
        admin.create_topics([NewTopic("vatra.compose-check", 1, 1)])
        assert "vatra.compose-check" in admin.list_topics()
    finally:
        admin.close()
