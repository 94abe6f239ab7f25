"""The notification directory: who is told, and how (``deploy/directory.toml``).

Every entry is one contact (an office, a duty desk, a worker), never a victim::

    default_language = "sq"            # sq | en

    [[police]]                         # one or more per region; every region
    id = "police-vlora"                # needs at least one
    region = "vlora"
    label = "Vlora police directorate, anti-trafficking officer"
    email = "antitrafik.vlore@police.example.org"

    [[child_protection_units]]
    id = "cpu-vlore"
    municipality = "Vlorë"             # its name or code ("vlore"), without
                                       # case or diacritics
    webhook = "https://cpu.example.org/vatra"
    secret_env = "VATRA_WEBHOOK_SECRET_CPU_VLORE"   # its own signing secret

    [[workers]]
    id = "worker-mu-vlora-1"
    worker_id = "mu-vlora-1"           # the actor id the worker records under
    sms = "+355690000001"              # through VATRA_SMS_GATEWAY_URL
    language = "en"

Sections: ``police``, ``unit_supervisors``, ``case_managers`` (each with
``region``), ``responsible_authority``, ``coordinators``, ``lawyers`` (at least
one responsible authority and one coordinator), ``child_protection_units``
(``municipality``), ``agencies`` (``name``: the label of the agency's code
in ``domain.catalogue.AGENCIES``, or the name referrals give it),
``workers`` (``worker_id``). Each contact has an ``id`` (unique; it is what the
case records as the recipient, never the address), an optional ``label``, a
``language`` and exactly one channel: ``email``, ``webhook`` or ``sms``.
A webhook contact names, in ``secret_env``, the environment variable that
holds the secret it shares with the backbone (never the secret itself): a
name starting with ``VATRA_WEBHOOK_SECRET_``; the composition root reads it
(or ``<name>_FILE``), and ``<name>_PREVIOUS`` while it is rotated.
Problems are reported as ``DirectoryError`` naming the file, the entry and
the problem.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from domain.catalogue import AGENCIES, REGIONS
from domain.catalogue_files import TERRITORY
from handlers.channels.addresses import webhook_url_problem

LANGUAGES = ("sq", "en")
CHANNEL_KINDS = ("email", "webhook", "sms")

# Section -> (role of its contacts, the key that places a contact, if any).
SECTIONS: Mapping[str, tuple[str, str | None]] = {
    "police": ("police", "region"),
    "responsible_authority": ("responsible_authority", None),
    "child_protection_units": ("child_protection_unit", "municipality"),
    "coordinators": ("coordinator", None),
    "unit_supervisors": ("unit_supervisor", "region"),
    "case_managers": ("case_manager", "region"),
    "lawyers": ("lawyer", None),
    "agencies": ("agency", "name"),
    "workers": ("worker", "worker_id"),
}
_FILE_KEYS = {"default_language", *SECTIONS}
_CONTACT_KEYS = {"id", "label", "language", "phone", "secret_env", *CHANNEL_KINDS}
# The variables a webhook contact's secret may come from (secret_env).
WEBHOOK_SECRET_PREFIX = "VATRA_WEBHOOK_SECRET_"
_SECRET_ENV = re.compile(r"^VATRA_WEBHOOK_SECRET_[A-Z0-9_]*[A-Z0-9]$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[A-Za-z0-9-]+$")
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


class DirectoryError(ValueError):
    """The directory file is missing or wrong; the message names file and entry."""


@dataclass(frozen=True)
class Contact:
    """Someone the backbone can alert: an office or a member of staff."""

    id: str
    role: str
    channel: str
    address: str = field(repr=False)
    language: str = "sq"
    label: str = ""
    entry: str = ""  # where it is in the file, e.g. "police[2]", for messages
    # A webhook's secret: the variable that holds it (never the secret itself).
    secret_env: str = ""
    # A number a person can call (shown to field workers who are offline);
    # not a channel: the backbone never dials it.
    phone: str = ""


@dataclass(frozen=True)
class Directory:
    """Contacts by id, and who holds which role where."""

    path: Path
    contacts: Mapping[str, Contact]
    placed: Mapping[tuple[str, str], tuple[str, ...]]  # (section, key) -> ids
    unplaced: Mapping[str, tuple[str, ...]]  # section -> ids

    def contact(self, contact_id: str) -> Contact | None:
        return self.contacts.get(contact_id)

    def police(self, region: str) -> list[Contact]:
        return self._placed("police", region)

    def responsible_authority(self) -> list[Contact]:
        return self._unplaced("responsible_authority")

    def child_protection_unit(self, municipality: str) -> list[Contact]:
        return self._placed("child_protection_units", municipality_key(municipality))

    def coordinators(self) -> list[Contact]:
        return self._unplaced("coordinators")

    def agency(self, name: str) -> list[Contact]:
        """The agency a referral names: by its code's label in the catalogue
        (``national_shelter``: "National Shelter"), or by the name as given."""
        return self._placed("agencies", normalise(AGENCIES.get(name, name)))

    def worker(self, worker_id: str) -> list[Contact]:
        return self._placed("workers", worker_id)

    def for_role(self, role: str, region: str) -> list[Contact]:
        """Contacts of a breach-notification role (``domain.sop.ROLES``)."""
        if role == "coordinator":
            return self.coordinators()
        if role == "lawyer":
            return self._unplaced("lawyers")
        if role == "unit_supervisor":
            return self._placed("unit_supervisors", region)
        if role == "case_manager":
            return self._placed("case_managers", region)
        return []

    def check_channels(self, available: Iterable[str]) -> None:
        """Refuse contacts on a channel this process cannot use (not configured)."""
        usable = set(available)
        for contact in self.contacts.values():
            if contact.channel not in usable:
                raise DirectoryError(
                    f"{self.path}: {contact.entry} uses {contact.channel}, which "
                    f"is not configured: {CHANNEL_HINTS[contact.channel]}"
                )

    def _placed(self, section: str, key: str) -> list[Contact]:
        return [self.contacts[i] for i in self.placed.get((section, key), ())]

    def _unplaced(self, section: str) -> list[Contact]:
        return [self.contacts[i] for i in self.unplaced.get(section, ())]


CHANNEL_HINTS = {
    "email": "set VATRA_SMTP_HOST",
    "webhook": "its secret_env is not set",
    "sms": "set VATRA_SMS_GATEWAY_URL and VATRA_SMS_GATEWAY_SECRET",
}


def normalise(text: str) -> str:
    """A name as matched: no case, no diacritics, single spaces ("Vlorë" = "vlore")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def municipality_key(text: str) -> str:
    """How a municipality is matched: its code, whether ``text`` is the code
    (as cases record it), its name, a former name or its seat (as the file
    may name it); text that names no municipality, as written."""
    return TERRITORY.match(text) or normalise(text)


def load_directory(path: Path | str) -> Directory:
    """Read and validate the directory file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DirectoryError(f"{path}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise DirectoryError(f"{path}: not valid TOML: {error}") from None
    return parse_directory(data, path)


def parse_directory(data: Mapping[str, Any], path: Path) -> Directory:
    """Validate an already-parsed directory (``path`` is named in errors)."""
    _check_keys(path, "the file", data, _FILE_KEYS)
    language = data.get("default_language", "sq")
    if language not in LANGUAGES:
        raise DirectoryError(
            f"{path}: default_language {language!r} is not one of "
            f"{', '.join(LANGUAGES)}"
        )
    contacts: dict[str, Contact] = {}
    placed: dict[tuple[str, str], list[str]] = {}
    unplaced: dict[str, list[str]] = {}
    for section, (role, place_key) in SECTIONS.items():
        entries = data.get(section, [])
        if not isinstance(entries, list):
            raise DirectoryError(
                f"{path}: {section} must be a list of entries ([[{section}]])"
            )
        for index, raw in enumerate(entries):
            where = f"{section}[{index}]"
            contact, place = _contact(path, where, raw, role, place_key, language)
            if contact.id in contacts:
                other = contacts[contact.id].entry
                raise DirectoryError(
                    f"{path}: {where}: id {contact.id!r} is already used by {other}"
                )
            contacts[contact.id] = contact
            if place is None:
                unplaced.setdefault(section, []).append(contact.id)
            else:
                placed.setdefault((section, place), []).append(contact.id)
    directory = Directory(
        path=path,
        contacts=contacts,
        placed={k: tuple(v) for k, v in placed.items()},
        unplaced={k: tuple(v) for k, v in unplaced.items()},
    )
    _check_complete(directory)
    return directory


def _contact(
    path: Path,
    where: str,
    raw: Any,
    role: str,
    place_key: str | None,
    default_language: str,
) -> tuple[Contact, str | None]:
    if not isinstance(raw, dict):
        raise DirectoryError(f"{path}: {where} must be a table of keys")
    allowed = _CONTACT_KEYS | ({place_key} if place_key else set())
    _check_keys(path, where, raw, allowed)
    contact_id = raw.get("id")
    if not isinstance(contact_id, str) or not _ID.match(contact_id):
        raise DirectoryError(
            f"{path}: {where}: id {contact_id!r} must be lower-case letters, digits, "
            "'.', '_' or '-' (it is recorded on cases as the recipient)"
        )
    where = f"{where} ({contact_id})"
    channels = [kind for kind in CHANNEL_KINDS if kind in raw]
    if len(channels) != 1:
        raise DirectoryError(
            f"{path}: {where}: give exactly one channel of "
            f"{', '.join(CHANNEL_KINDS)} (found {len(channels)})"
        )
    channel = channels[0]
    address = _address(path, where, channel, raw[channel])
    language = raw.get("language", default_language)
    if language not in LANGUAGES:
        raise DirectoryError(
            f"{path}: {where}: language {language!r} is not one of "
            f"{', '.join(LANGUAGES)}"
        )
    label = raw.get("label", "")
    if not isinstance(label, str):
        raise DirectoryError(f"{path}: {where}: label must be text")
    place = _place(path, where, raw, place_key)
    secret_env = _secret_env(path, where, contact_id, channel, raw.get("secret_env"))
    phone = raw.get("phone", "")
    if not isinstance(phone, str) or (phone and not _PHONE.match(phone)):
        raise DirectoryError(
            f"{path}: {where}: phone {phone!r} must be a number in international "
            "form, e.g. +35533000100"
        )
    contact = Contact(
        contact_id, role, channel, address, language, label, where, secret_env, phone
    )
    return contact, place


def _secret_env(
    path: Path, where: str, contact_id: str, channel: str, value: Any
) -> str:
    """A webhook's ``secret_env``: required, a variable name of our prefix."""
    if channel != "webhook":
        if value is not None:
            raise DirectoryError(
                f"{path}: {where}: secret_env is only for webhook contacts"
            )
        return ""
    if value is None:
        example = WEBHOOK_SECRET_PREFIX + re.sub(r"[^A-Z0-9]+", "_", contact_id.upper())
        raise DirectoryError(
            f"{path}: {where}: a webhook needs secret_env, the environment "
            f"variable that holds its own secret (e.g. {example})"
        )
    if (
        not isinstance(value, str)
        or not _SECRET_ENV.match(value)
        or value.endswith(("_FILE", "_PREVIOUS"))
    ):
        raise DirectoryError(
            f"{path}: {where}: secret_env {value!r} must be a variable name "
            f"starting with {WEBHOOK_SECRET_PREFIX} (capitals, digits, '_'; "
            "not ending in _FILE or _PREVIOUS)"
        )
    return value


def _place(path: Path, where: str, raw: Mapping[str, Any], key: str | None) -> Any:
    if key is None:
        return None
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DirectoryError(f"{path}: {where}: {key} is required")
    if key == "region":
        if value not in REGIONS:
            raise DirectoryError(
                f"{path}: {where}: unknown region {value!r}; regions: "
                f"{', '.join(sorted(REGIONS))}"
            )
        return value
    if key == "municipality":
        return municipality_key(value)
    return value if key == "worker_id" else normalise(value)


def _address(path: Path, where: str, channel: str, value: Any) -> str:
    if not isinstance(value, str):
        raise DirectoryError(f"{path}: {where}: {channel} must be text")
    if channel == "email" and not _EMAIL.match(value):
        raise DirectoryError(f"{path}: {where}: {value!r} is not an e-mail address")
    if channel == "sms" and not _PHONE.match(value):
        raise DirectoryError(
            f"{path}: {where}: sms {value!r} must be a phone number in "
            "international form, e.g. +355691234567"
        )
    if channel == "webhook":
        _check_url(path, where, value)
    return value


def _check_url(path: Path, where: str, value: str) -> None:
    problem = webhook_url_problem(value)
    if problem:
        raise DirectoryError(f"{path}: {where}: webhook {value!r} {problem}")


def _check_keys(
    path: Path, where: str, raw: Mapping[str, Any], allowed: set[str]
) -> None:
    for key in raw:
        if key not in allowed:
            close = get_close_matches(key, sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise DirectoryError(f"{path}: {where}: unknown key {key!r}{hint}")


def _check_complete(directory: Directory) -> None:
    path = directory.path
    missing = [r for r in sorted(REGIONS) if not directory.police(r)]
    if missing:
        raise DirectoryError(
            f"{path}: police: no contact for region(s) {', '.join(missing)}; every "
            "region needs its police anti-trafficking officer (SOP: real-time report)"
        )
    if not directory.responsible_authority():
        raise DirectoryError(
            f"{path}: responsible_authority: at least one contact is needed "
            "(SOP: every identification is notified to the Responsible Authority)"
        )
    if not directory.coordinators():
        raise DirectoryError(
            f"{path}: coordinators: at least one contact is needed (they are told "
            "of missed deadlines and of alerts that could not be delivered)"
        )
