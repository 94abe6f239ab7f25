"""The OpenAPI document names every command and field; fuzzing it finds no 500."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.feedback import FeedbackSources

# Schemathesis' own builder of one operation's test (coverage and fuzzing
# phases): its pytest plugin does not run under pytest 9 yet.
from schemathesis.pytest._test_builder import build_operation_test

from domain.commands import COMMANDS, Identify, RecordNotification
from services.api.context import ApiContext
from services.api.routes.commands import COMMAND_ROUTES
from tests.e2e.helpers import IDENTIFICATION

# The commands people send over HTTP: every command of the application service
# but those only the backbone records (notification failures, deadline events)
# and erasure, which goes through ``vatra`` with its key destruction.
HTTP_COMMANDS = COMMANDS.keys() - {
    "record_notification_failure",
    "warn_deadline",
    "breach_deadline",
    "erase_personal_data",
    # Notes and documents: their own routes (/notes, /documents), no command body.
    "add_attachment",
}


# The person's attributes: the identification takes them, no answer carries them.
PERSONAL = {"sex", "age", "birth_year", "nationality"}


def test_the_openapi_document_has_every_command_and_query_with_named_fields(
    app: FastAPI,
) -> None:
    document = app.openapi()
    operations = {
        op["operationId"]: (path, method, op)
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    }
    assert {route.command for route in COMMAND_ROUTES} == HTTP_COMMANDS
    for route in COMMAND_ROUTES:
        path, method, op = operations[route.command]
        assert (path, method) == (f"/api/cases/{{case_id}}/{route.path}", "post")
        schema = document["components"]["schemas"][route.body.__name__]
        assert set(schema["properties"]) == set(route.body.model_fields)
        assert "expected_version" in schema["required"]
        headers = {p["name"] for p in op["parameters"] if p["in"] == "header"}
        assert "Idempotency-Key" in headers
    identify = document["components"]["schemas"]["Identify"]
    assert identify["properties"]["region"]["enum"] == [
        "berat",
        "diber",
        "durres",
        "lezhe",
        "vlora",
    ]
    fields = identify["properties"]
    assert len(fields["municipality"]["enum"]) == 61
    assert {"vlore", "sarande", "dimal", "kurbin"} <= set(
        fields["municipality"]["enum"]
    )
    assert fields["sex"]["enum"] == ["female", "male", "not_recorded"]
    assert {"", "AL", "XK", "GR", "IT"} <= set(fields["nationality"]["enum"])
    assert len(fields["nationality"]["enum"]) == 251  # ISO 3166-1, XK, not known
    age = {"type": "integer", "minimum": 0, "maximum": 120}
    assert age in fields["age"]["anyOf"]
    assert {"type": "integer", "minimum": 1900, "maximum": 2200} in fields[
        "birth_year"
    ]["anyOf"]
    assert "documents_withheld" in fields["indicators"]["items"]["enum"]
    assert "forced_begging" in fields["exploitation_types"]["items"]["enum"]
    assert {"sex", "nationality", "municipality", "is_minor"} <= set(
        identify["required"]
    )
    # The person's attributes are in the identification's body and the person
    # record's (both kept in the personal-data store), and a search may name a
    # birth year (hashed, never kept), in no answer.
    for name, schema in document["components"]["schemas"].items():
        if name not in ("Identify", "OpenClinicCase", "PersonRecord", "PersonSearch"):
            assert not PERSONAL & set(schema.get("properties", {})), name
    assert "personal-data store" in fields["sex"]["description"]
    opening = document["paths"]["/api/cases"]["post"]["responses"]
    assert {"409", "503"} <= set(opening)
    queries = {
        (path, method) for path, method, _op in operations.values() if method == "get"
    }
    assert queries >= {
        ("/api/cases", "get"),
        ("/api/cases/{case_id}", "get"),
        ("/api/cases/{case_id}/timeline", "get"),
        ("/api/cases/{case_id}/obligations", "get"),
        ("/api/cases/{case_id}/history", "get"),
        ("/api/sop/compliance", "get"),
        ("/api/sop/overdue", "get"),
        ("/api/alerts", "get"),
        ("/api/access-log", "get"),
    }
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def _caller(path: str) -> str:
    """The user whose rights reach deepest into ``path``."""
    if "/history" in path or "access-log" in path:
        return "auditor"
    if path.startswith("/api/alerts"):
        return "vlora_police"
    if path.startswith("/api/sop"):
        return "coordinator"
    return "vlora_worker"


def _fuzz(schema: Any, operation: Any, token: str, real_case: str) -> int:
    """Send schemathesis' requests to one operation; fail on any 5xx.

    Its coverage phase tries each enum value, boundary and missing or wrong
    field deterministically; its fuzzing phase adds a few random requests.
    """
    calls = 0

    def call(case: Any) -> None:
        nonlocal calls
        calls += 1
        # Every other request names a real case, so rules and rights run too.
        if calls % 2 and "case_id" in (case.path_parameters or {}):
            case.path_parameters["case_id"] = real_case
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error]
        )

    test = build_operation_test(
        config=schema.config,
        operation=operation,
        test_func=call,
        given_kwargs={},
        feedback=FeedbackSources(),
        explicit_settings=settings(
            max_examples=4,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    test()
    return calls


def test_no_request_the_document_allows_or_forbids_is_a_server_error(
    app: FastAPI, context: ApiContext, tokens: dict[str, str]
) -> None:
    """Schemathesis sends every operation valid and invalid requests, with a token."""
    real_case = context.service.open_case(
        Identify(**IDENTIFICATION),
        actor_id="mu-vlora-1",
        actor_role="mobile_unit",
        occurred_at=context.clock.now(),
    )["case_id"]
    context.service.run(
        RecordNotification(
            authority="police", channel="email", recipient="police", reference="P-1"
        ),
        real_case,
        expected_version=1,
        actor_id="vatra-notifier",
        actor_role="system",
        occurred_at=context.clock.now(),
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35
    calls = sum(
        _fuzz(schema, operation, tokens[_caller(operation.path)], real_case)
        for operation in operations
    )
    assert calls >= 300
