"""Logs are JSON lines and never carry personal data."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from services.config.logs import configure_logging


def test_a_personal_data_key_is_redacted_even_if_a_log_call_passes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    structlog.get_logger("test").info(
        "identified",
        case_id="c-1",
        name="Arta Hoxha",
        phone="+355 69 000 0000",
        date_of_birth="2009-04-01",
        sex="female",
        age=16,
        nationality="XK",
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["event"] == "identified"
    assert record["case_id"] == "c-1"
    assert record["name"] == record["phone"] == record["date_of_birth"] == "[redacted]"
    assert record["sex"] == record["age"] == record["nationality"] == "[redacted]"
    assert "Arta" not in line
    assert "+355" not in line


def test_the_level_filters_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING", "json")
    log = structlog.get_logger("test")
    log.info("quiet")
    log.warning("loud")
    lines = capsys.readouterr().err.strip().splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["loud"]


def test_the_kafka_client_library_logs_structlog_json_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("kafka.net.connection").error(
        "<KafkaConnection node_id=%s>: Connection lost", "bootstrap-0"
    )
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "<KafkaConnection node_id=bootstrap-0>: Connection lost"
    assert record["level"] == "error"
    assert record["logger"] == "kafka.net.connection"
    assert "timestamp" in record


def test_the_value_of_a_configured_secret_is_blanked_out_wherever_it_appears(
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "kafka-password-0123456789"
    configure_logging("DEBUG", "json", secrets=[secret, "short"])
    try:
        # As kafka-python logs the configuration it was given.
        logging.getLogger("kafka.admin.client").debug(
            "Starting KafkaAdminClient with configuration: %s",
            {"sasl_plain_password": secret, "client_id": "vatra-admin"},
        )
        structlog.get_logger("test").warning(
            "connect_failed", detail={"url": f"postgresql://vatra:{secret}@db/vatra"}
        )
        try:
            raise ValueError(f"bad password {secret}")
        except ValueError:
            structlog.get_logger("test").exception("failed")
        lines = capsys.readouterr().err.strip().splitlines()
    finally:
        configure_logging("WARNING", "json")
    assert len(lines) == 3
    assert all(secret not in line for line in lines)
    assert all("[secret]" in line for line in lines)
    assert json.loads(lines[0])["logger"] == "kafka.admin.client"
