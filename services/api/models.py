"""Request and response bodies of the HTTP API, one request model per command.

Field names are those of the ``Case`` methods, so a body maps straight onto
``CaseService.execute``. Every field a person types is validated by its rule in
``domain.fields`` (``services.api.bounds``), the very rule the aggregate checks
and that a correction of the field must pass: its length, code list, number of
items, and whether it may span lines. So the OpenAPI document lists the bounds
and the allowed values, and a wrong one is a 422 that names the field. Times
are ISO 8601 text with an offset, never a bare number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from domain.fields import EARLIEST, ENTRY_FIELDS, LATEST, TEXT_LENGTH, line, text
from services.api.bounds import Bounded, bounded


def _iso_text(value: Any) -> Any:
    # JSON has no time type: a time comes as text, and a number (Unix seconds)
    # is refused rather than guessed.
    if not isinstance(value, str | datetime):
        raise ValueError("must be a date and time as ISO 8601 text with an offset")
    return value


def _plausible(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise ValueError("must be between 1990 and 2200")
    return moment


Moment = Annotated[
    AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_plausible)
]
# The shape of a corrected value, as long as the longest field's: the rule of
# the field it corrects is checked by the case.
_ITEMS = [rule for f in ENTRY_FIELDS.values() for rule in f.values() if rule.item]
_MOST_ITEMS = max(rule.max_items for rule in _ITEMS)
_LONGEST_ITEM = max(rule.item.max_length for rule in _ITEMS if rule.item)
CorrectedValue = (
    Annotated[str, Field(max_length=TEXT_LENGTH)]
    | bool
    | Annotated[
        list[Annotated[str, Field(max_length=_LONGEST_ITEM)]],
        Field(max_length=_MOST_ITEMS),
    ]
)


class Body(BaseModel):
    """Every body: unknown fields are refused, so a typo never goes unnoticed."""

    model_config = ConfigDict(extra="forbid")


class CommandBody(Body):
    """What every command on an existing case carries."""

    expected_version: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The case version you read; a newer one is a 409 conflict.",
    )
    occurred_at: Moment | None = Field(
        default=None,
        description="When it happened (ISO 8601 with offset); default: now.",
    )


class Identify(Body):
    """Open a case for a person a mobile unit identified."""

    subject_ref: Annotated[str, bounded("Identified", "subject_ref")] = Field(
        description="A pseudonymous reference, never a name."
    )
    region: Annotated[str, bounded("Identified", "region")]
    mobile_unit: Annotated[str, bounded("Identified", "mobile_unit")]
    municipality: Annotated[str, bounded("Identified", "municipality")]
    is_minor: bool
    case_type: Annotated[str, bounded("Identified", "case_type")] = "trafficking"
    protection_requested: bool = False
    indicators: Annotated[list[str], bounded("Identified", "indicators")] = Field(
        default_factory=list
    )
    exploitation_types: Annotated[
        list[str], bounded("Identified", "exploitation_types")
    ] = Field(default_factory=list)
    source: Annotated[str, bounded("Identified", "source")] = "outreach"
    case_id: UUID | None = Field(
        default=None, description="A case id made on the device (offline use)."
    )
    occurred_at: Moment | None = Field(
        default=None, description="When the person was identified; default: now."
    )


class Notify(CommandBody):
    """Record that an authority was told of the case (e.g. by phone)."""

    authority: Annotated[str, bounded("AuthorityNotified", "authority")]
    channel: Annotated[str, bounded("AuthorityNotified", "channel")]
    recipient: Annotated[str, bounded("AuthorityNotified", "recipient")]
    reference: Annotated[str, bounded("AuthorityNotified", "reference")] = ""


class Acknowledge(CommandBody):
    """Record that a notified authority acknowledged the alert."""

    authority: Annotated[str, bounded("AlertAcknowledged", "authority")]
    reference: Annotated[str, bounded("AlertAcknowledged", "reference")] = ""


class Consent(CommandBody):
    """Record the person's (or a minor's guardian's) consent."""

    scope: Annotated[str, bounded("ConsentRecorded", "scope")]
    given_by: Annotated[str, bounded("ConsentRecorded", "given_by")]


class WithdrawConsent(CommandBody):
    """Record that a consent was withdrawn."""

    scope: Annotated[str, bounded("ConsentWithdrawn", "scope")]


class DetermineStatus(CommandBody):
    """The Responsible Authority's formal decision on the person's status."""

    status: Annotated[str, bounded("StatusDetermined", "status")]


class AssessRisk(CommandBody):
    """Record a risk assessment."""

    level: Annotated[str, bounded("RiskAssessed", "level")]


class Refer(CommandBody):
    """Refer the person to a service; needs consent or a recorded reason."""

    referral_id: Annotated[str, bounded("Referred", "referral_id")]
    service: Annotated[str, bounded("Referred", "service")]
    agency: Annotated[str, bounded("Referred", "agency")]
    consent_override_reason: Annotated[
        str, bounded("Referred", "consent_override_reason")
    ] = ""


class ReferralAnswer(CommandBody):
    """Accept or complete a referral."""

    referral_id: Annotated[str, bounded("ReferralAccepted", "referral_id")]


class DeclineReferral(CommandBody):
    """Decline a referral, with the reason."""

    referral_id: Annotated[str, bounded("ReferralDeclined", "referral_id")]
    reason: Annotated[str, bounded("ReferralDeclined", "reason")]


class AssessNeeds(CommandBody):
    """Record the services the person needs."""

    needs: Annotated[list[str], bounded("NeedsAssessed", "needs")]


class AgreePlan(CommandBody):
    """Record the assistance plan agreed with the person."""

    services: Annotated[list[str], bounded("AssistancePlanAgreed", "services")]


class ServiceStep(CommandBody):
    """Start or complete a service of the programme."""

    service: Annotated[str, bounded("ServiceStarted", "service")]
    referral_id: Annotated[str, bounded("ServiceStarted", "referral_id")] = ""


class DiscontinueService(ServiceStep):
    """Discontinue a running service, with the reason."""

    reason: Annotated[str, bounded("ServiceDiscontinued", "reason")]


class ProtectionOrder(CommandBody):
    """Record a protection order a court issued."""

    court: Annotated[str, bounded("ProtectionOrderIssued", "court")]
    reference: Annotated[str, bounded("ProtectionOrderIssued", "reference")] = ""


class FollowUp(CommandBody):
    """Record a follow-up contact (also after closing as reintegrated)."""

    method: Annotated[str, bounded("FollowUpCompleted", "method")]
    outcome: Annotated[str, bounded("FollowUpCompleted", "outcome")] = ""


class MissedFollowUp(CommandBody):
    """Record a follow-up that did not take place, with the reason."""

    reason: Annotated[str, bounded("FollowUpMissed", "reason")]


class Return(CommandBody):
    """Record the person's return to a country."""

    country: Annotated[str, bounded("ReturnedToCountry", "country")] = Field(
        description="ISO 3166 alpha-2 code."
    )
    assisted: bool


class Transfer(CommandBody):
    """Move the case to another region."""

    to_region: Annotated[str, bounded("Transferred", "to_region")]
    reason: Annotated[str, bounded("Transferred", "reason")]


class Close(CommandBody):
    """Close the case."""

    reason: Annotated[str, bounded("Closed", "reason")]


class Reopen(CommandBody):
    """Reopen a closed case, with the reason."""

    reason: Annotated[str, bounded("Reopened", "reason")]


class Correct(CommandBody):
    """Correct one field of an earlier entry; the original stays in the record."""

    corrected_version: int = Field(ge=1, le=2**31 - 1)
    field_name: Annotated[str, Bounded(line("field_name"))]
    value: CorrectedValue = Field(
        description=(
            "The new value, of the field's type and within the field's own bounds "
            "(occurred_at: ISO 8601 with an offset)."
        )
    )
    reason: Annotated[str, Bounded(text("reason"))]


class AlertAcknowledgement(Body):
    """Acknowledge an alert as the authority your role stands for."""

    reference: Annotated[str, bounded("AlertAcknowledged", "reference")] = ""
    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="Leave out to acknowledge whatever else the case recorded since.",
    )
    occurred_at: Moment | None = None


class Recorded(BaseModel):
    """A command's answer: the case and its new version."""

    case_id: UUID
    version: int
    correlation_id: str


class Problem(BaseModel):
    """An error: a code, and a message written for the person who caused it."""

    error: str
    message: str
    errors: list[dict[str, str]] | None = None
