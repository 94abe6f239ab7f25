"""Commands over real HTTP: every command, clear errors, nothing recorded twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from domain.clock import ControlledClock
from domain.commands import AssessRisk
from services.api.context import ApiContext
from services.api.idempotency import correlation_id_for
from tests.e2e.helpers import IDENTIFICATION, Api, new_key


def _event_types(context: ApiContext, case_id: str) -> list[str]:
    return [type(e).__name__ for e in context.service.app.case_events(case_id)]


def test_a_case_is_worked_through_every_command_of_the_api(
    api: Api, context: ApiContext
) -> None:
    case = api.identify(is_minor=True)
    assert case["version"] == 1
    steps: list[tuple[str, str, dict[str, object]]] = [
        (
            "vlora_worker",
            "notify",
            {
                "authority": "police",
                "channel": "phone",
                "recipient": "duty officer",
                "reference": "P-1",
            },
        ),
        ("vlora_worker", "acknowledge", {"authority": "police", "reference": "P-1"}),
        ("vlora_worker", "consent", {"scope": "services", "given_by": "guardian"}),
        ("vlora_worker", "consent", {"scope": "data_sharing", "given_by": "guardian"}),
        ("vlora_worker", "withdraw-consent", {"scope": "data_sharing"}),
        ("authority", "determine-status", {"status": "potential_victim"}),
        ("vlora_worker", "assess-risk", {"level": "high"}),
        (
            "vlora_worker",
            "refer",
            {
                "referral_id": "R1",
                "service": "shelter_accommodation",
                "agency": "National Shelter",
            },
        ),
        ("vlora_worker", "accept-referral", {"referral_id": "R1"}),
        (
            "vlora_lawyer",
            "refer",
            {
                "referral_id": "R2",
                "service": "legal_assistance",
                "agency": "Legal Clinic",
            },
        ),
        (
            "vlora_lawyer",
            "decline-referral",
            {"referral_id": "R2", "reason": "no capacity"},
        ),
        ("vlora_worker", "complete-referral", {"referral_id": "R1"}),
        ("vlora_worker", "assess-needs", {"needs": ["psychological_counselling"]}),
        (
            "vlora_worker",
            "agree-plan",
            {"services": ["psychological_counselling", "education_reenrolment"]},
        ),
        ("vlora_worker", "start-service", {"service": "psychological_counselling"}),
        ("vlora_worker", "complete-service", {"service": "psychological_counselling"}),
        ("vlora_worker", "start-service", {"service": "education_reenrolment"}),
        (
            "vlora_worker",
            "discontinue-service",
            {"service": "education_reenrolment", "reason": "moved away"},
        ),
        (
            "vlora_lawyer",
            "protection-order",
            {"court": "Vlorë District Court", "reference": "PO-1"},
        ),
        ("vlora_worker", "follow-up", {"method": "visit", "outcome": "settled"}),
        ("vlora_worker", "missed-follow-up", {"reason": "not at home"}),
        ("vlora_worker", "return", {"country": "GR", "assisted": True}),
        ("vlora_worker", "transfer", {"to_region": "durres", "reason": "moved"}),
        ("durres_worker", "close", {"reason": "reintegrated"}),
        ("durres_worker", "reopen", {"reason": "new risk"}),
        (
            "durres_worker",
            "correct",
            {
                "corrected_version": 1,
                "field_name": "municipality",
                "value": "vlore",
                "reason": "typo",
            },
        ),
    ]
    for who, path, fields in steps:
        case = api.step(who, case, path, **fields)
    assert case["version"] == len(steps) + 1
    timeline = api.as_("durres_worker").get(f"/api/cases/{case['case_id']}/timeline")
    assert timeline.status_code == 200
    assert [row["version"] for row in timeline.json()] == list(range(1, len(steps) + 2))
    assert _event_types(context, case["case_id"])[-3:] == [
        "Closed",
        "Reopened",
        "EntryCorrected",
    ]
    state = api.as_("durres_worker").get(f"/api/cases/{case['case_id']}").json()
    assert state["region"] == "durres"
    # The identification's municipality stays one of its region's (Vlorë).
    assert state["municipality"] == "vlore"
    assert state["referrals"]["R1"]["status"] == "completed"


def test_a_missing_or_wrong_field_is_a_422_naming_the_field_and_the_rule(
    api: Api,
) -> None:
    worker = api.as_("vlora_worker")
    missing = worker.post(
        "/api/cases", json={k: v for k, v in IDENTIFICATION.items() if k != "region"}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "region", "rule": "missing", "message": "Field required"}
    ]
    assert missing.json()["message"] == "region: Field required (rule: missing)"

    unknown = worker.post("/api/cases", json={**IDENTIFICATION, "region": "tirana"})
    assert unknown.status_code == 422
    assert unknown.json()["message"].startswith("region: unknown region 'tirana'")

    naive = worker.post(
        "/api/cases", json={**IDENTIFICATION, "occurred_at": "2026-03-02T08:00:00"}
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "occurred_at"
    assert naive.json()["errors"][0]["rule"] == "timezone_aware"

    typo = worker.post("/api/cases", json={**IDENTIFICATION, "regoin": "vlora"})
    assert typo.status_code == 422
    assert typo.json()["errors"][-1] == {
        "field": "regoin",
        "rule": "extra_forbidden",
        "message": "Extra inputs are not permitted",
    }

    control = worker.post("/api/cases", json={**IDENTIFICATION, "mobile_unit": "a\x00"})
    assert control.status_code == 422
    assert "mobile_unit: must not contain control characters" in control.text


def test_a_broken_rule_is_refused_with_the_domains_message_and_nothing_recorded(
    api: Api, context: ApiContext, clock: ControlledClock
) -> None:
    case = api.identify()
    refer = api.command(
        "vlora_worker",
        case,
        "refer",
        referral_id="R1",
        service="legal_assistance",
        agency="Legal Clinic",
    )
    assert refer.status_code == 409
    assert refer.json()["error"] == "consent_required"
    assert refer.json()["message"].startswith("the person has not consented")

    unknown_referral = api.command(
        "vlora_worker", case, "accept-referral", referral_id="R9"
    )
    assert unknown_referral.status_code == 409
    assert unknown_referral.json() == {
        "error": "referral",
        "message": "there is no referral R9 on this case",
    }

    too_early = api.command(
        "vlora_worker",
        case,
        "assess-risk",
        level="low",
        occurred_at=(clock.now() - timedelta(days=1)).isoformat(),
    )
    assert too_early.status_code == 422
    assert too_early.json()["error"] == "invalid_time"

    missing = api.as_("vlora_worker").post(
        "/api/cases/00000000-0000-4000-8000-000000000000/close",
        json={"expected_version": 1, "reason": "other"},
    )
    assert missing.status_code == 404
    assert _event_types(context, case["case_id"]) == ["Identified"]


def test_a_stale_version_is_a_409_and_the_later_writer_reloads(
    api: Api, context: ApiContext
) -> None:
    case = api.identify()
    first = api.step("vlora_worker", case, "assess-risk", level="low")
    stale = api.command("vlora_lawyer", case, "assess-risk", level="high")
    assert stale.status_code == 409
    assert stale.json()["error"] == "version_conflict"
    assert stale.json()["expected"] == 1
    assert stale.json()["actual"] == 2
    assert "reload and try again" in stale.json()["message"]
    retried = api.step("vlora_lawyer", first, "assess-risk", level="high")
    assert retried["version"] == 3
    assert _event_types(context, case["case_id"]) == [
        "Identified",
        "RiskAssessed",
        "RiskAssessed",
    ]


def test_a_retried_identification_with_the_same_key_opens_one_case(
    api: Api, context: ApiContext
) -> None:
    key = new_key()
    worker = api.as_("vlora_worker")
    first = worker.post(
        "/api/cases", json=IDENTIFICATION, headers={"Idempotency-Key": key}
    )
    again = worker.post(
        "/api/cases", json=IDENTIFICATION, headers={"Idempotency-Key": key}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    cases = worker.get("/api/cases").json()
    assert [c["case_id"] for c in cases] == [first.json()["case_id"]]


def test_a_retried_command_returns_the_stored_answer_and_records_once(
    api: Api, context: ApiContext
) -> None:
    case = api.identify()
    key = new_key()
    fields = {"level": "high"}
    first = api.command("vlora_worker", case, "assess-risk", key=key, **fields)
    again = api.command("vlora_worker", case, "assess-risk", key=key, **fields)
    assert first.status_code == again.status_code == 200
    assert (
        again.json()
        == first.json()
        == {
            "case_id": case["case_id"],
            "version": 2,
            "correlation_id": correlation_id_for("mu-vlora-1", key),
        }
    )
    assert _event_types(context, case["case_id"]) == ["Identified", "RiskAssessed"]

    other_body = api.command("vlora_worker", case, "assess-risk", key=key, level="low")
    assert other_body.status_code == 422
    assert other_body.json()["error"] == "idempotency_key_reused"


def test_a_double_tap_sent_at_once_records_the_step_once(
    api: Api, context: ApiContext
) -> None:
    case = api.identify()
    key = new_key()

    def send(_n: int) -> tuple[int, dict[str, object]]:
        response = api.command(
            "vlora_worker", case, "assess-risk", key=key, level="high"
        )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, range(4)))
    assert {status for status, _ in answers} == {200}
    assert len({str(body) for _, body in answers}) == 1
    assert _event_types(context, case["case_id"]) == ["Identified", "RiskAssessed"]


def test_a_retry_after_a_crash_between_saving_and_answering_finds_the_first_event(
    api: Api, context: ApiContext
) -> None:
    """The event was saved, the answer was lost: the retry must not record again."""
    case = api.identify()
    key = new_key()
    # The first attempt, as far as it got: the event, under the key's correlation id.
    context.service.run(
        AssessRisk(level="high"),
        case["case_id"],
        expected_version=1,
        actor_id="mu-vlora-1",
        actor_role="mobile_unit",
        occurred_at=context.clock.now(),
        correlation_id=correlation_id_for("mu-vlora-1", key),
    )
    retry = api.command("vlora_worker", case, "assess-risk", key=key, level="high")
    assert retry.status_code == 200
    assert retry.json()["version"] == 2
    assert _event_types(context, case["case_id"]) == ["Identified", "RiskAssessed"]
    # Without the key the same request is an ordinary stale write.
    stale = api.command("vlora_worker", case, "assess-risk", level="high")
    assert stale.status_code == 409


def test_an_identification_records_its_codes_and_no_attribute_of_the_person(
    api: Api,
) -> None:
    case = api.identify(
        is_minor=True,
        sex="male",
        age=None,
        birth_year=2009,  # 16 or 17 in 2026: a minor either way
        nationality="XK",
        municipality="himare",
        indicators=["unaccompanied_child", "restricted_movement"],
        exploitation_types=["forced_begging"],
    )
    state = api.as_("vlora_worker").get(f"/api/cases/{case['case_id']}").json()
    assert (state["municipality"], state["is_minor"]) == ("himare", True)
    assert not {"sex", "age", "birth_year", "nationality"} & state.keys()
    (entry,) = (
        api.as_("vlora_worker").get(f"/api/cases/{case['case_id']}/timeline").json()
    )
    assert entry["details"]["indicators"] == [
        "unaccompanied_child",
        "restricted_movement",
    ]
    assert not {"sex", "age", "birth_year", "nationality"} & entry["details"].keys()


def test_an_identification_that_contradicts_itself_is_a_422_naming_the_fields(
    api: Api,
) -> None:
    worker = api.as_("vlora_worker")
    elsewhere = worker.post(
        "/api/cases", json={**IDENTIFICATION, "municipality": "kruje"}
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["error"] == "inconsistent_fields"
    assert elsewhere.json()["message"].startswith(
        "Krujë is not a municipality of Vlorë"
    )
    assert elsewhere.json()["errors"][0]["field"] == "municipality"

    adult_minor = worker.post(
        "/api/cases", json={**IDENTIFICATION, "is_minor": True, "age": 30}
    )
    assert adult_minor.status_code == 422
    assert adult_minor.json()["errors"][0]["field"] == "is_minor"

    disagreeing = worker.post(
        "/api/cases", json={**IDENTIFICATION, "age": 30, "birth_year": 2010}
    )
    assert disagreeing.status_code == 422
    assert "does not agree with the birth year" in disagreeing.json()["message"]

    no_age = worker.post("/api/cases", json={**IDENTIFICATION, "age": None})
    assert no_age.status_code == 422
    assert no_age.json()["errors"][0]["field"] == "age"

    for field, value in [
        ("nationality", "ZZ"),
        ("sex", "woman"),
        ("indicators", ["isolation"]),
        ("exploitation_types", ["labour"]),
        ("age", 121),
        ("birth_year", "1990"),
    ]:
        refused = worker.post("/api/cases", json={**IDENTIFICATION, field: value})
        assert refused.status_code == 422, (field, refused.text)
        assert refused.json()["errors"][0]["field"].startswith(field), refused.text
    assert worker.get("/api/cases").json() == []
