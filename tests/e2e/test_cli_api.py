"""``vatra token``, ``vatra api`` and ``vatra demo --serve`` as an operator runs them.

Runs once ``services/cli/main.py`` has the API commands; until then it is skipped
with the reason, so the suite says what is missing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyotp
import pytest

from services.api.users import token_hash
from services.cli.main import main
from services.store.database import Database
from tests.integration.kafka_helpers import kafka_env, read_topic

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(database: Database, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The test's database for the CLI, and a free loopback port for the API."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    values = {
        "POSTGRES_HOST": database.host,
        "POSTGRES_PORT": str(database.port),
        "POSTGRES_USER": database.user,
        "POSTGRES_DBNAME": database.dbname,
        "VATRA_API_HOST": "127.0.0.1",
        "VATRA_API_PORT": str(port),
        "VATRA_METRICS_PORT": "off",
        "VATRA_LOG_LEVEL": "WARNING",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


Start = Callable[..., tuple["subprocess.Popen[str]", str]]


@pytest.fixture
def run(env: dict[str, str]) -> Iterator[Start]:
    """Start ``vatra <args>`` in a process of its own; stop it with SIGTERM after."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", *args],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        base_url = f"http://127.0.0.1:{env['VATRA_API_PORT']}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"vatra {args} exited: {process.stderr.read()}")
            try:
                if httpx.get(f"{base_url}/health/live", timeout=1).status_code == 200:
                    return process, base_url
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"vatra {args} did not serve on {base_url}")

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)


def test_token_create_prints_a_token_once_and_refuses_an_impossible_user(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "token",
                "create",
                "--user",
                "police-vlora-9",
                "--role",
                "police",
                "--region",
                "vlora",
                "--language",
                "sq",
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.strip()
    assert token.startswith("vatra_")
    assert main(["token", "create", "--user", "police-9", "--role", "police"]) == 2
    assert "needs at least one --region" in capsys.readouterr().err
    assert main(["token", "revoke", "--user", "police-vlora-9", "--all"]) == 0
    assert capsys.readouterr().out.strip() == "revoked 1 token(s)"


def test_tokens_are_listed_without_the_token_and_revoked_one_by_one(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    create = ["token", "create", "--user", "sync-1", "--role", "caseworker"]
    create += ["--region", "vlora"]
    assert main([*create, "--name", "intake", "--expires-in", "30"]) == 0
    intake = capsys.readouterr().out.strip()
    assert main([*create, "--name", "intake"]) == 2
    assert "already has a token named 'intake'" in capsys.readouterr().err
    assert main([*create, "--name", "later", "--expires-in", "366"]) == 2
    assert "from 1 to 365 days" in capsys.readouterr().err
    assert main([*create, "--name", "later", "--expires-at", "2001-01-01"]) == 2
    assert "has already passed" in capsys.readouterr().err
    auditor = ["token", "create", "--user", "sync-1", "--role", "auditor"]
    assert main([*auditor, "--name", "reports"]) == 0
    reports, note = capsys.readouterr()
    assert "intake (caseworker)" in note

    assert main(["token", "list", "--user", "sync-1"]) == 0
    listed = capsys.readouterr().out
    header, *lines = listed.splitlines()
    assert header.split()[:4] == ["NAME", "USER", "ROLE", "REGIONS"]
    assert [line.split()[:4] for line in lines] == [
        ["intake", "sync-1", "caseworker", "vlora"],
        ["reports", "sync-1", "auditor", "all"],
    ]
    assert lines[0].rstrip().endswith("-")  # not revoked
    for secret in (intake, reports.strip()):
        assert secret not in listed
        assert token_hash(secret) not in listed

    assert main(["token", "revoke", "--user", "sync-1", "--name", "intake"]) == 0
    assert capsys.readouterr().out.strip() == "revoked 1 token(s)"
    assert main(["token", "revoke", "--user", "sync-1", "--name", "intake"]) == 2
    assert "no live token named 'intake'" in capsys.readouterr().err
    assert main(["token", "list"]) == 0
    intake_line, reports_line = capsys.readouterr().out.splitlines()[1:]
    assert not intake_line.rstrip().endswith("-")  # its revocation time
    assert reports_line.rstrip().endswith("-")
    # The name of a revoked token is free again.
    assert main([*create, "--name", "intake"]) == 0
    capsys.readouterr()
    assert main(["token", "revoke", "--user", "sync-1", "--all"]) == 0
    assert capsys.readouterr().out.strip() == "revoked 2 token(s)"


def test_a_child_protection_unit_token_names_a_unit_of_the_directory(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    cpu = ["token", "create", "--user", "cpu-9", "--role", "child_protection_unit"]
    cpu += ["--region", "vlora"]
    assert main(cpu) == 2
    assert "needs --unit" in capsys.readouterr().err
    assert main([*cpu, "--unit", "police-vlora"]) == 2
    assert "not a child_protection_units entry" in capsys.readouterr().err
    assert main([*cpu, "--unit", "cpu-sarande"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("vatra_")


def test_vatra_api_serves_pages_and_api_until_sigterm(
    env: dict[str, str], run: Start, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "--user", "auditor-9", "--role", "auditor"]) == 0
    token = capsys.readouterr().out.strip()
    process, base_url = run("api")
    me = httpx.get(f"{base_url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "auditor"
    assert httpx.get(f"{base_url}/login").status_code == 200
    assert httpx.get(f"{base_url}/health/ready").status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_demo_serve_records_the_demo_and_prints_a_token_per_audience(
    run: Start,
) -> None:
    process, base_url = run("demo", "--serve")
    assert process.stdout is not None
    banner = ""
    while "admin-1" not in banner:
        line = process.stdout.readline()
        assert line, f"no demo tokens printed: {banner!r}"
        banner += line
    tokens = {
        line.split()[0]: line.split()[-1]
        for line in banner.splitlines()
        if line.strip().split(" ")[-1].startswith("vatra_")
    }
    assert set(tokens) == {
        "mobile_unit",
        "police",
        "coordinator",
        "responsible_authority",
        "auditor",
    }
    cases = httpx.get(
        f"{base_url}/api/cases",
        headers={"Authorization": f"Bearer {tokens['coordinator']}"},
    )
    assert len(cases.json()) == 7
    # The demo's page log-ins: a password, then the code of the printed key.
    logins = {
        words[1]: (words[3], words[5])
        for words in (line.split() for line in banner.splitlines())
        if len(words) == 6 and words[2:5:2] == ["password", "key"]
    }
    assert set(logins) >= {"mu-vlora-1", "admin-1"}
    password, key = logins["mu-vlora-1"]
    with httpx.Client(base_url=base_url) as browser:
        step = browser.post(
            "/login", data={"username": "mu-vlora-1", "password": password}
        )
        assert step.headers["location"] == "/login/next"
        page = browser.get("/login/next").text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        code = pyotp.TOTP(key).now()
        done = browser.post("/login/code", data={"code": code, "csrf": csrf})
        assert done.headers["location"] == "/"
        assert "mu-vlora-1" in browser.get("/").text


def test_the_first_administrator_and_accounts_come_from_the_command_line(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "create", "--admin", "--user", "admin-1"]) == 0
    out = capsys.readouterr().out
    first_line, password = out.strip().splitlines()
    assert "one-time password" in first_line
    assert len(password) == 19
    assert main(["user", "create", "--admin", "--user", "admin-1"]) == 2
    assert "exists already" in capsys.readouterr().err
    worker = ["user", "create", "--user", "mu-vlora-7", "--role", "mobile_unit"]
    assert main(worker) == 2
    assert "needs at least one --region" in capsys.readouterr().err
    assert main([*worker, "--region", "vlora"]) == 0
    capsys.readouterr()
    assert main(["user", "deactivate", "mu-vlora-7"]) == 0
    assert main(["user", "unlock", "nobody"]) == 2
    assert "no account named 'nobody'" in capsys.readouterr().err
    assert main(["user", "list"]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["USER", "ROLE", "REGIONS", "STATE", "LAST", "LOG-IN"]
    assert [row.split()[:4] for row in rows] == [
        ["admin-1", "administrator", "-", "first"],
        ["mu-vlora-7", "mobile_unit", "vlora", "deactivated"],
    ]
    assert password not in "\n".join(rows)


def test_in_the_full_mode_each_read_through_vatra_api_is_published_by_vatra_relay(
    env: dict[str, str],
    run: Start,
    kafka_servers: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kafka = kafka_env(kafka_servers)
    env.update(kafka)
    for name, value in kafka.items():
        monkeypatch.setenv(name, value)
    assert main(["topics"]) == 0
    assert "created: " in capsys.readouterr().out
    assert main(["token", "create", "--user", "auditor-9", "--role", "auditor"]) == 0
    token = capsys.readouterr().out.strip()
    _process, base_url = run("api")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{base_url}/api/access-log", headers=headers).status_code == 200
    topic = kafka["VATRA_KAFKA_ACCESS_LOG_TOPIC"]
    # The API records the read; the relay's process publishes it.
    relay = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "relay"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        (record,) = read_topic(kafka_servers, topic, 1)
    finally:
        relay.send_signal(signal.SIGTERM)
        _out, err = relay.communicate(timeout=30)
    assert relay.returncode == 0, err
    message = json.loads(record.value)
    assert (message["actor_id"], message["view"], message["allowed"]) == (
        "auditor-9",
        "access_log",
        True,
    )
