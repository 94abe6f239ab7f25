"""Tokens for ``vatra token create``, and the demo served with its tokens."""

from __future__ import annotations

import re

import httpx
import pytest

from domain.clock import ControlledClock
from services.api.app import create_app
from services.api.context import ApiContext
from services.api.serve import ApiServer, create_token, demo_banner, demo_tokens
from services.api.users import token_hash
from services.app.errors import InvalidInput
from services.cli.demo import record_scenario
from services.config.bootstrap import Backbone


def test_a_token_is_shown_once_and_only_its_hash_is_stored(
    backbone: Backbone, context: ApiContext
) -> None:
    token = create_token(
        backbone,
        user_id="mu-berat-2",
        role="mobile_unit",
        regions=["berat"],
        language="en",
    )
    assert token.startswith("vatra_")
    assert len(token) > 40
    with backbone.pool.connection() as conn:
        stored = conn.execute("SELECT token_sha256 FROM api_tokens").fetchall()
        dumped = str(conn.execute("SELECT * FROM api_tokens").fetchall())
    assert stored == [(token_hash(token),)]
    assert token not in dumped
    principal = context.users.authenticate(token)
    assert principal is not None
    assert (
        principal.user_id,
        principal.role,
        principal.regions,
        principal.language,
    ) == (
        "mu-berat-2",
        "mobile_unit",
        frozenset({"berat"}),
        "en",
    )


@pytest.mark.parametrize(
    ("user", "role", "regions", "language", "message"),
    [
        ("ana smith", "caseworker", ["vlora"], "sq", "not a valid user id"),
        ("x-1", "system", [], "sq", "role 'system' cannot use the API"),
        ("x-1", "caseworker", ["tirana"], "sq", "unknown region 'tirana'"),
        ("x-1", "police", [], "sq", "a police token needs at least one --region"),
        ("x-1", "auditor", [], "de", "language 'de' is not offered"),
    ],
)
def test_a_token_for_an_impossible_user_is_refused_with_the_reason(
    backbone: Backbone,
    user: str,
    role: str,
    regions: list[str],
    language: str,
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message):
        create_token(
            backbone, user_id=user, role=role, regions=regions, language=language
        )


def test_the_demo_is_served_with_a_working_token_for_each_audience(
    context: ApiContext, clock: ControlledClock
) -> None:
    record_scenario(context.service, clock, clock.now())
    issued = demo_tokens(context)
    server = ApiServer(create_app(context))
    base_url = server.start()
    try:
        assert re.match(r"http://127\.0\.0\.1:\d+$", base_url)
        banner = demo_banner(base_url, issued)
        for user, token in issued:
            assert token in banner
            with httpx.Client(
                base_url=base_url, headers={"Authorization": f"Bearer {token}"}
            ) as client:
                assert client.get("/api/me").json()["user_id"] == user.user_id
        worker = {u.user_id: t for u, t in issued}["mu-vlora-1"]
        with httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {worker}"}
        ) as client:
            assert {c["region"] for c in client.get("/api/cases").json()} == {"vlora"}
        with httpx.Client(base_url=base_url) as anonymous:
            assert anonymous.get("/health/live").json() == {"status": "alive"}
            ready = anonymous.get("/health/ready")
            assert ready.status_code == 200
            assert ready.json()["checks"]["database"]["ok"] is True
            assert anonymous.get("/metrics").status_code == 404  # VATRA_API_METRICS
    finally:
        server.stop()
