"""``vatra kafka start DIR PORT`` runs a broker as ``kafka.sh start DIR PORT`` does."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from devtools.kafka.jars import fetch_jars
from devtools.kafka.probes import free_ports
from devtools.kafka.process import LocalKafka
from services.cli.main import main


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    fetch_jars()
    folder = tmp_path / "kafka"
    try:
        yield folder
    finally:
        LocalKafka(folder).stop()


def _vatra(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def test_vatra_kafka_starts_on_the_given_folder_and_port_and_stops(
    data_dir: Path,
) -> None:
    port = free_ports(1)[0]
    code, out = _vatra("kafka", "start", str(data_dir), str(port))
    assert code == 0
    assert out.strip() == f"127.0.0.1:{port}"
    code, out = _vatra("kafka", "status", str(data_dir))
    assert code == 0
    assert f"127.0.0.1:{port}" in out
    assert _vatra("kafka", "stop", str(data_dir))[0] == 0
    assert _vatra("kafka", "status", str(data_dir)) == (3, "stopped\n")
