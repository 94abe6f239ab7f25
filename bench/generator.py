"""Realistic cases from a fixed seed: regions, minors, referrals, services, follow-ups.

A case is a script of steps (one command, one event each), usable two ways:
through the application service (the write path) or straight on the Case
aggregate (bulk loading for the read-path benchmarks).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.case import Case
from domain.catalogue import REGION_SEATS, REGIONS, SERVICES
from domain.catalogue_files import TERRITORY
from domain.stamp import Stamp

NAMESPACE = uuid.UUID("0b6f2d4e-8c1a-4f7e-9d3b-5a2c1e0f9b87")
EPOCH = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
WORKER = ("mu-bench", "mobile_unit")
SYSTEM = ("vatra-notifier", "system")
RA = ("ra-bench", "responsible_authority")
SHELTER = ("shelter-bench", "shelter_staff")


@dataclass(frozen=True)
class Step:
    command: str
    at: timedelta
    actor: tuple[str, str]
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Script:
    case_id: uuid.UUID
    start: datetime
    steps: list[Step]


def _person(rng: random.Random, minor: bool) -> dict[str, Any]:
    """Sex, age and nationality as the caseload has them: mostly women and
    girls, mostly Albanian."""
    return {
        "sex": rng.choice(["female"] * 7 + ["male"] * 2 + ["not_recorded"]),
        "age": rng.randint(12, 17) if minor else rng.randint(18, 45),
        "birth_year": None,
        "nationality": rng.choice(["AL"] * 9 + ["XK"]),
    }


def scripts(
    cases: int,
    seed: int = 20261128,
    *,
    every: timedelta = timedelta(minutes=17),
    epoch: datetime = EPOCH,
    longer: bool = False,
) -> Iterator[Script]:
    """``cases`` case scripts, the same for the same seed: one started
    ``every`` from ``epoch``. ``longer`` gives each case the longer history a
    case has after months in the programme (``_longer``: acknowledgements,
    more referrals, services completed, follow-ups, a transfer, a
    correction), about twice the steps; the draws of the shorter cases are
    the same either way."""
    rng = random.Random(seed)
    more = random.Random(seed + 2)
    # The person's facts come from a stream of their own, so the cases' other
    # draws are those of the seed as before.
    people = random.Random(seed + 1)
    regions = sorted(REGIONS)
    services = sorted(set(SERVICES) - {"shelter_accommodation"})
    for n in range(cases):
        start = epoch + every * n
        minor = rng.random() < 0.3
        region = rng.choice(regions)
        steps = [
            Step(
                "identify",
                timedelta(0),
                WORKER,
                {
                    "subject_ref": f"PV-B-{n:07d}",
                    "region": region,
                    "mobile_unit": f"{region}-unit",
                    "worker_id": WORKER[0],
                    "municipality": people.choice(TERRITORY.of_county(region)),
                    "is_minor": minor,
                    "case_type": rng.choice(
                        ["trafficking"] * 4 + ["domestic_violence"]
                    ),
                    "protection_requested": rng.random() < 0.2,
                    "indicators": ["debt_bondage", "documents_withheld"],
                    "exploitation_types": [
                        rng.choice(
                            ["forced_labour", "sexual_exploitation", "forced_begging"]
                        )
                    ],
                    "source": rng.choice(["outreach", "hotline", "police"]),
                    **_person(people, minor),
                },
            )
        ]
        at = timedelta(minutes=rng.randint(10, 90))
        for authority in ["police", "responsible_authority"] + (
            ["child_protection_unit"] if minor else []
        ):
            steps.append(
                Step(
                    "record_notification",
                    at,
                    SYSTEM,
                    {
                        "authority": authority,
                        "channel": "email",
                        "recipient": f"{authority}-{region}",
                        "reference": f"{n}-{authority}",
                    },
                )
            )
            at += timedelta(minutes=rng.randint(5, 300))
        steps.append(
            Step(
                "record_consent",
                at,
                WORKER,
                {"scope": "services", "given_by": "guardian" if minor else "subject"},
            )
        )
        for r, service in enumerate(
            ["shelter_accommodation", *rng.sample(services, rng.randint(1, 3))]
        ):
            at += timedelta(hours=rng.randint(1, 30))
            referral = f"R{n}-{r}"
            steps.append(
                Step(
                    "refer",
                    at,
                    WORKER,
                    {"referral_id": referral, "service": service, "agency": "Agency"},
                )
            )
            at += timedelta(hours=rng.randint(2, 100))
            if rng.random() < 0.85:
                steps.append(
                    Step("accept_referral", at, SHELTER, {"referral_id": referral})
                )
                at += timedelta(hours=rng.randint(1, 48))
                steps.append(
                    Step(
                        "start_service",
                        at,
                        SHELTER,
                        {"service": service, "referral_id": referral},
                    )
                )
            else:
                steps.append(
                    Step(
                        "decline_referral",
                        at,
                        SHELTER,
                        {"referral_id": referral, "reason": "no capacity"},
                    )
                )
        if longer:
            at = _longer(more, steps, at, n, region, services)
        at += timedelta(days=rng.randint(1, 8))
        steps.append(Step("determine_status", at, RA, {"status": "victim"}))
        if rng.random() < 0.4:
            at += timedelta(days=rng.randint(20, 90))
            steps.append(Step("close", at, WORKER, {"reason": "reintegrated"}))
            for _k in range(rng.randint(0, 4)):
                at += timedelta(days=rng.randint(20, 40))
                steps.append(
                    Step(
                        "complete_follow_up",
                        at,
                        WORKER,
                        {"method": "visit", "outcome": "stable"},
                    )
                )
        if longer:
            steps.sort(key=lambda step: step.at)
            _correct_a_follow_up(more, steps)
        yield Script(uuid.uuid5(NAMESPACE, str(n)), start, steps)


def _longer(
    rng: random.Random,
    steps: list[Step],
    at: timedelta,
    n: int,
    region: str,
    services: list[str],
) -> timedelta:
    """The rest of a case's months in the programme, appended to ``steps``
    from ``at`` on (the notifications' acknowledgements at their own times,
    ordered by the caller): more referrals, most services completed and
    their referrals closed, sometimes a transfer, follow-up visits."""
    for notice in [s for s in steps if s.command == "record_notification"]:
        authority = notice.fields["authority"]
        acknowledged = notice.at + timedelta(minutes=rng.randint(10, 2000))
        steps.append(
            Step(
                "acknowledge_alert",
                acknowledged,
                SYSTEM,
                {"authority": authority, "reference": f"ack-{n}-{authority}"},
            )
        )
    referred = {s.fields["service"] for s in steps if s.command == "refer"}
    for r, service in enumerate(
        rng.sample(sorted(set(services) - referred), rng.randint(0, 2)), start=10
    ):
        referral = f"R{n}-{r}"
        at += timedelta(hours=rng.randint(4, 200))
        fields = {"referral_id": referral, "service": service, "agency": "Agency"}
        steps.append(Step("refer", at, WORKER, fields))
        at += timedelta(hours=rng.randint(2, 100))
        steps.append(Step("accept_referral", at, SHELTER, {"referral_id": referral}))
        at += timedelta(hours=rng.randint(1, 48))
        steps.append(
            Step(
                "start_service",
                at,
                SHELTER,
                {"service": service, "referral_id": referral},
            )
        )
    for started in [s for s in steps if s.command == "start_service"]:
        if rng.random() < 0.8:
            at += timedelta(days=rng.randint(3, 40))
            fields = dict(started.fields)
            steps.append(Step("complete_service", at, SHELTER, fields))
            at += timedelta(hours=rng.randint(1, 24))
            answered = {"referral_id": fields["referral_id"]}
            steps.append(Step("complete_referral", at, SHELTER, answered))
    if rng.random() < 0.08:
        at += timedelta(days=rng.randint(1, 20))
        to_region = rng.choice(sorted(set(REGIONS) - {region}))
        fields = {"to_region": to_region, "reason": "moved"}
        steps.append(Step("transfer", at, WORKER, fields))
    for _k in range(rng.randint(2, 6)):
        at += timedelta(days=rng.randint(15, 40))
        method = rng.choice(["visit", "visit", "phone", "office"])
        fields = {"method": method, "outcome": "stable"}
        steps.append(Step("complete_follow_up", at, WORKER, fields))
    return at


def _correct_a_follow_up(rng: random.Random, steps: list[Step]) -> None:
    """Now and then, the method of a follow-up corrected a day later."""
    visits = [v for v, s in enumerate(steps, 1) if s.command == "complete_follow_up"]
    if not visits or rng.random() < 0.3:
        return
    version = rng.choice(visits)
    corrected = steps[version - 1]
    method = "phone" if corrected.fields["method"] != "phone" else "visit"
    at = max(steps[-1].at, corrected.at) + timedelta(days=1)
    fields = {
        "corrected_version": version,
        "field_name": "method",
        "value": method,
        "reason": "recorded under the wrong method",
    }
    steps.append(Step("correct_entry", at, WORKER, fields))


def build_case(script: Script) -> Case:
    """The case with every step applied, its events pending (not saved)."""
    case: Case | None = None
    for step in script.steps:
        moment = script.start + step.at
        stamp = Stamp(step.actor[0], step.actor[1], moment, moment, f"bench-{moment}")
        if case is None:
            case = Case.identify(stamp, case_id=script.case_id, **step.fields)
        else:
            getattr(case, step.command)(stamp, **step.fields)
    assert case is not None
    return case


def long_script(events: int) -> Script:
    """One case of ``events`` steps: identified, consent, then referral after
    referral (each accepted, its service run, the referral completed) with a
    follow-up visit each time, over months."""
    region = "vlora"
    identify = Step(
        "identify",
        timedelta(0),
        WORKER,
        {
            "subject_ref": "PV-B-LONG",
            "region": region,
            "mobile_unit": f"{region}-unit",
            "worker_id": WORKER[0],
            "municipality": REGION_SEATS[region],
            "is_minor": False,
            "case_type": "trafficking",
            "protection_requested": False,
            "indicators": ["debt_bondage"],
            "exploitation_types": ["forced_labour"],
            "source": "outreach",
            "sex": "female",
            "age": 27,
            "birth_year": None,
            "nationality": "AL",
        },
    )
    consent = {"scope": "services", "given_by": "subject"}
    steps = [identify, Step("record_consent", timedelta(hours=1), WORKER, consent)]
    services = sorted(SERVICES)
    at = timedelta(hours=1)
    while len(steps) < events:
        service = services[len(steps) % len(services)]
        referral = {"referral_id": f"R-{len(steps)}"}
        cycle = [
            ("refer", WORKER, {**referral, "service": service, "agency": "Agency"}),
            ("accept_referral", SHELTER, referral),
            ("start_service", SHELTER, {**referral, "service": service}),
            ("complete_service", SHELTER, {**referral, "service": service}),
            ("complete_referral", SHELTER, referral),
            ("complete_follow_up", WORKER, {"method": "visit", "outcome": "stable"}),
        ]
        for command, actor, fields in cycle:
            at += timedelta(hours=7)
            steps.append(Step(command, at, actor, fields))
    start = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)
    return Script(uuid.uuid5(NAMESPACE, "long-case"), start, steps[:events])
