"""``vatra api`` as the compose file runs it: production mode, every key from a
file (as Docker secrets are mounted), HTTPS with a certificate made by
``deploy/kafka/make-certs.sh``; and refused without its keys."""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from devtools.kafka.probes import free_ports
from services.store.database import Database

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "VATRA_CHAIN_KEY": "chain-key-of-the-production-api-test-0123",
    "VATRA_EVENT_CIPHER_KEY": base64.b64encode(b"k" * 32).decode(),
    "VATRA_PERSONAL_DATA_KEY": base64.b64encode(b"p" * 32).decode(),
    "VATRA_NOTIFY_SECRET": "notify-secret-of-the-api-test-0123",
}


def _env(database: Database, **settings: str) -> dict[str, str]:
    # Only the keys a test gives: none of the suite's own (tests.keys).
    inherited = {k: v for k, v in os.environ.items() if k not in KEYS}
    return {
        **inherited,
        "POSTGRES_HOST": database.host,
        "POSTGRES_PORT": str(database.port),
        "POSTGRES_USER": database.user,
        "POSTGRES_DBNAME": database.dbname,
        "VATRA_METRICS_PORT": "off",
        "VATRA_LOG_LEVEL": "WARNING",
        "VATRA_PRODUCTION": "on",
        "PYTHONPATH": str(ROOT),
        **settings,
    }


def _vatra_api(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "api"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("certs")
    subprocess.run(
        ["bash", str(ROOT / "deploy" / "kafka" / "make-certs.sh"), str(folder)],
        env={**os.environ, "API_NAMES": "localhost 127.0.0.1"},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return folder


def test_the_api_refuses_to_start_in_production_without_its_keys(
    database: Database,
) -> None:
    process = _vatra_api(_env(database, VATRA_CHAIN_KEY=KEYS["VATRA_CHAIN_KEY"]))
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 3
    assert err.strip() == (
        "vatra: production mode (VATRA_PRODUCTION) refuses to start without "
        "VATRA_EVENT_CIPHER_KEY, VATRA_PERSONAL_DATA_KEY, VATRA_NOTIFY_SECRET: "
        "set each (or NAME_FILE, naming a file that holds it; see the README's "
        "Settings)"
    )


def test_the_api_serves_https_with_its_keys_read_from_files(
    database: Database, certificates: Path, tmp_path: Path
) -> None:
    files = {}
    for name, value in KEYS.items():
        (tmp_path / name.lower()).write_text(value + "\n", encoding="utf-8")
        files[f"{name}_FILE"] = str(tmp_path / name.lower())
    port = free_ports(1)[0]
    process = _vatra_api(
        _env(
            database,
            **files,
            VATRA_API_PORT=str(port),
            VATRA_API_TLS_CERT_FILE=str(certificates / "api.crt"),
            VATRA_API_TLS_KEY_FILE=str(certificates / "api.key"),
        )
    )
    try:
        trust = ssl.create_default_context(cafile=certificates / "ca.crt")
        with httpx.Client(verify=trust, timeout=2) as https:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, process.communicate()[1]
                try:
                    live = https.get(f"https://127.0.0.1:{port}/health/live")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "vatra api never served HTTPS"
                    time.sleep(0.2)
            assert live.json() == {"status": "alive"}
        # Plain HTTP gets no answer from the HTTPS port.
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2)
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    for value in KEYS.values():
        assert value not in err
