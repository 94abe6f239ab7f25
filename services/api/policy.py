"""Who may read and record what: roles and regions, as pure functions.

- Caseworkers (``caseworker``, ``mobile_unit``, ``shelter_staff``, ``lawyer``,
  ``psychologist``) read and record the cases of their own region(s).
- ``police`` and ``child_protection_unit`` see the minimum fields of the alerts
  sent to them for their region(s) and acknowledge them. A Child Protection
  Unit is one municipality's office: its token names its directory entry
  (``unit``), and it sees only alerts about minors sent to that entry.
- ``coordinator`` reads every region and assigns cases (``assign``);
  ``responsible_authority`` reads every region, determines status, corrects
  its own entries (``domain.case`` refuses the others) and acknowledges its
  alerts.
- ``auditor`` reads everything, including case histories and the access log,
  and the administrators' audit trail, and records nothing.
- ``administrator`` manages the people's accounts (``services.accounts``) and
  reads no case. Coordinators do not manage accounts: whoever reads every
  case should not also be the one who grants reading.

A case's region is its current one (after transfers and corrections), read
from the aggregate, never from a read model that may lag.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from domain.commands import every_command

CASEWORKER_ROLES = frozenset(
    {"caseworker", "mobile_unit", "shelter_staff", "lawyer", "psychologist"}
)
# Who records the legal clinic's steps (``RecordedBy``): its lawyers, its
# psychologists, or either of them.
CLINIC_ROLES: Mapping[str, frozenset[str]] = {
    "lawyers": frozenset({"lawyer"}),
    "psychologists": frozenset({"psychologist"}),
    "clinic_staff": frozenset({"lawyer", "psychologist"}),
}
# Roles that receive alerts, and the authority code each acknowledges as.
ALERT_AUTHORITIES = {
    "police": "police",
    "child_protection_unit": "child_protection_unit",
    "responsible_authority": "responsible_authority",
}
# Roles that see alerts only, never a case's timeline.
ALERT_ONLY_ROLES = frozenset({"police", "child_protection_unit"})
ALL_REGION_READERS = frozenset({"coordinator", "responsible_authority", "auditor"})
OVERSIGHT_ROLES = ALL_REGION_READERS
# Roles whose rights stop at their regions: a token for them names at least one.
REGIONAL_ROLES = CASEWORKER_ROLES | {"police", "child_protection_unit"}
API_ROLES = REGIONAL_ROLES | ALL_REGION_READERS
ADMINISTRATOR = "administrator"
# Roles a person's account may have; administrators get no API token.
ACCOUNT_ROLES = API_ROLES | {ADMINISTRATOR}


@dataclass(frozen=True)
class Principal:
    """The person behind a request, as their token says."""

    user_id: str
    role: str
    regions: frozenset[str]
    language: str
    # A Child Protection Unit's directory entry id (``handlers.directory``):
    # the ``recipient`` its alerts record; for shelter staff, the agency they
    # work for (a code of ``domain.catalogue.AGENCIES``). None otherwise.
    unit: str | None = None
    # The agency whose referrals a caseworker answers (shelter staff), by the
    # name referrals give it. None for everyone else.
    agency: str | None = None

    @property
    def alert_authority(self) -> str | None:
        """The authority this person acknowledges alerts for, if any."""
        return ALERT_AUTHORITIES.get(self.role)


def may_read_case(principal: Principal, region: str) -> bool:
    """Read a case's state, timeline and obligations."""
    if principal.role in ALL_REGION_READERS:
        return True
    return principal.role in CASEWORKER_ROLES and region in principal.regions


def may_list_cases(principal: Principal) -> bool:
    return principal.role in ALL_REGION_READERS | CASEWORKER_ROLES


def may_record(principal: Principal, command: str, region: str) -> bool:
    """Record ``command`` (a name of ``domain.commands.every_command()``) on a
    case in ``region``, as the command's declaration says who records it; for
    a command that opens a case (the identification), ``region`` is the one
    it opens in."""
    recorded_by = every_command()[command].declaration.recorded_by
    if recorded_by in ("system", "erasers"):
        # The backbone records these itself; erasure goes through ``vatra erase``.
        return False
    if recorded_by == "responsible_authority":
        return principal.role == "responsible_authority"
    if recorded_by == "own_entries" and principal.role == "responsible_authority":
        # Its own entries only: the case decides whose entry is whose.
        return True
    if recorded_by == "caseworkers_or_coordinator" and principal.role == "coordinator":
        return True
    clinic = CLINIC_ROLES.get(recorded_by)
    if clinic is not None:
        return principal.role in clinic and region in principal.regions
    return principal.role in CASEWORKER_ROLES and region in principal.regions


def may_see_alert(principal: Principal, case: Mapping[str, object]) -> bool:
    """See an alert's minimum fields and acknowledge it.

    ``case`` is the case's summary (``services.app.service.case_summary``): its
    region, minor flag and the directory entries each alert went to.
    """
    region = case["region"]
    if principal.role == "responsible_authority":
        return True
    if principal.role == "police":
        return region in principal.regions
    if principal.role == "child_protection_unit":
        return (
            bool(case["is_minor"])
            and region in principal.regions
            and principal.unit is not None
            and principal.unit in _recipients(case, "child_protection_unit")
        )
    return False


def _recipients(case: Mapping[str, object], authority: str) -> Collection[str]:
    recipients = case.get("alert_recipients")
    if not isinstance(recipients, Mapping):
        return ()
    found = recipients.get(authority, ())
    return found if isinstance(found, Collection) else ()


def may_oversee(principal: Principal) -> bool:
    """SOP compliance, overdue and approaching deadlines across regions."""
    return principal.role in OVERSIGHT_ROLES


def may_audit(principal: Principal) -> bool:
    """Case histories as of a moment, and the access log."""
    return principal.role == "auditor"


def may_administer(principal: Principal) -> bool:
    """Create, change, deactivate and unlock accounts."""
    return principal.role == ADMINISTRATOR


def may_read_account_audit(principal: Principal) -> bool:
    """The administrators' audit trail."""
    return principal.role in (ADMINISTRATOR, "auditor")
