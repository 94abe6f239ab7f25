"""The catalogues kept as data in ``deploy/catalogues/``: Albania's counties and
municipalities, the forms of exploitation and the indicators of trafficking.

Each file says where its list comes from. The files are read once, when the
catalogue is first imported; a missing or malformed file stops the program
with the file and the problem named. Codes are stored in events, so a code,
once in a file, stays; the labels beside it are for people, in English
(``en``) and Albanian (``sq``). ``aliases`` are what people wrote before a
field was a code list: matched (``fold``) against text recorded earlier, never
stored.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "deploy" / "catalogues"


class CatalogueFileError(Exception):
    """A catalogue file is missing or wrong; the message names file and entry."""


class Label(NamedTuple):
    """A code's label in English and in Albanian."""

    en: str
    sq: str


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    county: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Territory:
    """Counties and their municipalities, and the names people write for them."""

    counties: Mapping[str, str]  # county code -> Albanian name
    municipalities: Mapping[str, Municipality]  # by code, in file order
    known_as: Mapping[str, str]  # folded code, name or alias -> code

    def of_county(self, county: str) -> tuple[str, ...]:
        """The codes of ``county``'s municipalities, in file order."""
        return tuple(m.code for m in self.municipalities.values() if m.county == county)

    def match(self, text: str) -> str | None:
        """The code of the municipality ``text`` names, if it names one."""
        return _match(self.known_as, text)


@dataclass(frozen=True)
class CodeList:
    """Codes with their labels, in file order, optionally in groups."""

    labels: Mapping[str, Label]
    known_as: Mapping[str, str]  # folded code, label or alias -> code
    groups: Mapping[str, Label]  # group code -> its label ({} without groups)
    group_of: Mapping[str, str]  # code -> group code

    def match(self, text: str) -> str | None:
        """The code ``text`` names (a code, a label or an alias), if any."""
        return _match(self.known_as, text)


def fold(text: str) -> str:
    """Text as matched: no case, no diacritics, "_" and "-" as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace("_", " ").replace("-", " ").split())


def _match(known_as: Mapping[str, str], text: str) -> str | None:
    folded = fold(text)
    for candidate in (folded, *_indefinite(folded)):
        if candidate in known_as:
            return known_as[candidate]
    return None


def _indefinite(folded: str) -> tuple[str, ...]:
    """The indefinite forms an Albanian place name in the definite form may
    have: "Vlora" for Vlorë, "Dibra" for Dibër, "Durrësi" for Durrës."""
    if folded.endswith("ra"):
        return (folded[:-1] + "e", folded[:-2] + "er")
    if folded.endswith("a"):
        return (folded[:-1] + "e",)
    if folded.endswith(("i", "u")):
        return (folded[:-1],)
    return ()


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogueFileError(
            f"{path}: cannot read the catalogue: {error.strerror}"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise CatalogueFileError(f"{path}: not valid TOML: {error}") from None


def _text(path: Path, where: str, entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueFileError(f"{path}: {where}: {key} must be non-empty text")
    return value


def _aliases(path: Path, where: str, entry: Mapping[str, Any]) -> tuple[str, ...]:
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise CatalogueFileError(f"{path}: {where}: aliases must be a list of text")
    return tuple(aliases)


def _index(
    path: Path, where: str, index: dict[str, str], code: str, *names: str
) -> None:
    for name in (code, *names):
        folded = fold(name)
        if index.get(folded, code) != code:
            raise CatalogueFileError(
                f"{path}: {where}: {name!r} also names {index[folded]!r}"
            )
        index[folded] = code


def load_territory(path: Path) -> Territory:
    """Read the counties and municipalities (``municipalities.toml``)."""
    data = _read(path)
    counties: dict[str, str] = {}
    municipalities: dict[str, Municipality] = {}
    known_as: dict[str, str] = {}
    for i, county in enumerate(data.get("counties", [])):
        where = f"counties[{i}]"
        county_code = _text(path, where, county, "code")
        counties[county_code] = _text(path, where, county, "name")
        for j, entry in enumerate(county.get("municipalities", [])):
            at = f"{where} ({county_code}) municipalities[{j}]"
            code = _text(path, at, entry, "code")
            if code in municipalities:
                raise CatalogueFileError(f"{path}: {at}: code {code!r} is used twice")
            name = _text(path, at, entry, "name")
            aliases = _aliases(path, at, entry)
            municipalities[code] = Municipality(code, name, county_code, aliases)
            _index(path, at, known_as, code, name, *aliases)
    if not municipalities:
        raise CatalogueFileError(f"{path}: no [[counties]] with municipalities")
    return Territory(counties, municipalities, known_as)


def load_code_list(path: Path, section: str) -> CodeList:
    """Read a list of labelled codes (``[[<section>]]`` entries with ``code``,
    ``en``, ``sq``, optional ``group`` and ``aliases``; optional ``[[groups]]``)."""
    data = _read(path)
    groups: dict[str, Label] = {}
    for i, group in enumerate(data.get("groups", [])):
        where = f"groups[{i}]"
        groups[_text(path, where, group, "code")] = Label(
            _text(path, where, group, "en"), _text(path, where, group, "sq")
        )
    labels: dict[str, Label] = {}
    group_of: dict[str, str] = {}
    known_as: dict[str, str] = {}
    for i, entry in enumerate(data.get(section, [])):
        where = f"{section}[{i}]"
        code = _text(path, where, entry, "code")
        if code in labels:
            raise CatalogueFileError(f"{path}: {where}: code {code!r} is used twice")
        label = Label(_text(path, where, entry, "en"), _text(path, where, entry, "sq"))
        labels[code] = label
        if groups:
            group = _text(path, where, entry, "group")
            if group not in groups:
                raise CatalogueFileError(
                    f"{path}: {where}: group {group!r} is not one of the [[groups]]"
                )
            group_of[code] = group
        _index(path, where, known_as, code, *label, *_aliases(path, where, entry))
    if not labels:
        raise CatalogueFileError(f"{path}: no [[{section}]] entries")
    return CodeList(labels, known_as, groups, group_of)


TERRITORY = load_territory(CATALOGUE_DIR / "municipalities.toml")
EXPLOITATION_FORMS = load_code_list(CATALOGUE_DIR / "exploitation.toml", "forms")
INDICATORS = load_code_list(CATALOGUE_DIR / "indicators.toml", "indicators")
