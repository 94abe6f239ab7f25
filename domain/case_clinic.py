"""The legal clinic's steps on a case: consultations, complaints, criminal
proceedings, hearings, statements, judgments and appeals, protection orders,
compensation, legal aid and counselling sessions.

Lawyers record the legal steps; psychologists the counselling sessions; either
records who goes with the person to a hearing. The hearings of a case are
read from its entries (``hearings``), so a correction of a hearing's time
counts as soon as it is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from domain import clinic_events as cev
from domain.case_state import Entry
from domain.case_steps import CaseSteps
from domain.errors import DomainError, InvalidTime, NotPermitted
from domain.stamp import Stamp

LAWYERS = frozenset({"lawyer"})
PSYCHOLOGISTS = frozenset({"psychologist"})
CLINIC_STAFF = LAWYERS | PSYCHOLOGISTS
HEARING_STEPS = frozenset(
    {"HearingScheduled", "HearingCompanionsAssigned", "HearingPostponed", "HearingHeld"}
)


@dataclass
class Hearing:
    """A hearing of the case as its entries tell it."""

    hearing_id: str
    hearing_at: str
    court: str
    lawyer_id: str = ""
    psychologist_id: str = ""
    held: bool = False

    @property
    def accompanied(self) -> bool:
        return bool(self.lawyer_id or self.psychologist_id)


def check_role(stamp: Stamp, roles: frozenset[str], who: str) -> None:
    """Refuse a step recorded by someone outside ``roles`` (``who`` names them)."""
    if stamp.actor_role not in roles:
        raise NotPermitted(f"only {who} record this step", kind=f"only_{who}")


def check_local_minute(name: str, value: str) -> None:
    """A local time to the minute that is a real date and time ("" allowed
    where the field's rule allows it)."""
    if not value:
        return
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidTime(
            f"{name} is not a real date and time", kind="bad_time", field=name
        ) from None


def check_day(name: str, value: str) -> None:
    """A day that is a real date ("" allowed)."""
    if not value:
        return
    try:
        date.fromisoformat(value)
    except ValueError:
        raise InvalidTime(
            f"{name} is not a real date", kind="bad_time", field=name
        ) from None


def hearings_of(entries: Mapping[int, Entry]) -> dict[str, Hearing]:
    """The hearings a case's entries tell of, by id, in the order scheduled."""
    found: dict[str, Hearing] = {}
    for _version, entry in sorted(entries.items()):
        if entry.type not in HEARING_STEPS:
            continue
        p = entry.payload
        hearing_id = str(p.get("hearing_id", ""))
        if entry.type == "HearingScheduled":
            found[hearing_id] = Hearing(
                hearing_id,
                str(p.get("hearing_at", "")),
                str(p.get("court", "")),
                str(p.get("lawyer_id", "")),
                str(p.get("psychologist_id", "")),
            )
            continue
        hearing = found.get(hearing_id)
        if hearing is None:
            continue
        if entry.type == "HearingPostponed":
            hearing.hearing_at = str(p.get("hearing_at", ""))
        else:
            hearing.lawyer_id = str(p.get("lawyer_id", ""))
            hearing.psychologist_id = str(p.get("psychologist_id", ""))
            hearing.held = hearing.held or entry.type == "HearingHeld"
    return found


class ClinicSteps(CaseSteps):
    """The legal clinic's commands."""

    def hearings(self) -> dict[str, Hearing]:
        """The case's hearings by id, in the order they were scheduled."""
        return hearings_of(self.entries)

    def _pending_hearing(self, stamp: Stamp, hearing_id: str) -> Hearing:
        self._check_open(stamp)
        hearing = self.hearings().get(hearing_id)
        if hearing is None:
            raise DomainError(
                f"there is no hearing {hearing_id} on this case",
                kind="hearing_unknown",
                field="hearing_id",
            )
        if hearing.held:
            raise DomainError(
                f"hearing {hearing_id} was already held",
                kind="hearing_held",
                field="hearing_id",
            )
        return hearing

    def _legal_step(self, stamp: Stamp) -> None:
        self._check_open(stamp)
        check_role(stamp, LAWYERS, "lawyers")

    def hold_consultation(self, stamp: Stamp, *, mode: str) -> None:
        self._legal_step(stamp)
        self._trigger(cev.LegalConsultationHeld, stamp, mode=mode)

    def file_complaint(self, stamp: Stamp, *, filed_with: str) -> None:
        self._legal_step(stamp)
        self._trigger(cev.ComplaintFiled, stamp, filed_with=filed_with)

    def open_proceedings(self, stamp: Stamp, *, prosecutor_reference: str) -> None:
        self._legal_step(stamp)
        self._trigger(
            cev.CriminalProceedingsOpened,
            stamp,
            prosecutor_reference=prosecutor_reference,
        )

    def schedule_hearing(
        self,
        stamp: Stamp,
        *,
        hearing_id: str,
        court: str,
        court_name: str,
        hearing_at: str,
        lawyer_id: str,
        psychologist_id: str,
    ) -> None:
        self._legal_step(stamp)
        if hearing_id in self.hearings():
            raise DomainError(
                f"hearing {hearing_id} already exists on this case",
                kind="hearing_exists",
                field="hearing_id",
            )
        if not court and not court_name.strip():
            raise DomainError(
                "name the court: choose it, or type its name",
                kind="court_required",
                field="court",
            )
        check_local_minute("hearing_at", hearing_at)
        self._trigger(
            cev.HearingScheduled,
            stamp,
            hearing_id=hearing_id,
            court=court,
            court_name=court_name,
            hearing_at=hearing_at,
            lawyer_id=lawyer_id,
            psychologist_id=psychologist_id,
        )

    def assign_hearing_companions(
        self, stamp: Stamp, *, hearing_id: str, lawyer_id: str, psychologist_id: str
    ) -> None:
        """Who goes with the person to a hearing (a lawyer or a psychologist
        of the clinic records it)."""
        self._pending_hearing(stamp, hearing_id)
        check_role(stamp, CLINIC_STAFF, "clinic_staff")
        if not lawyer_id and not psychologist_id:
            raise DomainError(
                "name the lawyer or the psychologist who goes with the person",
                kind="companion_required",
                field="lawyer_id",
            )
        self._trigger(
            cev.HearingCompanionsAssigned,
            stamp,
            hearing_id=hearing_id,
            lawyer_id=lawyer_id,
            psychologist_id=psychologist_id,
        )

    def postpone_hearing(
        self, stamp: Stamp, *, hearing_id: str, hearing_at: str, reason: str
    ) -> None:
        self._pending_hearing(stamp, hearing_id)
        check_role(stamp, LAWYERS, "lawyers")
        check_local_minute("hearing_at", hearing_at)
        self._trigger(
            cev.HearingPostponed,
            stamp,
            hearing_id=hearing_id,
            hearing_at=hearing_at,
            reason=reason,
        )

    def hold_hearing(
        self, stamp: Stamp, *, hearing_id: str, lawyer_id: str, psychologist_id: str
    ) -> None:
        self._pending_hearing(stamp, hearing_id)
        check_role(stamp, LAWYERS, "lawyers")
        self._trigger(
            cev.HearingHeld,
            stamp,
            hearing_id=hearing_id,
            lawyer_id=lawyer_id,
            psychologist_id=psychologist_id,
        )

    def give_statement(self, stamp: Stamp, *, kind: str, given_to: str) -> None:
        self._legal_step(stamp)
        self._trigger(cev.StatementGiven, stamp, kind=kind, given_to=given_to)

    def record_judgment(
        self,
        stamp: Stamp,
        *,
        court: str,
        outcome: str,
        judgment_public: bool,
        sentence_months: int | None,
    ) -> None:
        """A decision or a judgment; a sentence only for a public conviction."""
        self._legal_step(stamp)
        if sentence_months is not None and not judgment_public:
            raise DomainError(
                "a sentence is recorded only when the judgment is public",
                kind="sentence_not_public",
                field="sentence_months",
            )
        if sentence_months is not None and outcome != "conviction":
            raise DomainError(
                "a sentence goes with a conviction",
                kind="sentence_without_conviction",
                field="sentence_months",
            )
        self._trigger(
            cev.JudgmentGiven,
            stamp,
            court=court,
            outcome=outcome,
            judgment_public=judgment_public,
            sentence_months=sentence_months,
        )

    def file_appeal(self, stamp: Stamp, *, appealed_by: str, court: str) -> None:
        self._legal_step(stamp)
        if not any(e.type == "JudgmentGiven" for e in self.entries.values()):
            raise DomainError(
                "there is no decision on this case to appeal",
                kind="nothing_to_appeal",
            )
        self._trigger(cev.AppealFiled, stamp, appealed_by=appealed_by, court=court)

    def request_protection_order(
        self, stamp: Stamp, *, order_kind: str, court: str, court_name: str
    ) -> None:
        self._legal_step(stamp)
        self._trigger(
            cev.ProtectionOrderRequested,
            stamp,
            order_kind=order_kind,
            court=court,
            court_name=court_name,
        )

    def report_order_violation(self, stamp: Stamp, *, reported_to_police: bool) -> None:
        self._legal_step(stamp)
        if not any(e.type == "ProtectionOrderIssued" for e in self.entries.values()):
            raise DomainError(
                "no protection order was issued on this case",
                kind="no_protection_order",
            )
        self._trigger(
            cev.ProtectionOrderViolated, stamp, reported_to_police=reported_to_police
        )

    def claim_compensation(
        self, stamp: Stamp, *, amount_lek: int, claimed_from: str
    ) -> None:
        self._legal_step(stamp)
        self._trigger(
            cev.CompensationClaimed,
            stamp,
            amount_lek=amount_lek,
            claimed_from=claimed_from,
        )

    def award_compensation(self, stamp: Stamp, *, amount_lek: int) -> None:
        self._legal_step(stamp)
        self._trigger(cev.CompensationAwarded, stamp, amount_lek=amount_lek)

    def record_compensation_paid(self, stamp: Stamp, *, amount_lek: int) -> None:
        self._legal_step(stamp)
        self._trigger(cev.CompensationPaid, stamp, amount_lek=amount_lek)

    def grant_legal_aid(self, stamp: Stamp, *, provided_by: str) -> None:
        self._legal_step(stamp)
        self._trigger(cev.LegalAidGranted, stamp, provided_by=provided_by)

    def hold_counselling_session(
        self, stamp: Stamp, *, mode: str, minutes: int
    ) -> None:
        """A counselling session took place; what was said is never recorded."""
        self._check_open(stamp)
        check_role(stamp, PSYCHOLOGISTS, "psychologists")
        self._trigger(cev.CounsellingSessionHeld, stamp, mode=mode, minutes=minutes)
