"""Avro single-object encoding, and the registry of every schema version we publish.

A message is ``C3 01``, then the 8-byte little-endian CRC-64-AVRO (Rabin)
fingerprint of the writer schema's Parsing Canonical Form, then the Avro binary
body (Avro specification, "Single-object encoding"). The fingerprint names the
exact schema version the producer wrote with; the registry reads the body with
that schema and resolves it to the newest version of the same record, so a
message written years ago still reads as today's shape.

Nothing is loaded at import time: build a registry explicitly
(``SchemaRegistry.packaged()``) or take the shared one from ``default_registry()``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, NamedTuple

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.read import SchemaResolutionError
from fastavro.schema import fingerprint, to_parsing_canonical_form
from fastavro.types import Schema
from fastavro.validation import ValidationError, validate

MARKER = b"\xc3\x01"
FINGERPRINT_SIZE = 8
HEADER_SIZE = len(MARKER) + FINGERPRINT_SIZE

# <RecordName>.v<version>.avsc, e.g. Identified.v1.avsc
_FILE_NAME = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\.v(?P<version>\d+)\.avsc$")


class CodecError(Exception):
    """Base of every error the Avro contract raises: catch this to dead-letter."""


class SchemaLoadError(CodecError):
    """A schema file is malformed, misnamed or clashes with another version."""


class UnknownSchema(CodecError):
    """No schema of that name (or that version of it) is registered."""


class InvalidRecord(CodecError):
    """The record does not fit the schema it is to be written with."""


class UnknownFingerprint(CodecError):
    """The message was written with a schema this registry does not hold.

    Usually a newer producer: update the schema bundle. Never drop the message.
    """

    def __init__(self, fingerprint: bytes) -> None:
        super().__init__(
            f"no registered schema has fingerprint {fingerprint.hex()} "
            "(CRC-64-AVRO, little-endian): the message was written with a schema "
            "version this reader does not know"
        )
        self.fingerprint = fingerprint


class CorruptMessage(CodecError):
    """Not a valid single-object message: bad marker, truncated or undecodable."""


class IncompatibleSchemas(CodecError):
    """The writer's schema cannot be resolved to the newest version of its record."""


@dataclass(frozen=True)
class SchemaVersion:
    """One registered version of one record schema."""

    name: str
    version: int
    schema: Schema
    canonical_form: str
    fingerprint: bytes
    # The same schema without its logical types: read with it, uuids stay
    # text and times stay microseconds, for callers that convert only what
    # they use (fastavro's conversions cost more than the read itself).
    plain_schema: Schema


class DecodedRecord(NamedTuple):
    """A decoded message: which schema wrote it, and the record in newest shape."""

    name: str
    version: int
    record: dict[str, Any]


def fingerprint_of(schema: Schema) -> bytes:
    """The CRC-64-AVRO fingerprint of ``schema``, as the 8 bytes put on the wire."""
    return _fingerprint(to_parsing_canonical_form(schema))


def _fingerprint(canonical_form: str) -> bytes:
    # fastavro returns the Rabin fingerprint hex-encoded in little-endian byte
    # order, which is the order single-object encoding puts on the wire.
    return bytes.fromhex(fingerprint(canonical_form, "CRC-64-AVRO"))


class SchemaRegistry:
    """Every version of every record schema, keyed by fingerprint and by name."""

    def __init__(self) -> None:
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        self._by_name: dict[str, dict[int, SchemaVersion]] = {}

    @classmethod
    def packaged(cls) -> SchemaRegistry:
        """A new registry holding the ``.avsc`` files shipped in ``schemas/avro``."""
        return cls.load(files("schemas").joinpath("avro"))

    @classmethod
    def load(cls, directory: Traversable) -> SchemaRegistry:
        """A new registry holding every ``<Name>.v<N>.avsc`` file in ``directory``."""
        registry = cls()
        for entry in sorted(directory.iterdir(), key=lambda item: item.name):
            if entry.name.endswith(".avsc"):
                registry._add_file(entry)
        return registry

    def _add_file(self, entry: Traversable) -> None:
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise SchemaLoadError(
                f"{entry.name}: schema files are named <RecordName>.v<version>.avsc"
            )
        try:
            schema = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SchemaLoadError(f"{entry.name}: {error}") from error
        self.add(match["name"], int(match["version"]), schema)

    def add(self, name: str, version: int, schema: Mapping[str, Any]) -> SchemaVersion:
        """Register ``schema`` as version ``version`` of the record ``name``."""
        if not isinstance(schema, Mapping):
            raise SchemaLoadError(f"{name} v{version}: a schema file holds one record")
        if schema.get("type") != "record" or schema.get("name") != name:
            raise SchemaLoadError(
                f"{name} v{version}: expected a record named {name!r}, "
                f"got {schema.get('type')!r} named {schema.get('name')!r}"
            )
        try:
            parsed = parse_schema(dict(schema))
            canonical = to_parsing_canonical_form(parsed)
        except Exception as error:
            # fastavro reports bad schemas with several exception types.
            raise SchemaLoadError(f"{name} v{version}: {error}") from error
        entry = SchemaVersion(
            name,
            version,
            parsed,
            canonical,
            _fingerprint(canonical),
            parse_schema(_without_logical_types(dict(schema))),
        )
        versions = self._by_name.setdefault(name, {})
        if version in versions:
            raise SchemaLoadError(f"{name} v{version} is registered twice")
        clash = self._by_fingerprint.get(entry.fingerprint)
        if clash is not None:
            # Same canonical form: the versions differ only in docs or defaults,
            # so a reader could not tell which one wrote a message.
            raise SchemaLoadError(
                f"{name} v{version} has the same canonical form as "
                f"{clash.name} v{clash.version}"
            )
        versions[version] = entry
        self._by_fingerprint[entry.fingerprint] = entry
        return entry

    def names(self) -> list[str]:
        """The registered record names, sorted."""
        return sorted(self._by_name)

    def versions(self, name: str) -> list[SchemaVersion]:
        """Every registered version of ``name``, oldest first."""
        versions = self._versions_of(name)
        return [versions[version] for version in sorted(versions)]

    def get(self, name: str, version: int | None = None) -> SchemaVersion:
        """Version ``version`` of ``name``; the newest when ``version`` is None."""
        versions = self._versions_of(name)
        if version is None:
            return versions[max(versions)]
        if version not in versions:
            raise UnknownSchema(f"{name} has no version {version}")
        return versions[version]

    def by_fingerprint(self, fingerprint: bytes) -> SchemaVersion:
        """The schema version with this wire fingerprint."""
        entry = self._by_fingerprint.get(bytes(fingerprint))
        if entry is None:
            raise UnknownFingerprint(bytes(fingerprint))
        return entry

    def __iter__(self) -> Iterator[SchemaVersion]:
        for name in self.names():
            yield from self.versions(name)

    def _versions_of(self, name: str) -> dict[int, SchemaVersion]:
        versions = self._by_name.get(name)
        if not versions:
            raise UnknownSchema(f"no schema named {name!r} is registered")
        return versions

    def encode(
        self,
        name: str,
        record: Mapping[str, Any],
        *,
        version: int | None = None,
        validated: bool = True,
        logical: bool = True,
    ) -> bytes:
        """``record`` in single-object encoding, written with ``name``'s schema.

        The newest version is used unless ``version`` names an older one.
        ``validated=False`` skips the type check, for records this package
        builds itself from typed values (the envelope): never for a payload.
        ``logical=False`` takes the logical types' values as their Avro
        primitives, already converted: a ``uuid`` as its text, a
        ``timestamp-micros`` as an int. The bytes are the same.
        """
        entry = self.get(name, version)
        buffer = io.BytesIO()
        buffer.write(MARKER)
        buffer.write(entry.fingerprint)
        try:
            # fastavro's writer coerces some wrong types silently (a str into
            # an array of chars, any value into a boolean): validate first.
            if validated:
                validate(record, entry.schema, raise_errors=True)
            schema = entry.schema if logical else entry.plain_schema
            schemaless_writer(buffer, schema, record, strict=True)
        except (ValidationError, ValueError, TypeError, OverflowError) as error:
            raise InvalidRecord(f"{name} v{entry.version}: {error}") from error
        return buffer.getvalue()

    def decode(
        self, data: bytes | bytearray | memoryview, *, logical: bool = True
    ) -> DecodedRecord:
        """The record in ``data``, resolved to the newest version of its schema.

        With ``logical=False`` the logical types are left as their Avro
        primitives: a ``uuid`` as its text, a ``timestamp-micros`` as an int.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            # A Kafka tombstone has no value at all.
            raise CorruptMessage(f"expected bytes, got {type(data).__name__}")
        message = bytes(data)
        if len(message) < HEADER_SIZE:
            raise CorruptMessage(
                f"{len(message)} bytes is shorter than the {HEADER_SIZE}-byte "
                "single-object header"
            )
        if message[: len(MARKER)] != MARKER:
            raise CorruptMessage(
                f"marker {message[: len(MARKER)].hex()} is not c301: "
                "not Avro single-object encoding"
            )
        writer = self.by_fingerprint(message[len(MARKER) : HEADER_SIZE])
        reader = self.get(writer.name)
        body = io.BytesIO(message)
        body.seek(HEADER_SIZE)
        writer_schema = writer.schema if logical else writer.plain_schema
        reader_schema = reader.schema if logical else reader.plain_schema
        try:
            record = schemaless_reader(
                body, writer_schema, None if reader is writer else reader_schema
            )
        except SchemaResolutionError as error:
            raise IncompatibleSchemas(
                f"{writer.name} v{writer.version} cannot be read as "
                f"v{reader.version}: {error}"
            ) from error
        except Exception as error:
            # fastavro signals malformed input with whatever the failing read
            # raised (EOFError, IndexError, UnicodeDecodeError, OverflowError,
            # ValueError...): all of them mean this body is not a valid record.
            raise CorruptMessage(
                f"{writer.name} v{writer.version}: body does not decode: "
                f"{type(error).__name__}: {error}"
            ) from error
        if body.tell() != len(message):
            raise CorruptMessage(
                f"{writer.name} v{writer.version}: "
                f"{len(message) - body.tell()} bytes left after the record"
            )
        if not isinstance(record, dict):
            raise CorruptMessage(f"{writer.name}: body is not a record")
        return DecodedRecord(writer.name, writer.version, record)


def _without_logical_types(schema: Any) -> Any:
    """A copy of ``schema`` with every ``logicalType`` annotation removed."""
    if isinstance(schema, dict):
        return {
            key: _without_logical_types(value)
            for key, value in schema.items()
            if key != "logicalType"
        }
    if isinstance(schema, list):
        return [_without_logical_types(value) for value in schema]
    return schema


@cache
def default_registry() -> SchemaRegistry:
    """The packaged schemas, loaded once on first use."""
    return SchemaRegistry.packaged()


def encode(
    name: str, record: Mapping[str, Any], *, version: int | None = None
) -> bytes:
    """``record`` in single-object encoding with the packaged schema ``name``."""
    return default_registry().encode(name, record, version=version)


def decode(data: bytes | bytearray | memoryview) -> DecodedRecord:
    """The record in ``data``, read with the packaged schemas."""
    return default_registry().decode(data)
