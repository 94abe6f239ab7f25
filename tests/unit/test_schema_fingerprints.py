"""The fingerprint table of schemas/README.md says what the codec computes,
and which schemas the Apache ``avro`` package for Python fingerprints apart."""

from __future__ import annotations

import re
from pathlib import Path

import avro.schema

from schemas.codec import SchemaRegistry

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
ROW = re.compile(
    r"^\| `(?P<file>\w+\.v\d+\.avsc)` \| `(?P<ours>[0-9a-f]{16})` \| (?P<avro>.+) \|$"
)


def _table() -> dict[str, tuple[str, str]]:
    text = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        found = ROW.match(line)
        if found:
            rows[found["file"]] = (found["ours"], found["avro"])
    return rows


def test_the_readme_publishes_the_codecs_fingerprint_of_every_schema() -> None:
    published = {name: ours for name, (ours, _avro) in _table().items()}

    computed = {
        f"{v.name}.v{v.version}.avsc": v.fingerprint.hex()
        for v in SchemaRegistry.packaged()
    }

    assert published == computed


def test_the_readme_says_where_the_apache_avro_package_differs() -> None:
    for name, (ours, theirs) in _table().items():
        text = (SCHEMAS / "avro" / name).read_text(encoding="utf-8")
        apache = bytes(avro.schema.parse(text).fingerprint("CRC-64-AVRO")).hex()
        if apache == ours:
            assert theirs == "same", name
        else:
            assert theirs == f"`{apache}` (differs)", name
            assert "logicalType" in text, name
