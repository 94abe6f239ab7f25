"""The broker's jars, from Maven Central, and the Java to run them with.

``fetch_jars`` resolves them through ``deploy/kafka/pom.xml`` into
``deploy/kafka/libs/`` (once: again only when the pom changes).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "kafka"


class LocalKafkaError(RuntimeError):
    """Kafka could not be fetched, started or stopped; the message says why."""


def fetch_jars(deploy_dir: Path = DEPLOY_DIR) -> Path:
    """Resolve the broker jars into ``deploy_dir/libs`` and return that folder.

    Idempotent: Maven runs only when the libs are missing or the pom changed
    since the last fetch (its hash is stamped into libs/).
    """
    java_executable()
    pom = deploy_dir / "pom.xml"
    if not pom.is_file():
        raise LocalKafkaError(f"no Kafka pom at {pom}")
    libs = deploy_dir / "libs"
    libs.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    stamp = libs / ".pom.sha256"
    with file_lock(libs / ".fetch.lock"):
        current = stamp.is_file() and stamp.read_text().strip() == digest
        if current and any(libs.glob("kafka_2.13-*.jar")):
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalKafkaError(
                "Maven (mvn) is not on PATH: install Maven 3.8+ to fetch the Kafka "
                f"jars, or copy them into {libs}"
            )
        for jar in libs.glob("*.jar"):  # never mix two Kafka versions on a classpath
            jar.unlink()
        command = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies"]
        result = subprocess.run(
            [*command, f"-DoutputDirectory={libs}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not any(libs.glob("kafka_2.13-*.jar")):
            raise LocalKafkaError(
                f"mvn could not resolve the Kafka jars (exit {result.returncode}):\n"
                + tail(result.stdout + result.stderr)
            )
        stamp.write_text(digest + "\n")
    return libs


def java_executable() -> str:
    """The ``java`` to run Kafka with: ``$JAVA_HOME/bin/java``, else PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise LocalKafkaError("java is not on PATH: Kafka 4 needs Java 17 or newer")
    return java


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
