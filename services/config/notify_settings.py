"""Settings of the notifier (alerts), read once from the environment.

Listed in the README with their defaults. ``load_notify_settings`` is called by
``services.config.settings.load_settings`` with the same environment mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from handlers.channels.email import SECURITY, SmtpSettings
from handlers.dispatcher import DispatchSettings
from services.config.settings import PROJECT_ROOT, SettingsError, number_setting

MIN_SECRET_LENGTH = 16
MIN_LEASE = 1.0  # seconds


@dataclass(frozen=True)
class NotifySettings:
    """Where alerts go, how they are sent, and how hard we try."""

    directory_file: Path
    templates_dir: Path
    public_url: str = "https://vatra.example.org"
    ack_secret: str = field(default="", repr=False)
    ack_valid_days: float = 30.0
    smtp: SmtpSettings | None = None
    webhook_secret: str = field(default="", repr=False)
    webhook_timeout: float = 10.0
    sms_gateway_url: str = ""
    dispatch: DispatchSettings = field(default_factory=DispatchSettings)
    max_age_hours: float = 72.0
    kafka_group: str = "vatra-notifier"

    @property
    def enabled(self) -> bool:
        """Alerts are on once an acknowledgement secret is set (``vatra notify``
        requires it; ``vatra run --embedded`` runs the notifier only then)."""
        return bool(self.ack_secret)

    def check(self) -> None:
        """What the notifier needs before it starts: real secrets, and a lease
        long enough to be renewed (every third of it) while a send lasts."""
        _check_secret("VATRA_NOTIFY_SECRET", self.ack_secret)
        if self.webhook_secret:
            _check_secret("VATRA_WEBHOOK_SECRET", self.webhook_secret)
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
    deploy = PROJECT_ROOT / "deploy"
    smtp = _smtp(env)
    webhook_timeout = number_setting(env, "VATRA_WEBHOOK_TIMEOUT", 10.0)
    dispatch = DispatchSettings(
        batch_size=max(int(number_setting(env, "VATRA_NOTIFY_BATCH_SIZE", 20)), 1),
        interval=number_setting(env, "VATRA_NOTIFY_INTERVAL", 0.5),
        max_attempts=max(int(number_setting(env, "VATRA_NOTIFY_MAX_ATTEMPTS", 6)), 1),
        backoff_base=number_setting(env, "VATRA_NOTIFY_BACKOFF_BASE", 5.0),
        backoff_max=number_setting(env, "VATRA_NOTIFY_BACKOFF_MAX", 900.0),
        lease=number_setting(env, "VATRA_NOTIFY_LEASE", 6.0),
        senders=int(number_setting(env, "VATRA_NOTIFY_SENDERS", 4)),
        urgent_senders=int(number_setting(env, "VATRA_NOTIFY_URGENT_SENDERS", 1)),
    )
    return NotifySettings(
        directory_file=Path(
            env.get("VATRA_DIRECTORY_FILE", str(deploy / "directory.toml"))
        ),
        templates_dir=Path(env.get("VATRA_TEMPLATES_DIR", str(deploy / "templates"))),
        public_url=env.get("VATRA_PUBLIC_URL", "https://vatra.example.org"),
        ack_secret=env.get("VATRA_NOTIFY_SECRET", ""),
        ack_valid_days=number_setting(env, "VATRA_ACK_VALID_DAYS", 30.0),
        smtp=smtp,
        webhook_secret=env.get("VATRA_WEBHOOK_SECRET", ""),
        webhook_timeout=webhook_timeout,
        sms_gateway_url=env.get("VATRA_SMS_GATEWAY_URL", ""),
        dispatch=dispatch,
        max_age_hours=number_setting(env, "VATRA_NOTIFY_MAX_AGE_HOURS", 72.0),
        kafka_group=env.get("VATRA_KAFKA_NOTIFIER_GROUP", "vatra-notifier"),
    )


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    host = env.get("VATRA_SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("VATRA_SMTP_SECURITY", "starttls")
    if security not in SECURITY:
        raise SettingsError(
            f"VATRA_SMTP_SECURITY must be one of {', '.join(SECURITY)} "
            f"(got {security!r})"
        )
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    username = env.get("VATRA_SMTP_USERNAME", "")
    if username and security == "none":
        raise SettingsError(
            "VATRA_SMTP_USERNAME is set but VATRA_SMTP_SECURITY is none: "
            "the password would cross the network in clear"
        )
    return SmtpSettings(
        host=host,
        port=int(number_setting(env, "VATRA_SMTP_PORT", default_port)),
        security=security,
        username=username,
        password=env.get("VATRA_SMTP_PASSWORD", ""),
        sender=env.get("VATRA_SMTP_FROM", "vatra@example.org"),
        timeout=number_setting(env, "VATRA_SMTP_TIMEOUT", 10.0),
        message_id_domain=env.get("VATRA_SMTP_MESSAGE_ID_DOMAIN", ""),
        ca_file=env.get("VATRA_SMTP_CA_FILE", ""),
    )


def _check_secret(name: str, value: str) -> None:
    if len(value) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"{name} must be set to a random secret of at least "
            f"{MIN_SECRET_LENGTH} characters (e.g. `openssl rand -hex 32`)"
        )
