"""Who may read and write the person record, which fields, and why.

The minimum each reader sees (like a referral's minimum data):

- caseworkers of the case's region (they work the case): every field; they
  record and correct it; no reason asked;
- the coordinator (every region, coordinates the case work): every field;
  records and corrects it; a reason every time;
- the Responsible Authority (every region, decides the status): names,
  birth, sex, nationality, languages and the identity document; a reason
  every time;
- the auditor (checks the record and its corrections): every field, the
  earlier versions too; a reason every time;
- the police, when the case's alert is theirs (their region): names, birth,
  sex, nationality, languages and the identity document, to find, protect
  and talk to the person; the alert is the reason;
- a Child Protection Unit, when a minor's alert is theirs (their unit):
  names, birth, sex, nationality, languages, address and guardian, to assess
  the child's family; the alert is the reason.

Caseworkers of other regions see nothing. A reason is a code of
``READ_REASONS`` (never free text: the access log keeps it beside who read
and when, and holds no personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.person_record import ABOUT, CONTACT, DOCUMENT, GUARDIAN, IDENTITY
from services.api.labels import N_
from services.api.policy import CASEWORKER_ROLES, Principal, may_see_alert
from services.app.errors import InvalidInput

ALL_FIELDS = IDENTITY + ABOUT + CONTACT + GUARDIAN + DOCUMENT

# Why someone who does not work the case in its region reads the person
# record: the code the access log keeps, and its label.
READ_REASONS: Mapping[str, str] = {
    "coordination": N_("coordinating the case work"),
    "status_decision": N_("deciding the person's status"),
    "transfer": N_("a transfer between regions"),
    "duplicate_check": N_("checking a possible duplicate identification"),
    "legal_proceedings": N_("legal proceedings"),
    "audit": N_("an audit of the record"),
}
# The reason the access log keeps when the alert itself is the reason.
ALERT_REASON = "alert"


@dataclass(frozen=True)
class PersonAccess:
    """What a viewer may do with a case's person record."""

    fields: tuple[str, ...] = ()
    reason_needed: bool = False
    history: bool = False
    may_write: bool = False

    @property
    def may_read(self) -> bool:
        return bool(self.fields)


NONE = PersonAccess()


def person_access(principal: Principal, case: Mapping[str, Any]) -> PersonAccess:
    """What ``principal`` may do with the person record of ``case`` (its
    summary: region, minor flag, alert recipients)."""
    role = principal.role
    if role in CASEWORKER_ROLES:
        if case["region"] in principal.regions:
            return PersonAccess(ALL_FIELDS, may_write=True)
        return NONE
    if role == "coordinator":
        return PersonAccess(ALL_FIELDS, reason_needed=True, may_write=True)
    if role == "responsible_authority":
        return PersonAccess(IDENTITY + ABOUT + DOCUMENT, reason_needed=True)
    if role == "auditor":
        return PersonAccess(ALL_FIELDS, reason_needed=True, history=True)
    if role == "police" and may_see_alert(principal, case):
        return PersonAccess(IDENTITY + ABOUT + DOCUMENT)
    if role == "child_protection_unit" and may_see_alert(principal, case):
        return PersonAccess(IDENTITY + ABOUT + ("address",) + GUARDIAN)
    return NONE


class ReasonRequired(InvalidInput):
    """Someone who does not work the case in its region gave no reason."""

    kind = "reason_required"


def reason_for(access: PersonAccess, principal: Principal, given: str) -> str | None:
    """The reason the access log keeps for this read: the one ``given`` (a
    code of ``READ_REASONS``) when one is needed, else none (or the alert)."""
    if access.reason_needed:
        if given not in READ_REASONS:
            raise ReasonRequired(
                "give the reason for reading the person record (reason: one of "
                + ", ".join(READ_REASONS)
                + ")"
            )
        return given
    if principal.role in ("police", "child_protection_unit"):
        return ALERT_REASON
    return given if given in READ_REASONS else None


def shown(record: Mapping[str, Any], access: PersonAccess) -> dict[str, Any]:
    """The fields of ``record`` the viewer may see, the others left out."""
    return {name: record[name] for name in access.fields if name in record}
