"""How settings are read: pydantic-settings on one environment mapping.

Each group of settings declares its variables on a subclass of
``EnvironmentSettings``: the variable's name (the field's alias), its default
and its check. ``read(env)`` validates them from ``env`` (the process
environment by default) and turns any failure into one ``SettingsError`` that
names the variable. Nothing else in the program reads ``os.environ``.

Any variable may instead be given in a file: ``NAME_FILE=/run/secrets/name``
reads ``NAME`` from that file (surrounding white space dropped), as Docker and
Kubernetes secrets are mounted. Setting both is an error.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BeforeValidator, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The default of every key and password: unset.
NO_SECRET = SecretStr("")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source, on a given mapping."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]):
        self._given = env
        super().__init__(settings_cls, case_sensitive=True, env_ignore_empty=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # An empty variable counts as unset (env_ignore_empty), as it always has.
        return {name: value for name, value in self._given.items() if value != ""}


class EnvironmentSettings(BaseSettings):
    """A group of settings read from one environment mapping (see ``read``)."""

    model_config = SettingsConfigDict(
        case_sensitive=True, env_ignore_empty=True, extra="ignore", frozen=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Values come only through read(): tests give their own environment,
        # and nothing may fill a gap from the process's.
        return (init_settings,)

    @classmethod
    def read(cls, env: Mapping[str, str] | None = None) -> Self:
        """The settings from ``env`` (the process environment by default);
        ``NAME_FILE`` gives ``NAME`` from a file."""
        env = os.environ if env is None else env
        names = [f.alias for f in cls.model_fields.values() if f.alias]
        values = _MappingSource(cls, with_files(env, names))()
        try:
            return cls(**values)
        except ValidationError as error:
            raise SettingsError(_describe(error)) from None


FILE_SUFFIX = "_FILE"


def with_files(env: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """``env`` with each of ``names`` whose ``NAME_FILE`` is set read from that
    file. A file that cannot be read, an empty one, or both forms set at once
    is a ``SettingsError`` naming the variable (never the value)."""
    resolved = dict(env)
    for name in names:
        path = env.get(name + FILE_SUFFIX, "")
        if not path:
            continue
        if env.get(name, ""):
            raise SettingsError(
                f"{name} and {name}{FILE_SUFFIX} are both set: give only one"
            )
        resolved[name] = read_secret_file(name + FILE_SUFFIX, Path(path))
    return resolved


def read_secret_file(variable: str, path: Path) -> str:
    """The text of the file ``variable`` names, white space around it dropped."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SettingsError(
            f"{variable}: cannot read {path}: {error.strerror or error}"
        ) from None
    except UnicodeDecodeError:
        raise SettingsError(f"{variable}: {path} is not UTF-8 text") from None
    if not text:
        raise SettingsError(f"{variable}: {path} is empty")
    return text


def secrets_named(env: Mapping[str, str], prefix: str) -> dict[str, SecretStr]:
    """Every variable whose name starts with ``prefix``, each also readable
    from ``NAME_FILE``: for settings whose names the operator chooses (the
    webhook secrets the directory refers to)."""
    names = {name.removesuffix(FILE_SUFFIX) for name in env if name.startswith(prefix)}
    resolved = with_files(env, names)
    return {
        name: SecretStr(resolved[name]) for name in sorted(names) if resolved.get(name)
    }


def _describe(error: ValidationError) -> str:
    """``NAME message`` for each failed variable (a whole-group check names its own)."""
    parts = []
    for failure in error.errors(include_url=False, include_input=False):
        message = str(failure["msg"]).removeprefix("Value error, ")
        name = ".".join(str(part) for part in failure["loc"])
        parts.append(f"{name} {message}" if name else message)
    return "; ".join(parts)


def _number(raw: Any) -> float:
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number (got {raw!r})") from None
    if value < 0:
        raise ValueError(f"must not be negative (got {raw!r})")
    return value


def _whole(raw: Any) -> int:
    return int(_number(raw))


def _port(raw: Any) -> int | None:
    if isinstance(raw, str) and raw.strip().lower() == "off":
        return None
    port = _whole(raw)
    if port > 65535:
        raise ValueError(f"must be a port number up to 65535 (got {raw!r})")
    return port


_SWITCH_VALUES = {"on": True, "off": False, "1": True, "0": False}


def _switch(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw not in _SWITCH_VALUES:
        raise ValueError(f"must be one of on, off (or 1, 0) (got {raw!r})")
    return _SWITCH_VALUES[raw]


def one_of(*allowed: str) -> Callable[[Any], str]:
    """A check that the value is one of ``allowed`` (the message lists them)."""

    def check(raw: Any) -> str:
        if raw not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)} (got {raw!r})")
        return str(raw)

    return check


def base64_key(*sizes: int) -> Callable[[Any], Any]:
    """A check that a key is base64 of one of ``sizes`` bytes (or empty: unset)."""

    def check(raw: Any) -> Any:
        value = raw.get_secret_value() if isinstance(raw, SecretStr) else str(raw)
        value = value.strip()
        if not value:
            return value
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            raise ValueError(
                "must be base64 (e.g. `openssl rand -base64 32`)"
            ) from None
        if size not in sizes:
            allowed = " or ".join(str(n) for n in sizes)
            raise ValueError(f"must be base64 of {allowed} bytes (got {size})")
        return value

    return check


# Non-negative numbers, as every numeric setting is; a whole number may be
# written with a decimal point (it is truncated, as before).
Number = Annotated[float, BeforeValidator(_number)]
WholeNumber = Annotated[int, BeforeValidator(_whole)]
# A TCP port; ``off`` (None) disables the listener, 0 lets the system choose.
Port = Annotated[int | None, BeforeValidator(_port)]
Switch = Annotated[bool, BeforeValidator(_switch)]
