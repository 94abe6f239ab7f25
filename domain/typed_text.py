"""Which fields of an entry hold text a person typed: personal data, never kept
in an event.

A reason, an outcome, a reference typed by a person, a court's or an agency's
free name, a recipient typed by hand, the name of a mobile unit: anything a
worker types may carry a name or a phone number. The case checks such a
field like any other (``domain.fields``), then the application service keeps
its text in the person's encrypted store and the event records only a
reference to it, in ``text_refs`` (field name -> reference), with the field
itself left empty. Destroying the person's key (erasure) destroys the text.

Not typed text: codes of a catalogue, ids the backbone makes or knows (the
identifying worker, a referral id it made, an owner's user id, an agency of
the directory, a unit or an agency of the running backbone's directory, which
a notification's recipient or a referral's agency names to route it or to let
that unit see the alert, a UUID), and whatever
the backbone records itself (``actor_role`` ``system``: the notifier's
directory entries and channel references).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from domain.catalogue import AGENCIES, ERASURE_REASONS
from domain.clinic_fields import CLINIC_TYPED_TEXT

SYSTEM = "system"
# The unit a case opened at the legal clinic names (``Identified.mobile_unit``).
CLINIC_UNIT = "legal_clinic"

# Entry type -> the fields that hold typed text.
TYPED_TEXT: Mapping[str, frozenset[str]] = {
    "Identified": frozenset({"mobile_unit"}),
    "AuthorityNotified": frozenset({"recipient", "reference"}),
    "AlertAcknowledged": frozenset({"reference"}),
    "Referred": frozenset({"agency", "consent_override_reason"}),
    "ReferralDeclined": frozenset({"reason"}),
    "ServiceDiscontinued": frozenset({"reason"}),
    "ProtectionOrderIssued": frozenset({"court", "reference"}),
    "FollowUpCompleted": frozenset({"outcome"}),
    "FollowUpMissed": frozenset({"reason"}),
    "Transferred": frozenset({"reason"}),
    "Reopened": frozenset({"reason"}),
    "PersonalDataErased": frozenset({"reason"}),
    "EntryCorrected": frozenset({"reason", "value"}),
    **CLINIC_TYPED_TEXT,
}

# Values of a typed-text field that are ids of our own, kept as they are: an
# agency of the directory, by its code or its name.
OWN_IDS: Mapping[tuple[str, str], frozenset[str]] = {
    ("Referred", "agency"): frozenset(AGENCIES) | frozenset(AGENCIES.values()),
    # A reason chosen from a code list, not typed (the erasure pages).
    ("PersonalDataErased", "reason"): ERASURE_REASONS,
    # A case opened at the legal clinic: the clinic is its own unit.
    ("Identified", "mobile_unit"): frozenset({CLINIC_UNIT}),
}


# Whether a value of a field (entry type, field, value) is an id the running
# backbone knows: an agency or a unit of its directory, which a referral's
# agency or a notification's recipient names to route it or to grant access.
Known = Callable[[str, str, str], bool]

# A UUID (what the backbone makes for deliveries, cases, requests): hex digits
# in a fixed shape carry no name and no phone number.
UUID_TEXT = re.compile(
    r"(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def is_typed(
    entry_type: str, field: str, value: object, known: Known | None = None
) -> bool:
    """Whether ``value`` of ``field`` in an entry of ``entry_type`` is typed text
    (for ``EntryCorrected.value``, see ``corrected_is_typed``)."""
    if field not in TYPED_TEXT.get(entry_type, ()):
        return False
    if not isinstance(value, str) or not value or UUID_TEXT.fullmatch(value):
        return False
    if value in OWN_IDS.get((entry_type, field), frozenset()):
        return False
    return known is None or not known(entry_type, field, value)


def corrected_is_typed(
    corrected_type: str, field: str, value_json: str, known: Known | None = None
) -> bool:
    """Whether a correction's new value (JSON text) of ``field`` of an entry of
    ``corrected_type`` is typed text."""
    try:
        value = json.loads(value_json)
    except ValueError:
        return False
    return is_typed(corrected_type, field, value, known)


def typed_fields(
    entry_type: str,
    actor_role: str,
    payload: Mapping[str, Any],
    corrected_type: str = "",
    known: Known | None = None,
) -> list[str]:
    """The fields of an entry about to be recorded whose values are typed text;
    ``corrected_type``: for a correction, the type of the entry it corrects;
    ``known``: ids of the running backbone, kept as they are."""
    if actor_role == SYSTEM:
        return []
    found = [
        name
        for name in sorted(TYPED_TEXT.get(entry_type, ()))
        if name != "value" and is_typed(entry_type, name, payload.get(name), known)
    ]
    if entry_type == "EntryCorrected" and corrected_is_typed(
        corrected_type,
        str(payload.get("field", "")),
        str(payload.get("value", "")),
        known,
    ):
        found.append("value")
    return found
