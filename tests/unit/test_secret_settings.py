"""Keys and passwords: read from files, demanded in production mode, never shown."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from services.config.notify_settings import load_notify_settings
from services.config.production import check_keys, missing_keys
from services.config.settings import SettingsError, load_settings

KEY = base64.b64encode(bytes(range(32))).decode()
ALL_KEYS = {
    "VATRA_CHAIN_KEY": "c" * 40,
    "VATRA_EVENT_CIPHER_KEY": KEY,
    "VATRA_PERSONAL_DATA_KEY": KEY,
    "VATRA_NOTIFY_SECRET": "n" * 32,
}


def test_a_setting_may_be_read_from_the_file_its_file_variable_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "chain").write_text("k" * 40 + "\n", encoding="utf-8")
    (tmp_path / "pg").write_text("pg-password\n", encoding="utf-8")
    settings = load_settings(
        {
            "VATRA_CHAIN_KEY_FILE": str(tmp_path / "chain"),
            "POSTGRES_HOST": "db",
            "POSTGRES_PASSWORD_FILE": str(tmp_path / "pg"),
        }
    )
    assert settings.privacy.chain_key.get_secret_value() == "k" * 40
    assert settings.database.password.get_secret_value() == "pg-password"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"VATRA_CHAIN_KEY": "k" * 40, "VATRA_CHAIN_KEY_FILE": "{dir}/chain"},
            "VATRA_CHAIN_KEY and VATRA_CHAIN_KEY_FILE are both set",
        ),
        (
            {"VATRA_CHAIN_KEY_FILE": "{dir}/absent"},
            "VATRA_CHAIN_KEY_FILE: cannot read {dir}/absent: No such file",
        ),
        (
            {"VATRA_CHAIN_KEY_FILE": "{dir}/empty"},
            "VATRA_CHAIN_KEY_FILE: {dir}/empty is empty",
        ),
        # The file's content is checked as the variable's would be.
        (
            {"VATRA_CHAIN_KEY_FILE": "{dir}/short"},
            "VATRA_CHAIN_KEY must be at least 32",
        ),
    ],
)
def test_a_key_file_that_cannot_be_used_is_named_never_its_content(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    (tmp_path / "chain").write_text("k" * 40, encoding="utf-8")
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    (tmp_path / "short").write_text("secret-but-short", encoding="utf-8")
    env = {name: value.format(dir=tmp_path) for name, value in env.items()}
    with pytest.raises(SettingsError) as error:
        load_settings(env)
    assert message.format(dir=tmp_path) in str(error.value)
    assert "secret-but-short" not in str(error.value)


def test_production_mode_refuses_to_start_without_the_keys_and_names_each_missing() -> (
    None
):
    env = {"VATRA_PRODUCTION": "on", "VATRA_CHAIN_KEY": "c" * 40}
    with pytest.raises(SettingsError) as error:
        check_keys(load_settings(env))
    assert str(error.value).startswith(
        "production mode (VATRA_PRODUCTION) refuses to start without "
        "VATRA_EVENT_CIPHER_KEY, VATRA_PERSONAL_DATA_KEY, VATRA_NOTIFY_SECRET"
    )
    check_keys(load_settings({**ALL_KEYS, "VATRA_PRODUCTION": "1"}))


def test_a_notify_secret_too_short_to_be_one_counts_as_missing() -> None:
    settings = load_settings({**ALL_KEYS, "VATRA_NOTIFY_SECRET": "short"})
    assert missing_keys(settings) == ["VATRA_NOTIFY_SECRET"]


def test_outside_production_mode_one_warning_names_the_keys_it_runs_without() -> None:
    with capture_logs() as logs:
        check_keys(load_settings({"VATRA_CHAIN_KEY": "c" * 40}))
        check_keys(load_settings(ALL_KEYS))
    assert logs == [
        {
            "event": "running_without_keys",
            "log_level": "warning",
            "missing": [
                "VATRA_EVENT_CIPHER_KEY",
                "VATRA_PERSONAL_DATA_KEY",
                "VATRA_NOTIFY_SECRET",
            ],
            "hint": "not for real cases: VATRA_PRODUCTION=on refuses to run "
            "without them",
        }
    ]


def test_the_kafka_clients_get_the_security_settings() -> None:
    kafka = load_settings(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9093",
            "VATRA_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "VATRA_KAFKA_SASL_USERNAME": "vatra",
            "VATRA_KAFKA_SASL_PASSWORD": "kafka-password",
            "VATRA_KAFKA_SSL_CA_FILE": __file__,
        }
    ).kafka
    assert kafka is not None
    assert kafka.client_options() == {
        "bootstrap_servers": "kafka-1:9093",
        "security_protocol": "SASL_SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": __file__,
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "vatra",
        "sasl_plain_password": "kafka-password",
    }
    assert "kafka-password" not in repr(kafka)
    plain = load_settings({"KAFKA_BOOTSTRAP_SERVERS": "k:9092"}).kafka
    assert plain is not None
    assert plain.client_options() == {
        "bootstrap_servers": "k:9092",
        "security_protocol": "PLAINTEXT",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"VATRA_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"},
            "set VATRA_KAFKA_SASL_USERNAME and VATRA_KAFKA_SASL_PASSWORD",
        ),
        (
            {
                "VATRA_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "VATRA_KAFKA_SASL_MECHANISM": "PLAIN",
                "VATRA_KAFKA_SASL_USERNAME": "u",
                "VATRA_KAFKA_SASL_PASSWORD": "p",
            },
            "would send the password in clear",
        ),
        (
            {"VATRA_KAFKA_SECURITY_PROTOCOL": "SSL", "VATRA_KAFKA_SSL_CA_FILE": "/no"},
            "VATRA_KAFKA_SSL_CA_FILE: no file at /no",
        ),
        ({"VATRA_KAFKA_SECURITY_PROTOCOL": "TLS"}, "must be one of PLAINTEXT, SSL"),
    ],
)
def test_kafka_security_mistakes_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"KAFKA_BOOTSTRAP_SERVERS": "k:9093", **env})


def test_the_shared_webhook_secret_is_refused_with_what_replaced_it() -> None:
    settings = load_notify_settings(
        {"VATRA_NOTIFY_SECRET": "n" * 32, "VATRA_WEBHOOK_SECRET": "w" * 32}
    )
    with pytest.raises(SettingsError, match="each webhook contact of the directory"):
        settings.check()


def test_webhook_secrets_are_gathered_by_name_from_variables_and_files(
    tmp_path: Path,
) -> None:
    (tmp_path / "cpu").write_text("cpu-secret-0123456789\n", encoding="utf-8")
    settings = load_notify_settings(
        {
            "VATRA_WEBHOOK_SECRET_POLICE_VLORA": "police-secret-0123456789",
            "VATRA_WEBHOOK_SECRET_CPU_VLORE_FILE": str(tmp_path / "cpu"),
            "VATRA_WEBHOOK_TIMEOUT": "3",
        }
    )
    secrets = {k: v.get_secret_value() for k, v in settings.webhook_secrets.items()}
    assert secrets == {
        "VATRA_WEBHOOK_SECRET_CPU_VLORE": "cpu-secret-0123456789",
        "VATRA_WEBHOOK_SECRET_POLICE_VLORA": "police-secret-0123456789",
    }
    assert "police-secret" not in repr(settings)
