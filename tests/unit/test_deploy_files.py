"""The deployment files are valid and refer only to things that exist.

No container engine runs here, so the compose file is checked as data: its
YAML, its references between services, volumes and files, the settings it
passes, and the commands it runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.cli.main import command_names

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make test` installs Debian's prometheus"
    return subprocess.run(
        [promtool, *args], capture_output=True, text=True, check=False, timeout=60
    )


def test_promtool_accepts_the_alert_rules_and_the_scrape_config() -> None:
    rules = _promtool("check", "rules", str(DEPLOY / "prometheus" / "alerts.yml"))
    assert rules.returncode == 0, rules.stdout + rules.stderr
    config = _promtool("check", "config", str(DEPLOY / "prometheus" / "prometheus.yml"))
    assert config.returncode == 0, config.stdout + config.stderr


def test_the_alert_rules_cover_lags_failures_dead_letters_breaches_and_silence() -> (
    None
):
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    text = json.dumps(rules)
    for metric in (
        "vatra_relay_lag_events",
        "vatra_consumer_lag_messages",
        "vatra_alerts_total",
        "vatra_dead_letters_total",
        "vatra_obligations",
        "up{",
    ):
        assert metric in text, metric


def test_compose_runs_a_three_broker_cluster_with_replication_three(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    brokers = [name for name in services if name.startswith("kafka-")]
    assert len(brokers) == 3
    for name in brokers:
        env = services[name]["environment"]
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    vatra_env = services["relay"]["environment"]
    assert vatra_env["VATRA_KAFKA_REPLICATION_FACTOR"] == "3"
    assert vatra_env["VATRA_KAFKA_MIN_INSYNC_REPLICAS"] == "2"


def test_compose_references_resolve(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on", {})
        for other in depends if isinstance(depends, list) else depends.keys():
            assert other in services, f"{name} depends on unknown service {other}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in compose["volumes"], f"{name}: undeclared {source}"
        build = service.get("build")
        if build:
            assert (DEPLOY / build["context"] / build["dockerfile"]).exists()


def test_compose_runs_real_vatra_commands_with_known_settings(
    compose: dict[str, Any],
) -> None:
    commands = {
        name: service["command"]
        for name, service in compose["services"].items()
        if service.get("image") == "vatra-backbone:latest"
    }
    assert set(commands) == {"api", "relay", "projector", "notifier", "sop-clock"}
    subcommands = command_names()
    for name, command in commands.items():
        assert command[0] in subcommands, f"{name} runs unknown `vatra {command[0]}`"
    readme = (ROOT / "README.md").read_text()
    for name in commands:
        for key in compose["services"][name].get("environment", {}):
            # NAME_FILE gives NAME from a file: documented once, for all.
            names = {f"`{key}`", f"`{key.removesuffix('_FILE')}`"}
            if re.match(r"(VATRA|POSTGRES|KAFKA_BOOTSTRAP)_", key):
                documented = any(name in readme for name in names)
                assert documented, f"{key} is not documented in README"


def test_prometheus_scrapes_the_compose_services_on_their_ports(
    compose: dict[str, Any],
) -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    services = compose["services"]
    for job in config["scrape_configs"]:
        for target in job["static_configs"][0]["targets"]:
            host, port = target.split(":")
            assert host in services, f"{job['job_name']} scrapes unknown host {host}"
            env = services[host].get("environment", {})
            expected = env.get("VATRA_API_PORT") or env.get("VATRA_METRICS_PORT")
            assert port == expected, f"{host} serves metrics on {expected}, not {port}"


def test_the_grafana_dashboard_is_valid_json_over_known_metrics() -> None:
    dashboard = json.loads(
        (DEPLOY / "grafana" / "dashboards" / "vatra-backbone.json").read_text()
    )
    expressions = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    assert expressions
    assert all("vatra_" in expr for expr in expressions)
