"""A local broker's SASL_SSL listener: TLS and SCRAM-SHA-512 log-ins.

The certificates come from ``deploy/kafka/make-certs.sh`` (a private CA and a
PKCS#12 key store for 127.0.0.1); the SCRAM users, the broker's own and the
clients', are written into the cluster's metadata when its storage is
formatted (``kafka.tools.StorageTool format --add-scram``), so the broker
accepts them from its first start. The controller listener stays plain on
loopback: only clients and brokers use this one.

    security = SaslSsl.create(tmp_path / "certs", password="...")
    with LocalKafka(tmp_path / "kafka", security=security) as kafka:
        KafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers,
                         **security.client_options())
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.kafka.jars import DEPLOY_DIR, LocalKafkaError, tail

MECHANISM = "SCRAM-SHA-512"
LISTENER = "SASL_SSL"
BROKER_USER = "broker"


@dataclass(frozen=True)
class SaslSsl:
    """What a SASL_SSL listener needs: the certificates' folder (``ca.crt``,
    ``broker.p12`` and its password) and the SCRAM users (the broker's own,
    and one for clients)."""

    certs_dir: Path
    username: str = "vatra"
    password: str = field(default="", repr=False)
    broker_password: str = field(
        default_factory=lambda: secrets.token_hex(16), repr=False
    )

    @classmethod
    def create(
        cls,
        certs_dir: Path,
        *,
        username: str = "vatra",
        password: str | None = None,
        deploy_dir: Path = DEPLOY_DIR,
    ) -> SaslSsl:
        """Make the certificates for 127.0.0.1 with ``make-certs.sh``."""
        script = deploy_dir / "make-certs.sh"
        result = subprocess.run(
            ["bash", str(script), str(certs_dir), "localhost", "127.0.0.1"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if result.returncode != 0:
            raise LocalKafkaError(
                f"{script} failed (exit {result.returncode}):\n"
                + tail(result.stdout + result.stderr)
            )
        return cls(certs_dir.resolve(), username, password or secrets.token_hex(16))

    @property
    def ca_file(self) -> Path:
        return self.certs_dir / "ca.crt"

    def broker_properties(self) -> dict[str, str]:
        """The broker's TLS and SASL settings (listeners are the caller's)."""
        keystore_password = (self.certs_dir / "broker.p12.password").read_text()
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{BROKER_USER}" password="{self.broker_password}";'
        )
        return {
            "inter.broker.listener.name": LISTENER,
            "sasl.enabled.mechanisms": MECHANISM,
            "sasl.mechanism.inter.broker.protocol": MECHANISM,
            f"listener.name.sasl_ssl.{MECHANISM.lower()}.sasl.jaas.config": jaas,
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(self.certs_dir / "broker.p12"),
            "ssl.keystore.password": keystore_password.strip(),
            "ssl.key.password": keystore_password.strip(),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.ca_file),
        }

    def format_arguments(self) -> list[str]:
        """``--add-scram`` for the broker's user and the clients'."""
        return [
            argument
            for name, password in (
                (BROKER_USER, self.broker_password),
                (self.username, self.password),
            )
            for argument in (
                "--add-scram",
                f"{MECHANISM}=[name={name},password={password}]",
            )
        ]

    def client_options(self, password: str | None = None) -> dict[str, Any]:
        """kafka-python's options to log in as the clients' user (or with
        another ``password``, to be refused)."""
        return {
            "security_protocol": LISTENER,
            "ssl_cafile": str(self.ca_file),
            "ssl_check_hostname": True,
            "sasl_mechanism": MECHANISM,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password if password is None else password,
        }

    def vatra_env(self) -> dict[str, str]:
        """The backbone's settings to use this listener."""
        return {
            "VATRA_KAFKA_SECURITY_PROTOCOL": LISTENER,
            "VATRA_KAFKA_SASL_MECHANISM": MECHANISM,
            "VATRA_KAFKA_SASL_USERNAME": self.username,
            "VATRA_KAFKA_SASL_PASSWORD": self.password,
            "VATRA_KAFKA_SSL_CA_FILE": str(self.ca_file),
        }
