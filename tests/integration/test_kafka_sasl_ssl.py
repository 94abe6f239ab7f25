"""The full mode over a broker that takes only SASL_SSL: TLS with certificates
made by ``deploy/kafka/make-certs.sh`` and SCRAM-SHA-512 log-ins.

A real broker of its own (``devtools.kafka`` with ``SaslSsl``), started once
for this module; ``vatra relay`` and ``vatra project`` run as the operator runs
them, in production mode with every key set (the Kafka password from a file),
and log at debug level: no key's value may appear in any of their log lines.
"""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from devtools.kafka.jars import fetch_jars
from devtools.kafka.process import LocalKafka
from devtools.kafka.security import SaslSsl
from domain.clock import ControlledClock
from services.config.bootstrap import open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from tests.builders import identify
from tests.integration.kafka_helpers import ROOT, kafka_env, subprocess_env, wait_for

KEYS = {
    "VATRA_CHAIN_KEY": "chain-key-for-the-sasl-test-0123456789abcdef",
    "VATRA_EVENT_CIPHER_KEY": base64.b64encode(
        b"cipher-key-of-32-bytes-for-tests"
    ).decode(),
    "VATRA_PERSONAL_DATA_KEY": base64.b64encode(
        b"personal-data-master-key-32bytes"
    ).decode(),
    "VATRA_NOTIFY_SECRET": "notify-secret-for-the-sasl-test-0123",
}


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """One broker whose only client listener is SASL_SSL; never skipped."""
    fetch_jars()
    base = tmp_path_factory.mktemp("kafka-sasl-ssl")
    kafka = LocalKafka(base / "kafka", security=SaslSsl.create(base / "certs"))
    kafka.start(timeout=120)
    try:
        yield kafka
    finally:
        kafka.stop()


def _security(kafka: LocalKafka) -> SaslSsl:
    assert kafka.security is not None
    return kafka.security


def _vatra(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # Debug logs are long: to a file, so a full pipe never blocks the process.
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def test_the_relay_and_the_projector_carry_a_case_over_sasl_ssl_and_log_no_key(
    secured: LocalKafka, database: Database, clock: ControlledClock, tmp_path: Path
) -> None:
    security = _security(secured)
    password_file = tmp_path / "kafka_password"
    password_file.write_text(security.password + "\n", encoding="utf-8")
    env = {
        **kafka_env(secured.bootstrap_servers),
        **security.vatra_env(),
        **KEYS,
        "VATRA_PRODUCTION": "on",
    }
    del env["VATRA_KAFKA_SASL_PASSWORD"]
    env["VATRA_KAFKA_SASL_PASSWORD_FILE"] = str(password_file)
    with open_backbone(load_settings(env), clock=clock, database=database) as backbone:
        case_id = identify(backbone.service, clock)["case_id"]
    workers = subprocess_env(
        env, database, VATRA_LOG_LEVEL="DEBUG", VATRA_METRICS_PORT="off"
    )
    logs = [tmp_path / "relay.log", tmp_path / "project.log"]
    relay = _vatra("relay", workers, logs[0])
    projector = _vatra("project", workers, logs[1])
    pool = database.pool("sasl-ssl-check")
    try:

        def projected() -> bool:
            with pool.connection() as conn:
                row = conn.execute(
                    "SELECT count(*) FROM case_timeline WHERE case_id = %s",
                    (case_id,),
                ).fetchone()
            return bool(row and row[0] == 1)

        wait_for(projected, 90, "the projector to apply the identification")
    finally:
        pool.close()
        codes = [_stop(relay), _stop(projector)]
    lines = [
        line for log in logs for line in log.read_text(errors="replace").splitlines()
    ]
    assert codes == [0, 0], "\n".join(lines[-40:])
    assert any(json.loads(line).get("level") == "debug" for line in lines)
    for secret in [security.password, *KEYS.values()]:
        leaked = [line for line in lines if secret in line]
        assert not leaked, f"a key reached the logs: {leaked[:1]}"


def test_a_client_with_a_wrong_password_is_refused(secured: LocalKafka) -> None:
    security = _security(secured)
    options = {
        **secured.client_options(),
        **security.client_options(password="not-the-password"),
    }
    with pytest.raises(KafkaError):
        KafkaAdminClient(**options, bootstrap_timeout_ms=5000, request_timeout_ms=5000)
    server_log = (secured.log_dir / "server.log").read_text(errors="replace")
    assert "due to invalid credentials with SASL mechanism SCRAM-SHA-512" in server_log
    # The same client with the right password gets in.
    admin = KafkaAdminClient(**secured.client_options())
    try:
        admin.list_topics()
    finally:
        admin.close()
