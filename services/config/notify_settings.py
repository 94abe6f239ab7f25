"""Settings of the notifier (alerts), read once from the environment.

Listed in the README with their defaults. ``load_notify_settings`` is called by
``services.config.settings.load_settings`` with the same environment mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Self

from pydantic import BeforeValidator, Field, SecretStr, model_validator

from handlers.channels.email import SECURITY, SmtpSettings
from handlers.directory import WEBHOOK_SECRET_PREFIX
from handlers.dispatch_settings import DispatchSettings
from services.config.environment import (
    NO_SECRET,
    PROJECT_ROOT,
    EnvironmentSettings,
    Number,
    SettingsError,
    WholeNumber,
    one_of,
    secrets_named,
)

MIN_SECRET_LENGTH = 16
MIN_LEASE = 1.0  # seconds
DEPLOY = PROJECT_ROOT / "deploy"
SMTP_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class NotifyVariables(EnvironmentSettings):
    """The notifier's environment variables, each with its default."""

    directory_file: Path = Field(
        DEPLOY / "directory.toml", alias="VATRA_DIRECTORY_FILE"
    )
    templates_dir: Path = Field(DEPLOY / "templates", alias="VATRA_TEMPLATES_DIR")
    public_url: str = Field("https://vatra.example.org", alias="VATRA_PUBLIC_URL")
    ack_secret: SecretStr = Field(SecretStr(""), alias="VATRA_NOTIFY_SECRET")
    ack_valid_days: Number = Field(30.0, alias="VATRA_ACK_VALID_DAYS")
    # No longer read: each webhook contact has its own secret (secret_env in
    # the directory). Declared so that a notifier still given it says so.
    shared_webhook_secret: SecretStr = Field(
        SecretStr(""), alias="VATRA_WEBHOOK_SECRET"
    )
    webhook_timeout: Number = Field(10.0, alias="VATRA_WEBHOOK_TIMEOUT")
    sms_gateway_url: str = Field("", alias="VATRA_SMS_GATEWAY_URL")
    sms_gateway_secret: SecretStr = Field(
        SecretStr(""), alias="VATRA_SMS_GATEWAY_SECRET"
    )
    sms_gateway_previous_secret: SecretStr = Field(
        SecretStr(""), alias="VATRA_SMS_GATEWAY_SECRET_PREVIOUS"
    )
    max_age_hours: Number = Field(72.0, alias="VATRA_NOTIFY_MAX_AGE_HOURS")
    hearing_reminder_days: WholeNumber = Field(3, alias="VATRA_HEARING_REMINDER_DAYS")
    kafka_group: str = Field("vatra-notifier", alias="VATRA_KAFKA_NOTIFIER_GROUP")
    batch_size: WholeNumber = Field(20, alias="VATRA_NOTIFY_BATCH_SIZE")
    interval: Number = Field(0.5, alias="VATRA_NOTIFY_INTERVAL")
    max_attempts: WholeNumber = Field(6, alias="VATRA_NOTIFY_MAX_ATTEMPTS")
    backoff_base: Number = Field(5.0, alias="VATRA_NOTIFY_BACKOFF_BASE")
    backoff_max: Number = Field(900.0, alias="VATRA_NOTIFY_BACKOFF_MAX")
    lease: Number = Field(6.0, alias="VATRA_NOTIFY_LEASE")
    senders: WholeNumber = Field(4, alias="VATRA_NOTIFY_SENDERS")
    urgent_senders: WholeNumber = Field(1, alias="VATRA_NOTIFY_URGENT_SENDERS")
    smtp_host: str = Field("", alias="VATRA_SMTP_HOST")
    smtp_security: Annotated[str, BeforeValidator(one_of(*SECURITY))] = Field(
        "starttls", alias="VATRA_SMTP_SECURITY"
    )
    smtp_port: WholeNumber | None = Field(None, alias="VATRA_SMTP_PORT")
    smtp_username: str = Field("", alias="VATRA_SMTP_USERNAME")
    smtp_password: SecretStr = Field(SecretStr(""), alias="VATRA_SMTP_PASSWORD")
    smtp_from: str = Field("vatra@example.org", alias="VATRA_SMTP_FROM")
    smtp_timeout: Number = Field(10.0, alias="VATRA_SMTP_TIMEOUT")
    smtp_message_id_domain: str = Field("", alias="VATRA_SMTP_MESSAGE_ID_DOMAIN")
    smtp_ca_file: str = Field("", alias="VATRA_SMTP_CA_FILE")

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> Self:
        if (
            self.smtp_host.strip()
            and self.smtp_username
            and self.smtp_security == "none"
        ):
            raise ValueError(
                "VATRA_SMTP_USERNAME is set but VATRA_SMTP_SECURITY is none: "
                "the password would cross the network in clear"
            )
        return self


@dataclass(frozen=True)
class NotifySettings:
    """Where alerts go, how they are sent, and how hard we try."""

    directory_file: Path
    templates_dir: Path
    public_url: str = "https://vatra.example.org"
    ack_secret: SecretStr = NO_SECRET
    ack_valid_days: float = 30.0
    smtp: SmtpSettings | None = None
    # Every VATRA_WEBHOOK_SECRET_* variable (or its _FILE), by name: the
    # directory's webhook contacts name theirs (secret_env).
    webhook_secrets: Mapping[str, SecretStr] = field(default_factory=dict)
    webhook_timeout: float = 10.0
    sms_gateway_url: str = ""
    sms_gateway_secret: SecretStr = NO_SECRET
    sms_gateway_previous_secret: SecretStr = NO_SECRET
    shared_webhook_secret_set: bool = False
    dispatch: DispatchSettings = field(default_factory=DispatchSettings)
    max_age_hours: float = 72.0
    kafka_group: str = "vatra-notifier"
    # How many days before a hearing its lawyer and psychologist are reminded.
    hearing_reminder_days: int = 3

    @property
    def enabled(self) -> bool:
        """Alerts are on once an acknowledgement secret is set (``vatra notify``
        requires it; ``vatra run --embedded`` runs the notifier only then)."""
        return bool(self.ack_secret.get_secret_value())

    def check(self) -> None:
        """What the notifier needs before it starts: real secrets, and a lease
        long enough to be renewed (every third of it) while a send lasts."""
        _check_secret("VATRA_NOTIFY_SECRET", self.ack_secret)
        if self.shared_webhook_secret_set:
            raise SettingsError(
                "VATRA_WEBHOOK_SECRET is no longer read: each webhook contact of "
                "the directory names its own secret (secret_env); set those and "
                "unset VATRA_WEBHOOK_SECRET (see the README's Alerts)"
            )
        for name, secret in (
            *self.webhook_secrets.items(),
            ("VATRA_SMS_GATEWAY_SECRET", self.sms_gateway_secret),
            ("VATRA_SMS_GATEWAY_SECRET_PREVIOUS", self.sms_gateway_previous_secret),
        ):
            if secret.get_secret_value():
                _check_secret(name, secret)
        if self.dispatch.lease < MIN_LEASE:
            raise SettingsError(
                f"VATRA_NOTIFY_LEASE ({self.dispatch.lease:g} s) must be at least "
                f"{MIN_LEASE:g} s: it is renewed every third of it while a send lasts"
            )
        if not 0 <= self.dispatch.urgent_senders < self.dispatch.senders:
            raise SettingsError(
                "VATRA_NOTIFY_URGENT_SENDERS must be less than VATRA_NOTIFY_SENDERS "
                "(the other lanes send everyone else's alerts)"
            )


def load_notify_settings(env: Mapping[str, str]) -> NotifySettings:
    """The notifier's settings from ``env``."""
    v = NotifyVariables.read(env)
    dispatch = DispatchSettings(
        batch_size=max(v.batch_size, 1),
        interval=v.interval,
        max_attempts=max(v.max_attempts, 1),
        backoff_base=v.backoff_base,
        backoff_max=v.backoff_max,
        lease=v.lease,
        senders=v.senders,
        urgent_senders=v.urgent_senders,
    )
    return NotifySettings(
        directory_file=v.directory_file,
        templates_dir=v.templates_dir,
        public_url=v.public_url,
        ack_secret=v.ack_secret,
        ack_valid_days=v.ack_valid_days,
        smtp=_smtp(v),
        webhook_secrets=secrets_named(env, WEBHOOK_SECRET_PREFIX),
        webhook_timeout=v.webhook_timeout,
        sms_gateway_url=v.sms_gateway_url,
        sms_gateway_secret=v.sms_gateway_secret,
        sms_gateway_previous_secret=v.sms_gateway_previous_secret,
        shared_webhook_secret_set=bool(v.shared_webhook_secret.get_secret_value()),
        dispatch=dispatch,
        max_age_hours=v.max_age_hours,
        kafka_group=v.kafka_group,
        hearing_reminder_days=v.hearing_reminder_days,
    )


def _smtp(v: NotifyVariables) -> SmtpSettings | None:
    host = v.smtp_host.strip()
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=SMTP_PORTS[v.smtp_security] if v.smtp_port is None else v.smtp_port,
        security=v.smtp_security,
        username=v.smtp_username,
        password=v.smtp_password.get_secret_value(),
        sender=v.smtp_from,
        timeout=v.smtp_timeout,
        message_id_domain=v.smtp_message_id_domain,
        ca_file=v.smtp_ca_file,
    )


def _check_secret(name: str, value: SecretStr) -> None:
    if len(value.get_secret_value()) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"{name} must be set to a random secret of at least "
            f"{MIN_SECRET_LENGTH} characters (e.g. `openssl rand -hex 32`)"
        )
