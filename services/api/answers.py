"""Response bodies of the queries.

Besides documenting the answers, each model is a filter: FastAPI sends only
the fields named here, so an alert can never carry more than its minimum.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class Me(BaseModel):
    user_id: str
    role: str
    regions: list[str]
    language: str


class Referral(BaseModel):
    service: str
    agency: str
    status: str


class CaseState(BaseModel):
    """A case as it stands: a pseudonymous reference, never a name, nor the
    person's sex, age or nationality (kept in the personal-data store)."""

    case_id: UUID
    version: int
    subject_ref: str
    region: str
    municipality: str
    is_minor: bool
    case_type: str
    identified_at: datetime | None
    status: str | None
    closed: bool
    close_reason: str | None
    consents: list[str]
    notified: list[str]
    referrals: dict[str, Referral]
    services: dict[str, str]
    personal_data_erased: bool = False
    owner: str = Field(
        default="",
        description="The user id of the worker responsible for the case: the "
        "identifying worker until the case is assigned.",
    )


class NextDue(BaseModel):
    """A case's next outstanding SOP obligation (it may be past its deadline)."""

    rule_id: str
    due_at: datetime


class CaseListItem(BaseModel):
    """A case as lists show it: a pseudonymous reference, never a name."""

    case_id: UUID
    short_id: str = Field(description="The reference alerts use: VT-3F2A9C1B.")
    subject_ref: str
    region: str
    municipality: str
    is_minor: bool
    case_type: str
    status: str | None = Field(description="The status the RA determined, if any.")
    closed: bool
    owner: str | None = Field(description="The user id of the case's owner.")
    identified_at: datetime
    version: int
    last_recorded_at: datetime = Field(
        description="When work on the case was last recorded (the SOP clock's "
        "warnings and breaches aside)."
    )
    next_due: NextDue | None


class TimelineEntry(BaseModel):
    """One step of a case: what happened, who recorded it, when."""

    version: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    correlation_id: str
    summary: str
    details: dict[str, Any]


class Obligation(BaseModel):
    """An SOP obligation of a case and its status at the time of asking."""

    obligation_id: str
    rule_id: str
    ruleset_version: str
    kind: str
    trigger_type: str
    triggered_at: datetime
    due_at: datetime
    status: str
    met_at: datetime | None
    breached_at: datetime | None
    recording_delay_seconds: float | None = Field(
        default=None, description="How long after it happened the step was entered."
    )


class ComplianceRow(BaseModel):
    key: str = Field(description="The rule id or the region.")
    open: int
    warning: int
    met: int
    met_late: int
    breached: int
    cancelled: int
    on_time_rate: float | None


class DeadlineItem(BaseModel):
    """An obligation past (``overdue``) or near (``approaching``) its deadline."""

    case_id: UUID
    obligation_id: str
    rule_id: str
    region: str
    due_at: datetime
    seconds: float = Field(description="Overdue by, or due in, this many seconds.")
    notify_on_breach: list[str]


class Alert(BaseModel):
    """The minimum an alerted authority sees: never the subject reference."""

    case_id: UUID
    region: str
    municipality: str
    is_minor: bool
    identified_at: datetime | None
    notified_at: datetime | None
    acknowledged_at: datetime | None


class HistoryEvent(BaseModel):
    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    correlation_id: str
    payload: dict[str, Any]


class HistoryObligation(BaseModel):
    obligation_id: str
    rule_id: str
    ruleset_version: str
    due_at: datetime
    status: str
    met_at: datetime | None
    met_by_version: int | None


class History(BaseModel):
    """A case as it stood at ``as_of``: what anyone could have seen then."""

    as_of: datetime
    case: CaseState
    events: list[HistoryEvent]
    obligations: list[HistoryObligation]


class AccessEntry(BaseModel):
    access_id: UUID
    occurred_at: datetime
    actor_id: str
    actor_role: str
    view: str
    case_id: UUID | None
    allowed: bool
    correlation_id: str
    # Why someone who does not work the case in its region read the person
    # record: a code (``services.api.person_access.READ_REASONS``), or
    # ``alert`` for an alerted authority.
    reason: str | None = None
