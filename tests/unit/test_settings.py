"""Settings are read once from the environment, with clear errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from services.config.settings import SettingsError, load_settings


def test_no_database_setting_means_the_embedded_postgres_under_the_data_dir() -> None:
    settings = load_settings({"VATRA_DATA_DIR": "/srv/vatra"})
    assert settings.database.embedded is True
    assert settings.database.data_dir == Path("/srv/vatra")
    assert settings.kafka is None


def test_a_database_url_names_an_external_server() -> None:
    settings = load_settings(
        {"VATRA_DATABASE_URL": "postgresql://vatra:s%40cret@db.internal:6432/cases"}
    )
    db = settings.database
    assert (db.embedded, db.host, db.port, db.dbname) == (
        False,
        "db.internal",
        6432,
        "cases",
    )
    assert (db.user, db.password.get_secret_value()) == ("vatra", "s@cret")
    assert "s@cret" not in repr(db)


def test_postgres_variables_name_an_external_server() -> None:
    db = load_settings({"POSTGRES_HOST": "/run/postgresql", "POSTGRES_DBNAME": "x"})
    assert db.database.embedded is False
    assert db.database.host == "/run/postgresql"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"VATRA_DATABASE_URL": "mysql://x"}, "must start with postgresql://"),
        ({"VATRA_BATCH_SIZE": "many"}, "VATRA_BATCH_SIZE must be a number"),
        ({"VATRA_LOG_FORMAT": "xml"}, "VATRA_LOG_FORMAT must be one of"),
        (
            {
                "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092",
                "VATRA_KAFKA_MIN_INSYNC_REPLICAS": "2",
            },
            "cannot exceed",
        ),
    ],
)
def test_a_malformed_setting_is_named_in_the_error(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_kafka_settings_follow_the_environment() -> None:
    kafka = load_settings(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "kafka-1.internal:9092,kafka-2.internal:9092",
            "VATRA_KAFKA_REPLICATION_FACTOR": "3",
            "VATRA_KAFKA_MIN_INSYNC_REPLICAS": "2",
        }
    ).kafka
    assert kafka is not None
    assert (kafka.replication_factor, kafka.min_insync_replicas) == (3, 2)
    assert kafka.events_topic == "vatra.case-events"
    assert kafka.partitions == 6


def test_privacy_keys_are_read_and_checked_and_never_shown() -> None:
    key = base64.b64encode(bytes(range(32))).decode()
    settings = load_settings(
        {
            "VATRA_CHAIN_KEY": "c" * 32,
            "VATRA_EVENT_CIPHER_KEY": key,
            "VATRA_PERSONAL_DATA_KEY": key,
            "VATRA_PERSONAL_DATA_PREVIOUS_KEYS": f"{key}, {key}",
        }
    )
    privacy = settings.privacy
    assert privacy.chain_key.get_secret_value() == "c" * 32
    previous = privacy.personal_data_previous_keys
    assert [k.get_secret_value() for k in previous] == [key, key]
    assert key not in repr(settings)
    assert load_settings({}).privacy.chain_key.get_secret_value() == ""


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("VATRA_CHAIN_KEY", "short", "at least 32 characters"),
        ("VATRA_EVENT_CIPHER_KEY", "not base64!", "must be base64"),
        (
            "VATRA_EVENT_CIPHER_KEY",
            base64.b64encode(b"x" * 20).decode(),
            "16 or 24 or 32",
        ),
        (
            "VATRA_PERSONAL_DATA_KEY",
            base64.b64encode(b"x" * 16).decode(),
            "of 32 bytes",
        ),
    ],
)
def test_a_malformed_privacy_key_is_refused_by_name(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError, match=name) as error:
        load_settings({name: value})
    assert message in str(error.value)
