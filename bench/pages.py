"""The pages a frontline worker uses, with 2,000 cases in the store.

``vatra api`` runs in its own process on the embedded default (it brings its
read models up to date before it answers, as a page does after a step), and
a phone's part is played by an HTTP client logged in through the form
(``bench.login``):

- render: the timeline page of a case and the form of one of its steps, p99;
- submit to timeline: a step's form sent (with its token, key and version),
  the redirect followed to the timeline page that confirms the step, p99.

The baseline is the bare SELECT of the same case's timeline rows.
"""

from __future__ import annotations

import re
import time
import uuid

import httpx
import psycopg

from bench.env import BenchEnv
from bench.figures import Figure, bulk_load
from bench.generator import scripts
from bench.latency import _answers, _bare_timeline
from bench.login import bench_account, log_in
from bench.mail import LOOPBACK, free_port
from bench.stack import running, wait_until, worker_env
from bench.timing import percentile, timed
from domain.catalogue import REGIONS
from services.api.context import api_context
from services.config.bootstrap import open_backbone
from services.config.settings import load_settings

RENDER_TARGET = 50.0  # ms, p99
SUBMIT_TARGET = 150.0  # ms, p99
# The step sent over and over: a risk assessment, offered on every open case.
STEP = "assess-risk"
LEVELS = ("low", "medium", "high")
# The fields a form sends as it was rendered: hidden ones, and the time of
# the step (now, in Tirana time, unless the worker sets it back).
SENT = re.compile(
    r'<input type="(?:hidden|datetime-local)"(?: id="[a-z_]+")? name="([a-z_]+)" '
    r'value="([^"]*)"'
)


def page_figures(env: BenchEnv, cases: int, gets: int, submits: int) -> list[Figure]:
    """Render and submit-to-timeline p99 of the pages, beside the bare SELECT."""
    db = env.fresh_database("pages")
    bulk_load(db, cases)
    case_ids = [str(s.case_id) for s in scripts(cases)]
    process_env = worker_env(db, VATRA_LOG_LEVEL="ERROR")
    with open_backbone(load_settings(process_env), database=db) as backbone:
        backbone.follower.catch_up()
        key = bench_account(
            api_context(backbone), "cw-bench-pages", "caseworker", tuple(REGIONS)
        )
    port = free_port()
    process_env |= {"VATRA_API_HOST": LOOPBACK, "VATRA_API_PORT": str(port)}
    logs = env.workdir / "logs" / db.dbname
    with (
        running({"api": ["api"]}, process_env, logs) as processes,
        httpx.Client(base_url=f"http://{LOOPBACK}:{port}", timeout=30) as phone,
    ):
        wait_until(lambda: _answers(phone), 60, "the API", processes)
        log_in(phone, "cw-bench-pages", key)
        open_cases = [c for c in case_ids if _offers(phone, c)][: max(submits, 1)]
        if not open_cases:
            raise RuntimeError(f"no generated case offers {STEP}")
        shown = open_cases[0]
        timeline = timed(gets, lambda: _page(phone, f"/cases/{shown}"))
        form = timed(gets, lambda: _page(phone, f"/cases/{shown}/steps/{STEP}"))
        sent = [_submit(phone, case_id, n) for n, case_id in enumerate(open_cases)]
    with psycopg.connect(db.conninfo()) as conn:
        bare = timed(gets, lambda: _bare_timeline(conn, uuid.UUID(shown)))
    bare99 = percentile(bare, 99) * 1000
    rendered = percentile(timeline + form, 99) * 1000
    submitted = percentile(sent, 99) * 1000
    where = f"{cases:,} cases in the store; vatra api, embedded default"
    return [
        Figure(
            "page render (timeline and step form)",
            rendered,
            "ms p99",
            bare99,
            f"p99 ≤ {RENDER_TARGET:.0f} ms",
            rendered <= RENDER_TARGET,
            note=f"timeline p99 {percentile(timeline, 99) * 1000:.1f} ms, form p99 "
            f"{percentile(form, 99) * 1000:.1f} ms; {gets} GETs each; {where}; "
            "baseline: the bare SELECT of the timeline",
        ),
        Figure(
            "step form sent → timeline shown",
            submitted,
            "ms p99",
            bare99,
            f"p99 ≤ {SUBMIT_TARGET:.0f} ms",
            submitted <= SUBMIT_TARGET,
            note=f"p50 {percentile(sent, 50) * 1000:.1f} ms; {len(sent)} risk "
            f"assessments, each on its own case, POST then the redirect's GET; "
            f"{where}; baseline: the bare SELECT of the timeline",
        ),
    ]


def _page(phone: httpx.Client, path: str) -> None:
    answer = phone.get(path)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path} answered {answer.status_code}")


def _offers(phone: httpx.Client, case_id: str) -> bool:
    return phone.get(f"/cases/{case_id}/steps/{STEP}").status_code == 200


def _submit(phone: httpx.Client, case_id: str, n: int) -> float:
    """Seconds from sending the step's form to the confirming timeline page."""
    path = f"/cases/{case_id}/steps/{STEP}"
    fields = dict(SENT.findall(phone.get(path).text))
    fields["level"] = LEVELS[n % len(LEVELS)]
    started = time.perf_counter()
    answer = phone.post(path, data=fields)
    if answer.status_code != 303:
        errors = re.findall(r'class="error"[^>]*>([^<]*)<', answer.text)
        raise RuntimeError(f"POST {path} answered {answer.status_code}: {errors}")
    shown = phone.get(answer.headers["location"])
    elapsed = time.perf_counter() - started
    if shown.status_code != 200 or 'class="card done' not in shown.text:
        raise RuntimeError(f"the timeline of {case_id} did not confirm the step")
    return elapsed
