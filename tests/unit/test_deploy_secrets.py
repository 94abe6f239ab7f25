"""The compose file passes every key and password as a Docker secret, runs the
backbone in production mode over SASL_SSL, and publishes only the API's HTTPS
port. No container engine runs here: the file is checked as data, and the
settings it gives are loaded with the secrets the scripts make."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.config.production import REQUIRED_KEYS, check_keys
from services.config.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VATRA_SERVICES = ("api", "relay", "projector", "notifier", "sop-clock")
BROKERS = ("kafka-1", "kafka-2", "kafka-3")
# What a variable holding a secret is called; it may appear only as NAME_FILE.
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|_KEY)$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """deploy/ as the README's two scripts leave it: secrets/ and certs/."""
    deploy = tmp_path_factory.mktemp("deploy")
    for command in (
        [str(DEPLOY / "make-secrets.sh"), str(deploy / "secrets")],
        [str(DEPLOY / "kafka" / "make-certs.sh"), str(deploy / "certs")],
    ):
        subprocess.run(["bash", *command], check=True, capture_output=True, timeout=60)
    return deploy


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service.get("environment", {}).items()}


def test_only_the_api_publishes_a_port_and_it_is_https(
    compose: dict[str, Any],
) -> None:
    published = {
        name: service["ports"]
        for name, service in compose["services"].items()
        if service.get("ports")
    }
    assert published == {"api": ["443:8443"]}
    env = _environment(compose["services"]["api"])
    assert env["VATRA_API_PORT"] == "8443"
    assert env["VATRA_API_TLS_CERT_FILE"] == "/run/secrets/api_tls_cert"
    assert env["VATRA_API_TLS_KEY_FILE"] == "/run/secrets/api_tls_key"


def test_every_key_and_password_is_a_docker_secret_the_scripts_make(
    compose: dict[str, Any], made: Path
) -> None:
    declared = compose["secrets"]
    for spec in declared.values():
        assert (made / spec["file"]).is_file(), f"no script makes {spec['file']}"
    for name, service in compose["services"].items():
        given = set(service.get("secrets", []))
        assert given <= set(declared), f"{name} uses an undeclared secret"
        for key, value in _environment(service).items():
            if value.startswith("/run/secrets/"):
                secret = value.removeprefix("/run/secrets/")
                assert secret in given, f"{name}: {key} names no secret of it"
            assert not SECRET_NAME.search(key), f"{name}: {key} in clear"


def test_every_backbone_service_runs_in_production_mode_with_its_keys(
    compose: dict[str, Any], made: Path
) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "VATRA_PRODUCTION=on" in dockerfile
    for name in VATRA_SERVICES:
        service = compose["services"][name]
        env = _environment(service)
        assert env["VATRA_PRODUCTION"] == "on"
        for key in REQUIRED_KEYS:
            assert env[f"{key}_FILE"].startswith("/run/secrets/"), (name, key)
        # The settings as the container reads them, its secrets mounted.
        mounted = {key: _mounted(value, compose, made) for key, value in env.items()}
        settings = load_settings(mounted)
        check_keys(settings)  # raises if production mode would refuse
        kafka = settings.kafka
        assert kafka is not None
        assert kafka.security.protocol == "SASL_SSL"
        assert kafka.security.sasl_mechanism == "SCRAM-SHA-512"
        assert settings.database.password.get_secret_value()


def _mounted(value: str, compose: dict[str, Any], made: Path) -> str:
    """A compose value as the container sees it: /run/secrets/X is the file
    the secret X names; ${VAR:-default} / ${VAR:?...} as an .env would set."""
    if value.startswith("/run/secrets/"):
        secret = compose["secrets"][value.removeprefix("/run/secrets/")]
        return str(made / secret["file"])
    if value.startswith("${VATRA_PUBLIC_URL"):
        return "https://vatra.example.org"
    found = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return found[1] if found else value


def test_the_brokers_take_clients_only_over_sasl_ssl_on_the_port_the_backbone_uses(
    compose: dict[str, Any],
) -> None:
    script = (DEPLOY / "kafka" / "broker.sh").read_text()
    assert "listeners=SASL_SSL://:${client_port},CONTROLLER://:${controller_port}" in (
        script
    )
    assert "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL" in script
    assert 'client_port="${CLIENT_PORT:-9093}"' in script
    servers = _environment(compose["services"]["relay"])["KAFKA_BOOTSTRAP_SERVERS"]
    assert servers == ",".join(f"{broker}:9093" for broker in BROKERS)
    for broker in BROKERS:
        service = compose["services"][broker]
        assert service["entrypoint"] == ["/bin/bash", "/opt/vatra/broker.sh"]
        assert "./kafka/broker.sh:/opt/vatra/broker.sh:ro" in service["volumes"]
        cluster_id = _environment(service)["CLUSTER_ID"]
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_grafana_takes_its_admin_password_from_a_secret(
    compose: dict[str, Any],
) -> None:
    grafana = compose["services"]["grafana"]
    env = _environment(grafana)
    assert env["GF_SECURITY_ADMIN_PASSWORD__FILE"] == (
        "/run/secrets/grafana_admin_password"
    )
    assert "GF_SECURITY_ADMIN_PASSWORD" not in env
    assert grafana["secrets"] == ["grafana_admin_password"]


def test_no_key_is_copied_into_the_image_or_committed() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    committed = (ROOT / ".gitignore").read_text().split()
    for folder in ("deploy/secrets/", "deploy/certs/", "deploy/.env"):
        assert folder in ignored
        assert folder in committed
