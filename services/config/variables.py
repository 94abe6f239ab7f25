"""The backbone's environment variables: each one's name, default and check.

The README's Settings and Kafka settings tables list them. The notifier's
variables are declared beside its settings (``services.config.notify_settings``).
``services.config.settings.load_settings`` groups them into the settings the
program passes around.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self
from urllib.parse import urlparse

from pydantic import BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from services.config.environment import (
    PROJECT_ROOT,
    EnvironmentSettings,
    Number,
    Port,
    Switch,
    WholeNumber,
    base64_key,
    one_of,
)

KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


def _comma_separated(raw: object) -> object:
    if isinstance(raw, str):
        return tuple(key.strip() for key in raw.split(",") if key.strip())
    return raw


def _each_base64_key_of_32_bytes(raw: object) -> object:
    check = base64_key(32)
    if isinstance(raw, tuple):
        return tuple(check(key) for key in raw)
    return raw


class BackboneVariables(EnvironmentSettings):
    """Every variable of the backbone but the notifier's."""

    # Production mode: refuse to start without the keys (services.config.production).
    production: Switch = Field(False, alias="VATRA_PRODUCTION")

    # -- database ---------------------------------------------------------------
    database_url: SecretStr = Field(SecretStr(""), alias="VATRA_DATABASE_URL")
    postgres_host: str = Field("", alias="POSTGRES_HOST")
    postgres_port: WholeNumber = Field(5432, alias="POSTGRES_PORT")
    postgres_user: str = Field("postgres", alias="POSTGRES_USER")
    postgres_password: SecretStr = Field(SecretStr(""), alias="POSTGRES_PASSWORD")
    postgres_dbname: str = Field("vatra", alias="POSTGRES_DBNAME")
    data_dir: Path = Field(PROJECT_ROOT / "var", alias="VATRA_DATA_DIR")
    pool_size: WholeNumber = Field(4, alias="VATRA_DB_POOL_SIZE")
    statement_timeout: WholeNumber = Field(30, alias="VATRA_DB_STATEMENT_TIMEOUT")
    idle_in_transaction_timeout: WholeNumber = Field(
        10, alias="VATRA_DB_IDLE_IN_TRANSACTION_TIMEOUT"
    )
    lock_timeout: WholeNumber = Field(10, alias="VATRA_DB_LOCK_TIMEOUT")

    # -- workers, logs, SOP -----------------------------------------------------
    sop_dir: Path = Field(PROJECT_ROOT / "deploy" / "sop", alias="VATRA_SOP_DIR")
    log_level: str = Field("INFO", alias="VATRA_LOG_LEVEL")
    log_format: Annotated[str, BeforeValidator(one_of("json", "console"))] = Field(
        "json", alias="VATRA_LOG_FORMAT"
    )
    follow_interval: Number = Field(0.2, alias="VATRA_FOLLOW_INTERVAL")
    batch_size: WholeNumber = Field(500, alias="VATRA_BATCH_SIZE")
    relay_batch_size: WholeNumber = Field(2000, alias="VATRA_RELAY_BATCH_SIZE")
    sop_clock: Switch = Field(True, alias="VATRA_SOP_CLOCK")
    # The longest the SOP clock sleeps: it bounds how late a breach is seen.
    sop_clock_interval: Number = Field(30.0, alias="VATRA_SOP_CLOCK_INTERVAL")
    shutdown_timeout: Number = Field(8.0, alias="VATRA_SHUTDOWN_TIMEOUT")
    # Published statistics show a count below this as "<N" (small-cell protection).
    stats_threshold: WholeNumber = Field(5, alias="VATRA_STATS_THRESHOLD")

    # -- HTTP and metrics -------------------------------------------------------
    metrics_host: str = Field("127.0.0.1", alias="VATRA_METRICS_HOST")
    metrics_port: Port = Field(9100, alias="VATRA_METRICS_PORT")
    api_host: str = Field("127.0.0.1", alias="VATRA_API_HOST")
    api_port: Port = Field(8080, alias="VATRA_API_PORT")
    api_max_body_bytes: WholeNumber = Field(
        1024 * 1024, alias="VATRA_API_MAX_BODY_BYTES"
    )
    api_document_max_bytes: WholeNumber = Field(
        5 * 1024 * 1024, alias="VATRA_API_DOCUMENT_MAX_BYTES"
    )
    api_tls_cert_file: str = Field("", alias="VATRA_API_TLS_CERT_FILE")
    api_tls_key_file: str = Field("", alias="VATRA_API_TLS_KEY_FILE")
    api_metrics: Switch = Field(False, alias="VATRA_API_METRICS")
    api_docs: Switch = Field(False, alias="VATRA_API_DOCS")
    ready_max_lag: WholeNumber = Field(1000, alias="VATRA_READY_MAX_LAG")
    # A read holds a worker thread while it waits: keep that short.
    read_wait: Number = Field(1.5, alias="VATRA_READ_WAIT")
    health_interval: Number = Field(5.0, alias="VATRA_HEALTH_INTERVAL")

    # -- keys (never shown: SecretStr) ------------------------------------------
    chain_key: SecretStr = Field(SecretStr(""), alias="VATRA_CHAIN_KEY")
    event_cipher_key: Annotated[SecretStr, BeforeValidator(base64_key(16, 24, 32))] = (
        Field(SecretStr(""), alias="VATRA_EVENT_CIPHER_KEY")
    )
    personal_data_key: Annotated[SecretStr, BeforeValidator(base64_key(32))] = Field(
        SecretStr(""), alias="VATRA_PERSONAL_DATA_KEY"
    )
    personal_data_previous_keys: Annotated[
        tuple[SecretStr, ...],
        NoDecode,
        BeforeValidator(_each_base64_key_of_32_bytes),
        BeforeValidator(_comma_separated),
    ] = Field((), alias="VATRA_PERSONAL_DATA_PREVIOUS_KEYS")

    # -- Kafka (the full mode) --------------------------------------------------
    kafka_servers: str = Field("", alias="KAFKA_BOOTSTRAP_SERVERS")
    events_topic: str = Field("vatra.case-events", alias="VATRA_KAFKA_EVENTS_TOPIC")
    dead_letter_topic: str = Field(
        "vatra.case-events.dlq", alias="VATRA_KAFKA_DEAD_LETTER_TOPIC"
    )
    access_log_topic: str = Field(
        "vatra.access-log", alias="VATRA_KAFKA_ACCESS_LOG_TOPIC"
    )
    partitions: WholeNumber = Field(6, alias="VATRA_KAFKA_PARTITIONS")
    replication_factor: WholeNumber = Field(1, alias="VATRA_KAFKA_REPLICATION_FACTOR")
    min_insync_replicas: WholeNumber = Field(1, alias="VATRA_KAFKA_MIN_INSYNC_REPLICAS")
    projector_group: str = Field("vatra-projector", alias="VATRA_KAFKA_PROJECTOR_GROUP")
    client_id: str = Field("vatra", alias="VATRA_KAFKA_CLIENT_ID")
    # -- how every client reaches the brokers (TLS, SASL) -----------------------
    kafka_security_protocol: Annotated[
        str, BeforeValidator(one_of(*KAFKA_SECURITY_PROTOCOLS))
    ] = Field("PLAINTEXT", alias="VATRA_KAFKA_SECURITY_PROTOCOL")
    kafka_sasl_mechanism: Annotated[
        str, BeforeValidator(one_of(*KAFKA_SASL_MECHANISMS))
    ] = Field("SCRAM-SHA-512", alias="VATRA_KAFKA_SASL_MECHANISM")
    kafka_sasl_username: str = Field("", alias="VATRA_KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr = Field(
        SecretStr(""), alias="VATRA_KAFKA_SASL_PASSWORD"
    )
    kafka_ssl_ca_file: str = Field("", alias="VATRA_KAFKA_SSL_CA_FILE")
    kafka_ssl_cert_file: str = Field("", alias="VATRA_KAFKA_SSL_CERT_FILE")
    kafka_ssl_key_file: str = Field("", alias="VATRA_KAFKA_SSL_KEY_FILE")

    @field_validator("database_url")
    @classmethod
    def _postgresql_url(cls, url: SecretStr) -> SecretStr:
        scheme = urlparse(url.get_secret_value()).scheme
        if url.get_secret_value() and scheme not in ("postgresql", "postgres"):
            raise ValueError(f"must start with postgresql:// (got scheme {scheme!r})")
        return url

    @field_validator("chain_key")
    @classmethod
    def _long_chain_key(cls, key: SecretStr) -> SecretStr:
        if key.get_secret_value() and len(key.get_secret_value()) < 32:
            raise ValueError(
                "must be at least 32 characters "
                "(e.g. the output of `openssl rand -base64 32`)"
            )
        return key

    @field_validator("sop_clock_interval", "shutdown_timeout")
    @classmethod
    def _more_than_zero(cls, seconds: float) -> float:
        if seconds <= 0:
            raise ValueError("must be more than 0 seconds")
        return seconds

    @field_validator("read_wait")
    @classmethod
    def _short_read_wait(cls, seconds: float) -> float:
        if seconds > 30:
            raise ValueError(f"must be at most 30 seconds (got {seconds})")
        return seconds

    @field_validator("api_max_body_bytes")
    @classmethod
    def _room_for_a_request(cls, size: int) -> int:
        if size < 1024:
            raise ValueError("must be at least 1024")
        return size

    @field_validator("api_port")
    @classmethod
    def _api_port_on(cls, port: int | None) -> int | None:
        if port is None:
            raise ValueError("cannot be off: `vatra api` needs a port")
        return port

    @model_validator(mode="after")
    def _kafka_replicas(self) -> Self:
        if not self.kafka_servers.strip():
            return self
        if self.partitions < 1 or self.replication_factor < 1:
            raise ValueError(
                "VATRA_KAFKA_PARTITIONS and VATRA_KAFKA_REPLICATION_FACTOR "
                "must be at least 1"
            )
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                "VATRA_KAFKA_MIN_INSYNC_REPLICAS cannot exceed "
                "VATRA_KAFKA_REPLICATION_FACTOR"
            )
        return self

    @model_validator(mode="after")
    def _api_tls(self) -> Self:
        if bool(self.api_tls_cert_file) != bool(self.api_tls_key_file):
            raise ValueError(
                "VATRA_API_TLS_CERT_FILE and VATRA_API_TLS_KEY_FILE go together "
                "(the API's certificate chain and its key)"
            )
        for name, value in (
            ("VATRA_API_TLS_CERT_FILE", self.api_tls_cert_file),
            ("VATRA_API_TLS_KEY_FILE", self.api_tls_key_file),
        ):
            if value and not Path(value).is_file():
                raise ValueError(f"{name}: no file at {value}")
        return self

    @model_validator(mode="after")
    def _kafka_security(self) -> Self:
        if not self.kafka_servers.strip():
            return self
        protocol = self.kafka_security_protocol
        if protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and self.kafka_sasl_password.get_secret_value()
        ):
            raise ValueError(
                f"VATRA_KAFKA_SECURITY_PROTOCOL is {protocol}: set "
                "VATRA_KAFKA_SASL_USERNAME and VATRA_KAFKA_SASL_PASSWORD"
            )
        if protocol == "SASL_PLAINTEXT" and self.kafka_sasl_mechanism == "PLAIN":
            raise ValueError(
                "VATRA_KAFKA_SASL_MECHANISM PLAIN over SASL_PLAINTEXT would send "
                "the password in clear: use SASL_SSL (or a SCRAM mechanism)"
            )
        if bool(self.kafka_ssl_cert_file) != bool(self.kafka_ssl_key_file):
            raise ValueError(
                "VATRA_KAFKA_SSL_CERT_FILE and VATRA_KAFKA_SSL_KEY_FILE go together "
                "(a client certificate and its key)"
            )
        for name, value in (
            ("VATRA_KAFKA_SSL_CA_FILE", self.kafka_ssl_ca_file),
            ("VATRA_KAFKA_SSL_CERT_FILE", self.kafka_ssl_cert_file),
            ("VATRA_KAFKA_SSL_KEY_FILE", self.kafka_ssl_key_file),
        ):
            if value and not Path(value).is_file():
                raise ValueError(f"{name}: no file at {value}")
        return self
