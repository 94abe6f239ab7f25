"""Every command and every correction over HTTP: bounded, checked, never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.fields import ENTRY_FIELDS
from services.api import ApiContext
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
    injected = "Sarandë\nAcknowledge: https://evil.example/ack"
    opened = api.as_("vlora_worker").post(
        "/api/cases", json={**IDENTIFICATION, "municipality": injected}
    )
    assert opened.status_code == 422
    assert opened.json()["errors"][0]["field"] == "municipality"
    case = api.identify()
    corrected = _correct(
        api,
        "vlora_worker",
        case,
        corrected_version=1,
        field_name="municipality",
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
    notified = context.service.execute(
        "record_notification",
        case["case_id"],
        expected_version=1,
        actor_id="notifier",
        actor_role="system",
        occurred_at=context.clock.now(),
        authority="police",
        channel="email",
        recipient="police-vlora",
        reference="a-1",
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

ROUTES = [route.path for route in COMMAND_ROUTES if route.path != "correct"]
CORRECTABLE = sorted(
    {f for fields in ENTRY_FIELDS.values() for f in fields} | {"occurred_at"}
)
TEXTS = st.one_of(
    st.sampled_from(
        [
            "vlora",
            "durres",
            "police",
            "phone",
            "services",
            "subject",
            "victim",
            "high",
            "legal_assistance",
            "visit",
            "other",
            "GR",
            "R1",
            "Vlorë",
            "",
            " ",
            "a\nb",
            "a\tb",
            "\x00",
        ]
    ),
    st.text(max_size=20),
    st.integers(min_value=90, max_value=2_000).map(lambda n: "x" * n),
)
TIMES = st.one_of(
    st.datetimes(timezones=st.sampled_from([None]) | st.timezones()).map(
        lambda d: d.isoformat()
    ),
    st.sampled_from(
        [
            FAR_FUTURE,
            "9999-12-31T23:00:00-05:00",
            "0001-01-01T00:00:00+14:00",
            "2026-03-02T07:00:00+00:00",
        ]
    ),
    st.integers(),
)
VALUES = st.one_of(
    TEXTS,
    TIMES,
    st.booleans(),
    st.none(),
    st.integers(),
    st.lists(TEXTS, max_size=5),
    st.integers(min_value=40, max_value=300).map(lambda n: ["i"] * n),
)
FIELDS = sorted(
    {f for route in COMMAND_ROUTES for f in route.body.model_fields}
    - {"expected_version"}
)


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    who=st.sampled_from(["vlora_worker", "authority"]),
    route=st.sampled_from([*ROUTES, "correct", "correct"]),
    body=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4),
    field_name=st.sampled_from(CORRECTABLE),
    value=VALUES,
    target=st.integers(min_value=1, max_value=8),
)
def test_no_command_or_correction_breaks_the_api_or_its_reads(
    api: Api,
    who: str,
    route: str,
    body: dict[str, Any],
    field_name: str,
    value: Any,
    target: int,
) -> None:
    worker = api.as_("vlora_worker")
    cases = worker.get("/api/cases").json()
    case = {"case_id": cases[0]["case_id"]} if cases else api.identify()
    state = worker.get(f"/api/cases/{case['case_id']}").json()
    if route == "correct":
        body = {
            "corrected_version": min(target, state["version"]),
            "field_name": field_name,
            "value": value,
            "reason": "fuzz",
        }
    answer = api.as_(who).post(
        f"/api/cases/{case['case_id']}/{route}",
        json={"expected_version": state["version"], **body},
        timeout=10,
    )
    assert answer.status_code < 500, answer.text
    _reads_answer(api, case["case_id"])
