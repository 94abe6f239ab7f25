"""Every command and every correction over HTTP: bounded, checked, never a 500."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from domain import clinic_commands
from domain.catalogue import REGIONS
from domain.commands import COMMANDS as ALL_COMMANDS
from domain.commands import RecordNotification
from domain.errors import DomainError
from domain.fields import (
    CONTROL,
    EARLIEST,
    ENTRY_FIELDS,
    LINE_BREAKS,
    PERSON_FIELDS,
    SINGLE_LINE_REFUSED,
    Rule,
)
from services.api.context import ApiContext
from services.api.models import Identify
from services.api.routes.commands import COMMAND_ROUTES
from tests.e2e.helpers import IDENTIFICATION, Api

FAR_FUTURE = "9999-12-31T23:00:00+00:00"


def _correct(api: Api, who: str, case: dict[str, Any], **fields: Any) -> httpx.Response:
    return api.command(who, case, "correct", reason="typed wrongly", **fields)


def _reads_answer(api: Api, case_id: str) -> None:
    worker = api.as_("vlora_worker")
    for path in (
        "/api/cases",
        f"/api/cases/{case_id}",
        f"/api/cases/{case_id}/timeline",
        f"/api/cases/{case_id}/obligations",
    ):
        response = worker.get(path)
        assert response.status_code == 200, (path, response.text)


def test_a_time_is_corrected_only_within_the_bounds_of_every_time(api: Api) -> None:
    case = api.identify()
    far = _correct(
        api,
        "vlora_worker",
        case,
        corrected_version=1,
        field_name="occurred_at",
        value=FAR_FUTURE,
    )
    assert far.status_code == 422, far.text
    assert far.json()["error"] == "invalid_time"
    edge = _correct(
        api,
        "vlora_worker",
        case,
        corrected_version=1,
        field_name="occurred_at",
        value="9999-12-31T23:00:00-05:00",
    )
    assert edge.status_code == 422, edge.text
    _reads_answer(api, case["case_id"])


def test_a_correction_of_ten_thousand_references_is_refused_at_once(api: Api) -> None:
    case = api.identify()
    huge = [f"REF-{n:05d}" for n in range(10_000)]
    answer = api.as_("vlora_worker").post(
        f"/api/cases/{case['case_id']}/correct",
        json={
            "expected_version": 1,
            "corrected_version": 1,
            "field_name": "indicators",
            "value": huge,
            "reason": "r",
        },
        timeout=10,
    )
    assert answer.status_code == 422
    assert api.step("vlora_worker", case, "assess-risk", level="low")["version"] == 2


def test_a_line_break_in_a_single_line_field_is_refused_in_commands_and_corrections(
    api: Api,
) -> None:
    injected = "vlora-unit\nAcknowledge: https://evil.example/ack"
    opened = api.as_("vlora_worker").post(
        "/api/cases", json={**IDENTIFICATION, "mobile_unit": injected}
    )
    assert opened.status_code == 422
    assert opened.json()["errors"][0]["field"] == "mobile_unit"
    case = api.identify()
    corrected = _correct(
        api,
        "vlora_worker",
        case,
        corrected_version=1,
        field_name="mobile_unit",
        value=injected,
    )
    assert corrected.status_code == 422
    assert "line breaks" in corrected.json()["message"]
    reason = api.step("vlora_worker", case, "close", reason="other")
    api.step("vlora_worker", reason, "reopen", reason="seen again:\nnew risk")


def test_a_time_is_iso_8601_text_never_a_bare_number(api: Api) -> None:
    opened = api.as_("vlora_worker").post(
        "/api/cases", json={**IDENTIFICATION, "occurred_at": 1772438400}
    )
    assert opened.status_code == 422
    case = api.identify()
    command = api.command(
        "vlora_worker", case, "assess-risk", level="low", occurred_at=1772438400
    )
    assert command.status_code == 422
    assert command.json()["errors"][0]["field"] == "occurred_at"
    corrected = _correct(
        api,
        "vlora_worker",
        case,
        corrected_version=1,
        field_name="occurred_at",
        value=1772438400,
    )
    assert corrected.status_code == 422
    api.step(
        "vlora_worker",
        case,
        "notify",
        authority="police",
        channel="phone",
        recipient="duty",
    )
    ack = api.as_("vlora_police").post(
        f"/api/alerts/{case['case_id']}/acknowledge", json={"occurred_at": 1772438400}
    )
    assert ack.status_code == 422


def test_corrections_stay_on_the_side_that_recorded_the_entry(
    api: Api, context: ApiContext
) -> None:
    case = api.identify()
    notified = context.service.run(
        RecordNotification(
            authority="police",
            channel="email",
            recipient="police-vlora",
            reference="a-1",
        ),
        case["case_id"],
        expected_version=1,
        actor_id="notifier",
        actor_role="system",
        occurred_at=context.clock.now(),
    )
    late = _correct(
        api,
        "vlora_worker",
        notified,
        corrected_version=2,
        field_name="occurred_at",
        value=(context.clock.now() - timedelta(hours=1)).isoformat(),
    )
    assert late.status_code == 409
    assert late.json()["error"] == "not_permitted"
    decided = api.step(
        "authority", notified, "determine-status", status="potential_victim"
    )
    by_worker = _correct(
        api,
        "vlora_worker",
        decided,
        corrected_version=3,
        field_name="status",
        value="victim",
    )
    assert by_worker.status_code == 409
    made_up = _correct(
        api,
        "authority",
        decided,
        corrected_version=3,
        field_name="status",
        value="anything",
    )
    assert made_up.status_code == 422
    assert made_up.json()["error"] == "unknown_code"
    ok = _correct(
        api,
        "authority",
        decided,
        corrected_version=3,
        field_name="status",
        value="victim",
    )
    assert ok.status_code == 200, ok.text


def test_every_string_and_list_of_every_request_body_is_bounded_in_openapi(
    api: Api,
) -> None:
    document = api.as_("vlora_worker").get("/openapi.json").json()
    unbounded: list[str] = []

    def walk(where: str, schema: dict[str, Any]) -> None:
        for option in schema.get("anyOf", []):
            walk(where, option)
        if schema.get("type") == "string" and not (
            "maxLength" in schema or "enum" in schema or "format" in schema
        ):
            unbounded.append(where)
        if schema.get("type") == "array":
            if "maxItems" not in schema:
                unbounded.append(where)
            walk(f"{where}[]", schema.get("items", {}))

    bodies = {
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[
            -1
        ]
        for path in document["paths"].values()
        for op in path.values()
        if "requestBody" in op and "application/json" in op["requestBody"]["content"]
    }
    for name in sorted(bodies):
        for field, schema in document["components"]["schemas"][name][
            "properties"
        ].items():
            walk(f"{name}.{field}", schema)
    assert unbounded == []


# -- the done-when property: every command and every correction, any value ----
#
# Each example sends every command once and corrects every field of every
# entry once, each with a drawn value:
#
# - a command's body is valid by construction (its model's fields, each drawn
#   within the rule ``domain.fields`` has for it; codes from the code list),
#   then maybe one field is replaced by a value out of its range, of the kind
#   of mistake the field invites (too long, control characters, line breaks,
#   unknown code, wrong type, too many items, far-off, naive or numeric times);
# - a correction sets one field of an entry (each type a person records), or
#   its ``occurred_at``, to a value in or out of that field's range.
#
# The commands go to a case opened with a drawn identification, with consent,
# a referral and a police notification, each after the steps that let it
# succeed; the corrections to a case with an entry of every type. So both
# answers are exercised: a success and a refusal (403, 409, 413, 422). Whatever
# the answer, it is never a 5xx and it comes within TIMEOUT; the case, its
# timeline and its obligations answer 200 after every write the case recorded,
# and the case list too at the end of each part.

# The e2e clock's "now" (``START`` in conftest; checked in ``fuzz_api``).
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TIMEOUT = 10.0  # seconds: a request still unanswered by then hangs
WORKER = "fuzz_worker"  # a mobile-unit worker of every region (see ``fuzz_api``)
READER = "coordinator"  # reads every region, whatever a transfer does
OTHERS = ["authority", "vlora_police", "auditor", "durres_worker"]

CLINIC_COMMANDS = [
    c for c in ALL_COMMANDS.values() if c.__module__ == clinic_commands.__name__
]
# The entry each command records.
ROUTE_ENTRY = {
    "notify": "AuthorityNotified",
    "acknowledge": "AlertAcknowledged",
    "consent": "ConsentRecorded",
    "withdraw-consent": "ConsentWithdrawn",
    "determine-status": "StatusDetermined",
    "assess-risk": "RiskAssessed",
    "refer": "Referred",
    "accept-referral": "ReferralAccepted",
    "decline-referral": "ReferralDeclined",
    "complete-referral": "ReferralCompleted",
    "assess-needs": "NeedsAssessed",
    "agree-plan": "AssistancePlanAgreed",
    "start-service": "ServiceStarted",
    "complete-service": "ServiceCompleted",
    "discontinue-service": "ServiceDiscontinued",
    "protection-order": "ProtectionOrderIssued",
    "follow-up": "FollowUpCompleted",
    "missed-follow-up": "FollowUpMissed",
    "return": "ReturnedToCountry",
    "transfer": "Transferred",
    "assign": "CaseAssigned",
    "close": "Closed",
    "reopen": "Reopened",
    "correct": "EntryCorrected",
    # The legal clinic's.
    **{
        c.declaration.path: c.declaration.records.__name__
        for c in CLINIC_COMMANDS
        if c.declaration.path
    },
}
# Who records a command, when a mobile-unit worker may not (its declaration's
# ``recorded_by``): the Responsible Authority, the clinic's lawyer or psychologist.
LAWYER = "fuzz_lawyer"
PSYCHOLOGIST = "fuzz_psychologist"
RECORDERS = {
    "responsible_authority": "authority",
    "lawyers": LAWYER,
    "clinic_staff": LAWYER,
    "psychologists": PSYCHOLOGIST,
}
RECORDED_BY = {
    path: RECORDERS[c.declaration.recorded_by]
    for path, c in ((c.declaration.path, c) for c in ALL_COMMANDS.values())
    if path and c.declaration.recorded_by in RECORDERS
}
# path -> (body model, entry it records); "identify" is POST /api/cases.
BODIES: dict[str, tuple[type[BaseModel], str]] = {
    "identify": (Identify, "Identified"),
    **{route.path: (route.body, ROUTE_ENTRY[route.path]) for route in COMMAND_ROUTES},
}
# In the order of a case's life: notified, consent, referrals, services, close.
COMMANDS = [route.path for route in COMMAND_ROUTES if route.path != "correct"]
# Body fields that are not an entry's field.
ENVELOPE = {"expected_version", "occurred_at", "case_id"}
# Steps that let a command succeed on a case with consent, referral R1 (pending)
# and a police notification.
PREREQUISITES = {
    "complete-referral": ["accept-referral"],
    "complete-service": ["start-service"],
    "discontinue-service": ["start-service"],
    "reopen": ["close"],
}
# After the set-up, the steps that record every other type of entry a person
# records (the last, EntryCorrected, is a correction: see ``Session``).
RECORD_EVERY_ENTRY: list[tuple[str, dict[str, Any]]] = [
    ("acknowledge", {}),
    ("determine-status", {}),
    ("assess-risk", {}),
    ("refer", {"referral_id": "R2"}),
    ("decline-referral", {"referral_id": "R2"}),
    ("accept-referral", {}),
    ("complete-referral", {}),
    ("assess-needs", {}),
    ("agree-plan", {}),
    ("start-service", {}),
    ("complete-service", {}),
    ("start-service", {"service": "shelter_accommodation"}),
    ("discontinue-service", {"service": "shelter_accommodation"}),
    ("protection-order", {}),
    ("consultation", {}),
    ("legal-aid", {}),
    ("complaint", {}),
    ("proceedings", {}),
    ("hearing", {"court": "first_instance_vlore"}),
    ("hearing-companions", {"lawyer_id": "lawyer-fuzz-1"}),
    ("hearing-postponed", {}),
    ("statement", {}),
    ("hearing-held", {}),
    ("judgment", {}),
    ("appeal", {}),
    ("protection-order-request", {}),
    ("protection-order-violated", {}),
    ("compensation-claimed", {}),
    ("compensation-awarded", {}),
    ("compensation-paid", {}),
    ("counselling-session", {}),
    ("follow-up", {}),
    ("missed-follow-up", {}),
    ("return", {}),
    ("transfer", {}),
    ("withdraw-consent", {}),
    ("close", {}),
    ("reopen", {}),
]
# Every entry a person records over the API (PersonalDataErased has no route;
# an assignment is put right by assigning again, a note or a document by adding
# another, never corrected), and every field of each, its time included.
# The clinic's intake (ClinicIntakeRecorded) opens a case: it is recorded
# with the identification of a case opened at the clinic, not on this one.
CORRECTED_TYPES = sorted(
    set(ENTRY_FIELDS)
    - {"PersonalDataErased", "CaseAssigned", "AttachmentAdded", "ClinicIntakeRecorded"}
)
CORRECTED_FIELDS = [
    (entry, name)
    for entry in CORRECTED_TYPES
    for name in [*sorted(ENTRY_FIELDS[entry]), "occurred_at"]
]
# Values that let later steps succeed, where the field's rule allows them.
PREFERRED: dict[str, Any] = {
    "subject_ref": "PV-FUZZ-0001",
    "region": "vlora",
    "mobile_unit": "vlora-unit",
    "municipality": "sarande",
    "sex": "female",
    "age": 30,
    "nationality": "AL",
    "referral_id": "R1",
    "service": "legal_assistance",
    "agency": "Legal aid clinic",
    "authority": "police",
    "channel": "phone",
    "recipient": "duty officer",
    "scope": "services",
    "given_by": "subject",
    "status": "potential_victim",
    "level": "high",
    "services": ["legal_assistance"],
    "needs": ["legal_assistance"],
    "to_region": "durres",
    "court": "Vlorë district court",
    "method": "visit",
    "country": "GR",
    "reason": "reintegrated",
    "hearing_id": "H-1",
    "hearing_at": "2026-03-20T09:30",
    "expires_on": "2027-03-31",
}

BAD_TIMES: list[Any] = [
    FAR_FUTURE,
    "9999-12-31T23:00:00-05:00",
    "9999-12-31T23:59:59.999999-23:59",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00+00:00",
    "1989-12-31T23:59:59+00:00",
    "2200-01-01T00:00:01+00:00",
    "2027-03-02T08:00:00+00:00",  # in the future
    "2026-03-01T10:00:00",  # naive
    "2026-03-01",
    "2026-02-30T10:00:00+00:00",
    "not a time",
    "",
    1772438400,  # Unix seconds
    1772438400.5,
    -62135596800,
    2**63,
    True,
    None,
    [],
    {},
]
WRONG_TYPES: dict[type, list[Any]] = {
    bool: ["true", 1, 0, None, [], {}],
    int: ["30", 30.5, True, [], {}, [30]],
    list: ["legal_assistance", 1, None, {}, True],
    str: [1, 1.5, True, None, [], {}, ["x"]],
}
BAD_VERSIONS: list[Any] = [0, -1, 1, 2**31, 2**63, "2", None, 1.5]
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f"]
LINE_BREAKERS = sorted(LINE_BREAKS | {"\t"})
LONE_SURROGATES = ["\ud800", "\udfff"]  # not Unicode text; JSON still carries them


# The rules of a body's fields: those of its entry's fields, and for the
# identification those of the person's attributes it takes (in no entry).
BODY_RULES: dict[str, dict[str, Rule]] = {
    entry: {**rules, **(PERSON_FIELDS if entry == "Identified" else {})}
    for entry, rules in ENTRY_FIELDS.items()
}


def rule_of(entry: str, name: str) -> Rule:
    return BODY_RULES[entry][name]


# Every field of every body has a rule, so nothing is drawn at random.
for _path, (_model, _entry) in BODIES.items():
    if _path != "correct":
        missing = set(_model.model_fields) - ENVELOPE - set(BODY_RULES[_entry])
        assert not missing, (_path, missing)
assert set(ROUTE_ENTRY) == {route.path for route in COMMAND_ROUTES}


def canonical(name: str, rule: Rule) -> Any:
    """A value within ``rule``: the preferred one if the rule allows it."""
    preferred = PREFERRED.get(name)
    if preferred is not None:
        try:
            return rule.check(preferred)
        except DomainError:
            pass
    if rule.kind is bool:
        return False
    if rule.kind is int:
        return rule.minimum
    if rule.kind is list:
        assert rule.item is not None
        return [canonical(name, rule.item)] * rule.min_items
    if rule.codes is not None:
        return sorted(rule.codes)[0]
    return "noted"


def canonical_body(path: str) -> dict[str, Any]:
    """The required fields of a body (and the age, which an identification
    needs unless a birth year is given), each with its canonical value."""
    model, entry = BODIES[path]
    return {
        name: canonical(name, rule_of(entry, name))
        for name, field in model.model_fields.items()
        if (field.is_required() or name == "age") and name not in ENVELOPE
    }


def _offsets() -> st.SearchStrategy[timezone]:
    return st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def moments(earliest: datetime, latest: datetime) -> st.SearchStrategy[str]:
    """ISO 8601 text with an offset, of an instant between the two."""
    return st.tuples(
        st.datetimes(
            min_value=earliest.replace(tzinfo=None),
            max_value=latest.replace(tzinfo=None),
        ),
        _offsets(),
    ).map(lambda t: t[0].replace(tzinfo=UTC).astimezone(t[1]).isoformat())


IDENTIFIED_AT = moments(START - timedelta(days=10), START - timedelta(days=3))
STEP_AT = moments(START - timedelta(days=3), START)
CORRECTED_AT = st.one_of(
    moments(START - timedelta(days=10), START), moments(EARLIEST, START)
)
OUT_OF_RANGE_TIMES = st.one_of(
    st.sampled_from(BAD_TIMES),
    st.datetimes().map(datetime.isoformat),  # naive, any year
    st.tuples(st.datetimes(), _offsets()).map(
        lambda t: t[0].replace(tzinfo=t[1]).isoformat()
    ),
)


def in_range(rule: Rule) -> st.SearchStrategy[Any]:
    """Any value ``rule`` allows."""
    if rule.kind is bool:
        return st.booleans()
    if rule.kind is int:
        numbers = st.integers(rule.minimum, rule.maximum)
        return st.one_of(st.none(), numbers) if rule.optional else numbers
    if rule.kind is list:
        assert rule.item is not None
        return st.lists(
            in_range(rule.item),
            min_size=rule.min_items,
            max_size=rule.max_items,
            unique=rule.item.codes is not None,
        )
    if rule.codes is not None:
        return st.sampled_from(sorted(rule.codes))
    if rule.pattern is not None:
        return st.from_regex(rule.pattern, fullmatch=True).filter(
            lambda s: rule.min_length <= len(s) <= rule.max_length
        )
    refused = CONTROL if rule.multiline else SINGLE_LINE_REFUSED
    texts = st.text(
        st.characters(codec="utf-8", exclude_characters="".join(refused)),
        min_size=rule.min_length,
        max_size=rule.max_length,
    )
    if rule.min_length:
        texts = texts.filter(str.strip)
    return st.one_of(texts, st.just("x" * rule.max_length))


def out_of_range(rule: Rule) -> st.SearchStrategy[Any]:
    """A value ``rule`` refuses, of the kind of mistake its field invites."""
    wrong_type = st.sampled_from(WRONG_TYPES[rule.kind])
    if rule.kind is bool:
        return wrong_type
    if rule.kind is int:
        assert rule.minimum is not None
        assert rule.maximum is not None
        beyond = [rule.minimum - 1, rule.maximum + 1, -(2**63), 2**63]
        return st.one_of(wrong_type, st.sampled_from(beyond))
    if rule.kind is list:
        item = rule.item
        assert item is not None
        too_many = st.tuples(
            in_range(item), st.sampled_from([rule.max_items + 1, 300, 10_000])
        ).map(lambda t: [t[0]] * t[1])
        bad_item = st.tuples(st.lists(in_range(item), max_size=2), out_of_range(item))
        options = [wrong_type, too_many, bad_item.map(lambda t: [*t[0], t[1]])]
        if rule.min_items:
            options.append(st.just([]))
        return st.one_of(options)
    if rule.codes is not None:
        codes = rule.codes
        return st.one_of(
            wrong_type,
            st.text(max_size=30).filter(lambda s: s not in codes),
            st.sampled_from(sorted(codes)).map(lambda c: f" {c.upper()}"),
        )

    def spliced(chars: list[str]) -> st.SearchStrategy[str]:
        return st.tuples(in_range(rule), st.sampled_from(chars)).map(
            lambda t: t[0][:1] + t[1] + t[0][1:]
        )

    options = [
        wrong_type,
        st.sampled_from([rule.max_length + 1, rule.max_length + 1_000, 2**20]).map(
            lambda n: "x" * n
        ),
        spliced(CONTROLS),
        spliced(LONE_SURROGATES),
    ]
    if not rule.multiline:
        options.append(spliced(LINE_BREAKERS))
    if rule.min_length:
        options.append(st.sampled_from(["", " ", "\u00a0\u3000"]))
    if rule.pattern is not None:
        pattern = rule.pattern
        options.append(
            st.sampled_from(["-lead", "a b", "gr", "G", "ÄB", "x" * 65]).filter(
                lambda s: not re.fullmatch(pattern, s)
            )
        )
    return st.one_of(options)


def field_value(path: str, name: str, *, broken: bool) -> st.SearchStrategy[Any]:
    """A value of field ``name`` of the body of ``path``: in or out of range."""
    if name == "occurred_at":
        return OUT_OF_RANGE_TIMES if broken else IDENTIFIED_AT
    if name == "expected_version":
        return st.sampled_from(BAD_VERSIONS)
    if name == "case_id":
        return st.sampled_from(["not-a-uuid", "", 1]) if broken else st.uuids().map(str)
    if name == "unexpected":
        return st.just("a field no body has")
    rule = rule_of(BODIES[path][1], name)
    if broken:
        return out_of_range(rule)
    return st.one_of(st.just(canonical(name, rule)), in_range(rule))


@dataclass
class Command:
    """POST ``path`` with ``body`` (the case's version is added), as ``who``."""

    path: str
    body: dict[str, Any]
    broken: str | None = None  # the field out of range, if any
    who: str | None = None  # None: someone who may record it


@dataclass
class Correction:
    """Correct ``field_name`` of the latest ``entry_type`` entry to ``value``."""

    entry_type: str
    field_name: str
    value: Any
    who: str | None = None  # None: the side that recorded the entry


WHO = st.sampled_from([*[None] * 12, *OTHERS])


@st.composite
def command(draw: st.DrawFn, path: str) -> Command:
    """A body of ``path`` valid by construction; then maybe one field out of range."""
    model, _ = BODIES[path]
    body: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name == "expected_version":
            continue
        if field.is_required() or draw(st.booleans()):
            value = field_value(path, name, broken=False)
            if name == "occurred_at" and path != "identify":
                value = STEP_AT
            body[name] = draw(value)
    fields = [*model.model_fields, "unexpected"]
    broken = draw(st.one_of(st.none(), st.sampled_from(fields)))
    if broken is not None:
        body[broken] = draw(field_value(path, broken, broken=True))
    return Command(path, body, broken, draw(WHO))


@st.composite
def correction(draw: st.DrawFn, entry: str, name: str) -> Correction:
    """A correction of field ``name`` of an ``entry``: in range or out of it."""
    broken = draw(st.booleans())
    if name == "occurred_at":
        value = draw(OUT_OF_RANGE_TIMES if broken else CORRECTED_AT)
    else:
        rule = rule_of(entry, name)
        value = draw(out_of_range(rule) if broken else in_range(rule))
    return Correction(entry, name, value, draw(WHO))


EVERY_COMMAND = st.tuples(*(command(path) for path in COMMANDS)).map(list)
EVERY_CORRECTION = st.tuples(
    *(correction(entry, name) for entry, name in CORRECTED_FIELDS)
).map(list)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else f"{text[:300]}… ({len(text)} characters)"


class Session:
    """Sends the steps of one example and checks every answer.

    After every write a case recorded, the case, its timeline and its
    obligations must answer, and at the end of each part the case list too; a
    refused write recorded nothing for the projections to choke on.
    """

    def __init__(self, api: Api) -> None:
        self.api = api
        self.versions: dict[str, int] = {}

    def send(
        self, who: str, method: str, path: str, body: Any = None
    ) -> httpx.Response:
        """One request: never a 5xx, never a hang."""
        client = self.api.as_(who)
        try:
            if method == "GET":
                response = client.get(path, timeout=TIMEOUT)
            else:
                # ensure_ascii: JSON carries lone surrogates as escapes.
                response = client.post(
                    path,
                    content=json.dumps(body),
                    headers={"Content-Type": "application/json"},
                    timeout=TIMEOUT,
                )
        except httpx.TimeoutException:
            pytest.fail(f"{method} {path} as {who} hung: {_shown(body)}")
        assert response.status_code < 500, (
            f"{method} {path} as {who} answered {response.status_code}: "
            f"{_shown(body)} -> {response.text[:500]}"
        )
        return response

    def read(self, path: str) -> Any:
        response = self.send(READER, "GET", path)
        assert response.status_code == 200, (path, response.text[:500])
        return response.json()

    def reads(self, case_id: str, *, listed: bool = False) -> list[dict[str, Any]]:
        """The case, its timeline and its obligations (and the case list)
        answer; return the timeline."""
        case = f"/api/cases/{case_id}"
        if listed:
            self.read("/api/cases")
        self.versions[case_id] = self.read(case)["version"]
        self.read(f"{case}/obligations")
        timeline: list[dict[str, Any]] = self.read(f"{case}/timeline")
        return timeline

    def command(
        self, case_id: str, path: str, body: dict[str, Any], who: str | None = None
    ) -> httpx.Response:
        """POST ``path`` at the case's current version."""
        if who is None:
            who = RECORDED_BY.get(path, WORKER)
        answer = self.send(
            who,
            "POST",
            f"/api/cases/{case_id}/{path}",
            {"expected_version": self.versions[case_id], **body},
        )
        if answer.status_code == 200:
            self.reads(case_id)
        elif answer.status_code == 409 and "version" in answer.json()["error"]:
            self.versions[case_id] = self.read(f"/api/cases/{case_id}")["version"]
        return answer

    def step(self, case_id: str, path: str, **overrides: Any) -> None:
        """A set-up step: a valid body, which must be recorded."""
        done = self.command(case_id, path, {**canonical_body(path), **overrides})
        assert done.status_code == 200, (path, done.text)

    def open(self, opening: Command | None = None) -> str:
        """Open a case with ``opening`` (or, if refused, a valid identification),
        then give it consent, referral R1 and a police notification."""
        answer = None
        if opening is not None:
            answer = self.send(
                opening.who or WORKER, "POST", "/api/cases", opening.body
            )
        if answer is None or answer.status_code != 201:
            valid = canonical_body("identify")
            answer = self.send(WORKER, "POST", "/api/cases", valid)
            assert answer.status_code == 201, answer.text
        case_id: str = answer.json()["case_id"]
        self.reads(case_id, listed=True)
        minor = self.read(f"/api/cases/{case_id}")["is_minor"]
        self.step(case_id, "consent", given_by="guardian" if minor else "subject")
        self.step(case_id, "refer")
        self.step(case_id, "notify")
        return case_id

    def run(self, case_id: str, step: Command) -> None:
        """A command, after the steps that let it succeed."""
        for path in PREREQUISITES.get(step.path, []):
            self.command(case_id, path, canonical_body(path))
        self.command(case_id, step.path, step.body, step.who)

    def record_every_entry(self, case_id: str) -> dict[str, dict[str, Any]]:
        """Give the case an entry of every type a person records; return the
        latest entry of each type."""
        for path, overrides in RECORD_EVERY_ENTRY:
            self.step(case_id, path, **overrides)
        referred = self.latest(case_id)["Referred"]
        fixed = self.correct(
            case_id, referred, Correction("Referred", "agency", "Legal aid office")
        )
        assert fixed.status_code == 200, fixed.text
        latest = self.latest(case_id)
        missing = set(CORRECTED_TYPES) - set(latest)
        assert not missing, missing
        return latest

    def latest(self, case_id: str) -> dict[str, dict[str, Any]]:
        return {entry["event_type"]: entry for entry in self.reads(case_id)}

    def correct(
        self, case_id: str, entry: dict[str, Any], step: Correction
    ) -> httpx.Response:
        """Correct a field of ``entry``, as the side that recorded it (or not)."""
        who = step.who or (
            "authority" if entry["actor_role"] == "responsible_authority" else WORKER
        )
        return self.command(
            case_id,
            "correct",
            {
                "corrected_version": entry["version"],
                "field_name": step.field_name,
                "value": step.value,
                "reason": "typed wrongly",
            },
            who,
        )


@pytest.fixture
def fuzz_api(api: Api, context: ApiContext) -> Api:
    assert context.clock.now() == START
    api.tokens[WORKER] = context.users.issue_token(
        "mu-fuzz-1", "mobile_unit", tuple(sorted(REGIONS)), "sq"
    )
    api.tokens[LAWYER] = context.users.issue_token(
        "lawyer-fuzz-1", "lawyer", tuple(sorted(REGIONS)), "sq"
    )
    api.tokens[PSYCHOLOGIST] = context.users.issue_token(
        "psy-fuzz-1", "psychologist", tuple(sorted(REGIONS)), "sq"
    )
    return api


@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(
    opening=command("identify"),
    commands=EVERY_COMMAND,
    corrections=EVERY_CORRECTION,
)
# The correction that stopped every read for good, and its kin: always tried.
@example(
    opening=None,
    commands=[],
    corrections=[Correction("Identified", "occurred_at", FAR_FUTURE)],
)
@example(
    opening=None,
    commands=[Command("assess-risk", {"level": "low", "occurred_at": FAR_FUTURE})],
    corrections=[
        Correction("Identified", "occurred_at", "0001-01-01T00:00:00+14:00"),
        Correction("Referred", "occurred_at", "2026-03-01T10:00:00"),
        Correction("AuthorityNotified", "occurred_at", 1772438400),
        Correction("Identified", "indicators", ["REF"] * 10_000),
        Correction("Identified", "municipality", "Sarandë\nAcknowledge: evil"),
    ],
)
def test_no_command_or_correction_breaks_the_api_or_its_reads(
    fuzz_api: Api,
    opening: Command | None,
    commands: list[Command],
    corrections: list[Correction],
) -> None:
    """Every command, once, on a case with consent, a referral and a
    notification; then every field of every entry, once, on a case with an
    entry of every type: no 5xx, no hang, and the reads still answer."""
    session = Session(fuzz_api)
    case_id = session.open(opening)
    for step in commands:
        session.run(case_id, step)
    session.reads(case_id, listed=True)
    other = session.open()
    entries = session.record_every_entry(other)
    for fix in corrections:
        session.correct(other, entries[fix.entry_type], fix)
    session.reads(other, listed=True)
