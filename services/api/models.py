"""Request and response bodies of the HTTP API, one request model per command.

Field names are those of the ``Case`` methods, so a body maps straight onto
``CaseService.execute``. Codes are checked against the catalogue here too, so
the OpenAPI document lists the allowed values and a wrong one is a 422 that
names the field. Free text refuses control characters and unencodable text:
it is stored in PostgreSQL, which takes neither.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
)

from domain.catalogue import (
    AUTHORITIES,
    CASE_TYPES,
    CHANNELS,
    CLOSE_REASONS,
    CONSENT_SCOPES,
    FOLLOW_UP_METHODS,
    REGIONS,
    RISK_LEVELS,
    SERVICES,
    SOURCES,
    STATUSES,
)

# Times before this are typing mistakes, and far-off years overflow on the way
# to UTC; the store keeps nothing outside this range.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


def _clean(value: str) -> str:
    if any(ch in _CONTROL for ch in value):
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _plausible(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise ValueError("must be between 1990 and 2200")
    return moment


def _code(kind: str, allowed: Collection[str]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(
                f"unknown {kind} {value!r}; known {kind}s: {', '.join(sorted(allowed))}"
            )
        return value

    return check


def _enum(allowed: Collection[str]) -> Any:
    values: list[JsonValue] = [*sorted(allowed)]
    return Field(json_schema_extra={"enum": values})


Text = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_clean)]
OptionalText = Annotated[str, Field(max_length=500), AfterValidator(_clean)]
Reference = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_clean)]
Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]

# Catalogue codes: documented as enums, checked with a message naming the kind.
Region = Annotated[str, AfterValidator(_code("region", REGIONS)), _enum(REGIONS)]
Service = Annotated[str, AfterValidator(_code("service", SERVICES)), _enum(SERVICES)]
Authority = Annotated[
    str, AfterValidator(_code("authority", AUTHORITIES)), _enum(AUTHORITIES)
]
CaseType = Annotated[
    str, AfterValidator(_code("case type", CASE_TYPES)), _enum(CASE_TYPES)
]
Source = Annotated[str, AfterValidator(_code("source", SOURCES)), _enum(SOURCES)]
Channel = Annotated[str, AfterValidator(_code("channel", CHANNELS)), _enum(CHANNELS)]
ConsentScope = Annotated[
    str, AfterValidator(_code("consent scope", CONSENT_SCOPES)), _enum(CONSENT_SCOPES)
]
Status = Annotated[str, AfterValidator(_code("status", STATUSES)), _enum(STATUSES)]
RiskLevel = Annotated[
    str, AfterValidator(_code("risk level", RISK_LEVELS)), _enum(RISK_LEVELS)
]
FollowUpMethod = Annotated[
    str,
    AfterValidator(_code("follow-up method", FOLLOW_UP_METHODS)),
    _enum(FOLLOW_UP_METHODS),
]
CloseReason = Annotated[
    str, AfterValidator(_code("closing reason", CLOSE_REASONS)), _enum(CLOSE_REASONS)
]


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

    subject_ref: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="A pseudonymous reference, never a name.",
    )
    region: Region
    mobile_unit: Reference
    municipality: Reference
    is_minor: bool
    case_type: CaseType = "trafficking"
    protection_requested: bool = False
    indicators: list[Reference] = Field(default_factory=list, max_length=50)
    exploitation_types: list[Reference] = Field(default_factory=list, max_length=20)
    source: Source = "outreach"
    case_id: UUID | None = Field(
        default=None, description="A case id made on the device (offline use)."
    )
    occurred_at: Moment | None = Field(
        default=None, description="When the person was identified; default: now."
    )


class Notify(CommandBody):
    """Record that an authority was told of the case (e.g. by phone)."""

    authority: Authority
    channel: Channel
    recipient: Reference
    reference: OptionalText = ""


class Acknowledge(CommandBody):
    """Record that a notified authority acknowledged the alert."""

    authority: Authority
    reference: OptionalText = ""


class Consent(CommandBody):
    """Record the person's (or a minor's guardian's) consent."""

    scope: ConsentScope
    given_by: Literal["subject", "guardian"]


class WithdrawConsent(CommandBody):
    """Record that a consent was withdrawn."""

    scope: ConsentScope


class DetermineStatus(CommandBody):
    """The Responsible Authority's formal decision on the person's status."""

    status: Status


class AssessRisk(CommandBody):
    """Record a risk assessment."""

    level: RiskLevel


class Refer(CommandBody):
    """Refer the person to a service; needs consent or a recorded reason."""

    referral_id: Reference
    service: Service
    agency: Reference
    consent_override_reason: OptionalText = ""


class ReferralAnswer(CommandBody):
    """Accept or complete a referral."""

    referral_id: Reference


class DeclineReferral(CommandBody):
    """Decline a referral, with the reason."""

    referral_id: Reference
    reason: Text


class AssessNeeds(CommandBody):
    """Record the services the person needs."""

    needs: list[Service] = Field(max_length=len(SERVICES))


class AgreePlan(CommandBody):
    """Record the assistance plan agreed with the person."""

    services: list[Service] = Field(min_length=1, max_length=len(SERVICES))


class ServiceStep(CommandBody):
    """Start or complete a service of the programme."""

    service: Service
    referral_id: OptionalText = ""


class DiscontinueService(ServiceStep):
    """Discontinue a running service, with the reason."""

    reason: Text


class ProtectionOrder(CommandBody):
    """Record a protection order a court issued."""

    court: Reference
    reference: OptionalText = ""


class FollowUp(CommandBody):
    """Record a follow-up contact (also after closing as reintegrated)."""

    method: FollowUpMethod
    outcome: OptionalText = ""


class MissedFollowUp(CommandBody):
    """Record a follow-up that did not take place, with the reason."""

    reason: Text


class Return(CommandBody):
    """Record the person's return to a country."""

    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2 code.")
    assisted: bool


class Transfer(CommandBody):
    """Move the case to another region."""

    to_region: Region
    reason: Text


class Close(CommandBody):
    """Close the case."""

    reason: CloseReason


class Reopen(CommandBody):
    """Reopen a closed case, with the reason."""

    reason: Text


class Correct(CommandBody):
    """Correct one field of an earlier entry; the original stays in the record."""

    corrected_version: int = Field(ge=1, le=2**31 - 1)
    field_name: Reference
    value: Text | bool | int | list[Reference] = Field(
        description="The new value, of the field's type (occurred_at: ISO 8601)."
    )
    reason: Text


class AlertAcknowledgement(Body):
    """Acknowledge an alert as the authority your role stands for."""

    reference: OptionalText = ""
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
