"""A phone's queue of steps recorded offline, sent when it is back online.

``vatra api`` runs in its own process on the embedded default. A headless
Chromium at a phone's size plays the phone: it opens the field page, sets
its PIN, and with the connection off keeps the steps of 50 identifications
(each an identification, a notification by phone, a consent and a
referral: 200 steps) in its encrypted queue, as the page does. The page is
reloaded and unlocked, the connection given back, and the figure is the time
from then until the page shows the queue empty: the steps decrypted, sent
in order in batches with the session's token, each recorded, each deleted
from the phone. The queue is then sent again as if every answer had been
lost; the store must hold each step once.

The baseline: the same number of steps sent by an API client, one request
each with its ``Idempotency-Key``, to the same process.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.env import BenchEnv
from bench.figures import Figure
from bench.latency import _answers
from bench.login import bench_account, log_in
from bench.mail import LOOPBACK, free_port
from bench.stack import running, wait_until, worker_env
from services.api.auth import SESSION_COOKIE
from services.api.context import api_context
from services.config.bootstrap import open_backbone
from services.config.settings import load_settings

TARGET = 10.0  # seconds for 200 steps
CHROMIUM = os.environ.get("VATRA_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PIN = "4821"
WORKER = ("mu-bench-field", "mobile_unit", ("vlora",), "sq")

# Keep ``steps`` in the page's vault, as the page keeps what a worker records.
KEEP = """async ([user, pin, steps]) => {
  const vault = Vault.open(user);
  if (!(await vault.unlock(pin))) { throw new Error("the PIN did not open"); }
  for (const step of steps) { await vault.add(step); }
}"""


def field_sync_figure(env: BenchEnv, cases: int) -> list[Figure]:
    """Seconds to send a phone's queue of ``4 * cases`` steps."""
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415

    db = env.fresh_database("field")
    process_env = worker_env(db, VATRA_LOG_LEVEL="ERROR")
    with open_backbone(load_settings(process_env), database=db) as backbone:
        context = api_context(backbone)
        key = bench_account(context, *WORKER[:3])
        api_token = context.users.issue_token("mu-bench-api", *WORKER[1:])
    port = free_port()
    process_env |= {"VATRA_API_HOST": LOOPBACK, "VATRA_API_PORT": str(port)}
    base = f"http://{LOOPBACK}:{port}"
    queue = queued_steps(cases)
    with running({"api": ["api"]}, process_env, env.workdir / "logs" / db.dbname):
        with httpx.Client(base_url=base, timeout=30) as client:
            wait_until(lambda: _answers(client), 60, "the API")
            # The phone's session: logged in through the form (bench.login).
            log_in(client, WORKER[0], key)
            session = str(client.cookies.get(SESSION_COOKIE))
            client.cookies.clear()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                phone = browser.new_context(viewport={"width": 390, "height": 844})
                phone.add_cookies(
                    [{"name": SESSION_COOKIE, "value": session, "url": base}]
                )
                page = phone.new_page()
                page.goto(f"{base}/field/")
                page.wait_for_function("() => navigator.serviceWorker.controller")
                page.fill("#pin", PIN)
                page.click("#pin-set")
                expect(page.locator("#work")).to_be_visible()
                phone.set_offline(True)
                page.evaluate(KEEP, [WORKER[0], PIN, queue])
                page.reload()
                page.fill("#pin", PIN)
                page.click("#pin-unlock")
                expect(page.locator("#queue li")).to_have_count(len(queue))
                started = time.perf_counter()
                phone.set_offline(False)
                expect(page.locator("#queue-empty")).to_be_visible(timeout=120_000)
                elapsed = time.perf_counter() - started
            finally:
                browser.close()
        with httpx.Client(base_url=base, timeout=30) as client:
            again = _send_again(client, session, queue)
            baseline = _api_baseline(client, api_token, cases)
    with open_backbone(load_settings(process_env), database=db) as backbone:
        recorded = sum(
            len(backbone.service.events(case_id))
            for case_id in {step["case_id"] for step in queue}
        )
    if recorded != len(queue) or again:
        raise RuntimeError(
            f"{recorded} events for {len(queue)} steps; {again} recorded again"
        )
    return [
        Figure(
            "offline queue synced (phone back online → queue empty)",
            elapsed,
            "s",
            baseline,
            f"≤ {TARGET:.0f} s for {len(queue)} steps",
            elapsed <= TARGET,
            note=f"{len(queue)} steps of {cases} identifications kept encrypted in "
            "a headless Chromium, sent in order by the field page in batches; "
            "sent again as if every answer was lost: nothing recorded twice; "
            "vatra api, embedded default; baseline: the same number of steps, "
            "one API request each with an Idempotency-Key",
        )
    ]


def queued_steps(cases: int) -> list[dict[str, Any]]:
    """What the phone keeps for ``cases`` identifications, in capture order."""
    captured = datetime.now(UTC).isoformat()
    steps: list[dict[str, Any]] = []
    for n in range(cases):
        case_id = str(uuid.uuid4())
        first = {
            "subject_ref": f"PV-BENCH-{n:04d}",
            "region": "vlora",
            "mobile_unit": "vlora-unit",
            "municipality": "sarande",
            "sex": "female",
            "age": "30",
            "nationality": "AL",
            "case_type": "trafficking",
            "source": "outreach",
        }
        later = [
            (
                "notify",
                {
                    "authority": "police",
                    "channel": "phone",
                    "recipient": "police-vlora",
                },
            ),
            ("consent", {"scope": "services", "given_by": "subject"}),
            (
                "refer",
                {"service": "shelter_accommodation", "agency": "national_shelter"},
            ),
        ]
        steps.append(_step("identify", case_id, None, captured, first))
        for version, (path, fields) in enumerate(later, start=1):
            steps.append(_step(path, case_id, version, captured, fields))
    return steps


def _step(
    step: str,
    case_id: str,
    version: int | None,
    occurred_at: str,
    fields: dict[str, str],
) -> dict[str, Any]:
    return {
        "step": step,
        "key": uuid.uuid4().hex,
        "case_id": case_id,
        "expected_version": version,
        "occurred_at": occurred_at,
        "fields": fields,
    }


def _send_again(client: httpx.Client, session: str, queue: list[dict[str, Any]]) -> int:
    """How many steps a resend of the whole queue recorded anew (0 expected)."""
    client.cookies.set(SESSION_COOKIE, session)
    token = client.get("/field/data/session").json()["csrf"]
    fresh = 0
    for start in range(0, len(queue), 25):
        answer = client.post(
            "/field/data/sync",
            json={"steps": queue[start : start + 25]},
            headers={"X-CSRF-Token": token},
        )
        answer.raise_for_status()
        fresh += sum(not a.get("replayed") for a in answer.json()["answers"])
    client.cookies.clear()
    return fresh


def _api_baseline(client: httpx.Client, token: str, cases: int) -> float:
    """Seconds to send as many steps through the API, one request each."""
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    for n in range(cases):
        opened = client.post(
            "/api/cases",
            json={
                "subject_ref": f"PV-BENCH-API-{n:04d}",
                "region": "vlora",
                "mobile_unit": "vlora-unit",
                "municipality": "sarande",
                "is_minor": False,
                "sex": "female",
                "age": 30,
                "nationality": "AL",
            },
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        opened.raise_for_status()
        case_id = opened.json()["case_id"]
        for version, (path, body) in enumerate(
            [
                (
                    "notify",
                    {
                        "authority": "police",
                        "channel": "phone",
                        "recipient": "police-vlora",
                    },
                ),
                ("consent", {"scope": "services", "given_by": "subject"}),
                (
                    "refer",
                    {
                        "referral_id": "R-1",
                        "service": "shelter_accommodation",
                        "agency": "national_shelter",
                    },
                ),
            ],
            start=1,
        ):
            answer = client.post(
                f"/api/cases/{case_id}/{path}",
                json={**body, "expected_version": version},
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            answer.raise_for_status()
    return time.perf_counter() - started
