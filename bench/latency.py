"""Latency figures: an alert end to end, a timeline over HTTP, the SOP clock.

Each is measured on the running backbone as deployed (``vatra relay``,
``notify``, ``api``, ``sop-clock`` in processes of their own, their settings
from the environment, production defaults unless the figure says otherwise),
beside a raw baseline taken in the same run.
"""

from __future__ import annotations

import contextlib
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from bench.env import BenchEnv
from bench.figures import Figure, _app, _kafka_settings, bulk_load
from bench.generator import build_case, long_script
from bench.load import BackgroundLoad, identify_all
from bench.mail import LOOPBACK, MailServer, free_port
from bench.stack import people_on, running, wait_until, worker_env
from bench.timing import alternated, percentile, timed
from domain import events as ev
from domain.catalogue import REGION_SEATS, REGIONS
from domain.clock import SystemClock
from domain.commands import Identify
from projections.obligations import ObligationsProjection
from services.api.context import api_context
from services.app.service import CaseService
from services.config.bootstrap import load_sop, open_backbone
from services.config.settings import load_settings
from services.store.database import Database
from services.workers.sop_clock import SopClock

ALERT_SETTINGS = {
    "VATRA_NOTIFY_SECRET": "bench-ack-secret-0123456789abcdef",
    "VATRA_SMTP_HOST": LOOPBACK,
    "VATRA_SMTP_SECURITY": "none",
    "VATRA_SMTP_FROM": "alerts@vatra.example.org",
}
POLICE = "police-notified"  # the SOP rule: police told within an hour
# A generated case has about 14 steps after its identification.
STEPS_PER_CASE = 13


# -- alert latency ---------------------------------------------------------------


def alert_latency(
    env: BenchEnv, identifications: int, *, gap: float = 0.15, rate: float = 500
) -> list[Figure]:
    """Identification recorded → alert e-mail accepted by the SMTP server.

    Full mode: ``vatra relay`` publishes the log to Kafka, ``vatra notify``
    consumes it, writes the ledger and sends; a background process records
    ``rate`` commands a second meanwhile. ``identifications`` are recorded one
    every ``gap`` seconds; each alerts the police of its region and the
    Responsible Authority (two e-mails). The clock of each e-mail starts when
    ``identify()`` returned (the event committed) and stops when the server
    accepted the message.
    """
    db = env.fresh_database("alerts")
    cases = int(rate * (identifications * gap + 30) / STEPS_PER_CASE)
    identify_all(db, cases)
    app = _app(db)
    kafka = _kafka_settings(env)
    with people_on(db) as people, MailServer() as mail:
        service = CaseService(app, SystemClock(), people=people)
        process_env = worker_env(
            db,
            kafka,
            VATRA_SMTP_PORT=str(mail.port),
            VATRA_KAFKA_NOTIFIER_GROUP=f"{kafka.projector_group}-notifier",
            **ALERT_SETTINGS,
        )
        commands = {"relay": ["relay"], "notify": ["notify"]}
        logs = env.workdir / "logs" / db.dbname
        with running(commands, process_env, logs) as processes:
            # The first alert waits for the consumer group to form and for the
            # load's old identifications to flow through.
            _identify(service, "bench-warmup", 0)
            wait_until(
                lambda: len(mail.sink.with_prefix("bench-warmup")) >= 2,
                180,
                "the first alerts",
                processes,
            )
            with BackgroundLoad(db, cases, rate) as load:
                time.sleep(1.0)  # let the load reach its pace
                returned = _identify_paced(service, identifications, gap)
                expected = 2 * identifications
                # Any alert still missing after a minute is reported in the figure.
                with contextlib.suppress(RuntimeError):
                    wait_until(
                        lambda: len(mail.sink.with_prefix("bench-alert-")) >= expected,
                        60,
                        "every alert",
                        processes,
                    )
        accepted = mail.sink.with_prefix("bench-alert-")
        size = int(statistics.median(a.size for a in accepted)) if accepted else 2000
        raw = [mail.raw_send(size, f"bench-raw-{k}") for k in range(50)]
    app.close()
    latencies = [a.at - returned[a.correlation_id] for a in accepted]
    missing = max(expected - len(latencies), 0)
    intake, dispatch = _ledger_stages(db)
    note = (
        f"{len(latencies)} e-mails, {identifications} identifications"
        + (f", {missing} MISSING" if missing else "")
        + f"; p50 event → ledger {intake:,.0f} ms, ledger → sent {dispatch:,.0f} ms"
        + f"; load {load.result.rate:,.0f} of {rate:,.0f} commands/s"
        + (f" ({load.result.error})" if load.result.error else "")
        + "; vatra relay + vatra notify"
    )
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    raw50, raw99 = percentile(raw, 50) * 1000, percentile(raw, 99) * 1000
    return [
        Figure(
            "alert latency p50 (identified → SMTP accepted)",
            p50,
            "ms",
            raw50,
            "p50 ≤ 200 ms",
            p50 <= 200 and not missing,
            note=note,
        ),
        Figure(
            "alert latency p99",
            p99,
            "ms",
            raw99,
            "p99 ≤ 1,000 ms",
            p99 <= 1000 and not missing,
            note=f"max {max(latencies, default=0) * 1000:,.0f} ms",
        ),
    ]


def _ledger_stages(db: Database) -> tuple[float, float]:
    """Median ms from each measured event to its ledger row (relay, Kafka,
    intake) and from the row to its delivery (dispatcher), from the ledger."""
    with psycopg.connect(db.conninfo()) as conn:
        row = conn.execute(
            """
            SELECT percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY created_at - event_occurred_at),
                   percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY finished_at - created_at)
            FROM notification_deliveries
            WHERE correlation_id LIKE 'bench-alert-%' AND status = 'delivered'
            """
        ).fetchone()
    if row is None or row[0] is None:
        return float("nan"), float("nan")
    return row[0].total_seconds() * 1000, row[1].total_seconds() * 1000


def _identify(service: CaseService, tag: str, n: int) -> None:
    region = sorted(REGIONS)[n % len(REGIONS)]
    service.open_case(
        Identify(
            subject_ref=f"PV-BENCH-{n:05d}",
            region=region,
            mobile_unit=f"{region}-unit",
            municipality=REGION_SEATS[region],
            is_minor=False,
            sex="female",
            age=30,
            nationality="AL",
        ),
        actor_id=f"mu-{region}-1",
        actor_role="mobile_unit",
        occurred_at=datetime.now(UTC),
        correlation_id=tag,
    )


def _identify_paced(service: CaseService, count: int, gap: float) -> dict[str, float]:
    """Record ``count`` identifications, one every ``gap`` seconds; return when
    each call returned (``time.monotonic()``), by correlation id."""
    returned: dict[str, float] = {}
    next_at = time.monotonic()
    for n in range(count):
        time.sleep(max(next_at - time.monotonic(), 0.0))
        next_at += gap
        tag = f"bench-alert-{n:05d}"
        _identify(service, tag, n)
        returned[tag] = time.monotonic()
    return returned


# -- timeline read ---------------------------------------------------------------


def timeline_read(env: BenchEnv, gets: int, other_cases: int) -> Figure:
    """GET of a 500-event case's timeline through ``vatra api``, p99.

    The API runs in its own process in the full mode (Kafka configured: the
    read models are not caught up on each read, and every read is written to
    the access log), with ``vatra relay`` beside it publishing the access log
    as production runs them; the relay has published the cases' events before
    the reads start. The case sits among ``other_cases`` generated ones; the
    read model is projected before the API starts. The baseline, the bare
    SELECT of the case's timeline rows, runs after each GET, while the API and
    the relay run: both are measured in the same moments.
    """
    db = env.fresh_database("timeline")
    bulk_load(db, other_cases)
    events = 500
    case_id, region = _long_case(db, events)
    kafka = _kafka_settings(env)
    process_env = worker_env(db, kafka, VATRA_LOG_LEVEL="ERROR")
    with open_backbone(load_settings(process_env), database=db) as backbone:
        backbone.follower.catch_up()
        token = api_context(backbone).users.issue_token(
            "mu-bench-reader", "mobile_unit", (region,), "en"
        )
    port = free_port()
    process_env |= {"VATRA_API_HOST": LOOPBACK, "VATRA_API_PORT": str(port)}
    base = f"http://{LOOPBACK}:{port}"
    logs = env.workdir / "logs" / db.dbname
    commands = {"api": ["api"], "relay": ["relay"]}
    with (
        running(commands, process_env, logs) as processes,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client,
        psycopg.connect(db.conninfo()) as conn,
    ):
        wait_until(lambda: _answers(client), 60, "the API", processes)
        wait_until(lambda: _relayed(db), 120, "the relay", processes)
        path = f"/api/cases/{case_id}/timeline"
        rows = client.get(path).json()
        if len(rows) != events:
            raise RuntimeError(f"the timeline has {len(rows)} rows, not {events}")
        # Each GET followed by the bare SELECT, the relay and the API running
        # for both.
        served, bare = alternated(
            gets,
            [
                lambda: client.get(path).raise_for_status(),
                lambda: _bare_timeline(conn, uuid.UUID(case_id)),
            ],
        )
    p99, bare99 = percentile(served, 99) * 1000, percentile(bare, 99) * 1000
    return Figure(
        f"timeline read ({events}-event case, HTTP GET)",
        p99,
        "ms p99",
        bare99,
        "p99 ≤ 20 ms",
        p99 <= 20,
        note=f"p50 {percentile(served, 50) * 1000:.1f} ms; {gets} keep-alive GETs "
        "to vatra api (full mode, access-logged, vatra relay publishing the "
        "access log); baseline: the bare SELECT, each after a GET "
        f"(p50 {percentile(bare, 50) * 1000:.1f} ms)",
    )


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/health/live").status_code == 200
    except httpx.TransportError:
        return False


def _relayed(db: Database) -> bool:
    """Whether the relay has published every event recorded."""
    with psycopg.connect(db.conninfo()) as conn:
        row = conn.execute(
            """
            SELECT COALESCE((SELECT max(notification_id) FROM cases_events), 0)
                <= COALESCE((SELECT max(position) FROM vatra_positions
                             WHERE consumer LIKE 'relay:%'), -1)
            """
        ).fetchone()
    return bool(row and row[0])


def _bare_timeline(
    conn: psycopg.Connection[tuple[object, ...]], case_id: uuid.UUID
) -> None:
    conn.execute(
        """
        SELECT version, position, event_type, occurred_at, recorded_at,
               actor_id, actor_role, correlation_id, summary, details
        FROM case_timeline WHERE case_id = %s ORDER BY version
        """,
        (case_id,),
    ).fetchall()


def _long_case(db: Database, events: int) -> tuple[str, str]:
    """Record the long case at once; its id and region."""
    script = long_script(events)
    app = _app(db)
    app.save(build_case(script))
    app.close()
    return str(script.case_id), str(script.steps[0].fields["region"])


# -- SOP clock -------------------------------------------------------------------

# Open obligations as the clock meets them: each rule's share, due within the
# rule's time, none due yet (a clock that keeps up has recorded the rest).
FILL = """
INSERT INTO sop_obligations (
    case_id, obligation_id, rule_id, ruleset_version, kind, region, is_minor,
    trigger_version, trigger_type, triggered_at, due_at, warn_at, status,
    notify_on_breach, next_action_at
)
SELECT md5('bench-' || n)::uuid, r.id || '@1', r.id, '2026.1', 'due_within',
       (ARRAY['vlora', 'diber', 'berat', 'durres', 'lezhe'])[1 + n %% 5],
       n %% 3 = 0, 1, 'Identified', t.at, t.at + r.within,
       t.at + r.within * 0.75, 'open', ARRAY['coordinator'],
       t.at + r.within * 0.75
FROM generate_series(1, %(rows)s) AS n
CROSS JOIN LATERAL (
    SELECT (ARRAY['police-notified', 'ra-notified', 'referral-answered',
                  'status-determined'])[1 + n %% 4] AS id,
           (ARRAY[interval '1 hour', interval '24 hours', interval '3 days',
                  interval '7 days'])[1 + n %% 4] AS within
) AS r
CROSS JOIN LATERAL (
    SELECT %(now)s::timestamptz - r.within * 0.7 * (n %% 997) / 997.0 AS at
) AS t
"""


NEXT_BARE = "SELECT min(next_action_at) FROM sop_obligations WHERE next_action_at > %s"


def sop_clock(env: BenchEnv, obligations: int, breaches: int) -> list[Figure]:
    """The clock's next-deadline query among many open obligations, and how
    late a breach is recorded after its deadline."""
    return [_next_due(env, obligations), _breach_lateness(env, breaches)]


def _next_due(env: BenchEnv, obligations: int) -> Figure:
    db = env.fresh_database("sop")
    rulebook, calendar = load_sop(load_settings({}))
    app = _app(db)
    pool = db.pool("bench-sop")
    now = datetime.now(UTC)
    with pool.connection() as conn:
        ObligationsProjection(rulebook, calendar).create(conn)
        conn.execute(FILL, {"rows": obligations, "now": now})
    with psycopg.connect(db.conninfo(), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE sop_obligations")
    clock = SopClock(
        CaseService(app, SystemClock()), pool, SystemClock(), rulebook, calendar
    )
    tick = statistics.median(timed(3, clock.tick, warmup=1))
    ours = timed(200, clock.next_wake)
    with psycopg.connect(db.conninfo()) as conn:
        bare = timed(200, lambda: conn.execute(NEXT_BARE, (now,)).fetchone())
    pool.close()
    app.close()
    p50 = percentile(ours, 50) * 1000
    return Figure(
        f"SOP clock next deadline ({obligations:,} open obligations)",
        p50,
        "ms",
        percentile(bare, 50) * 1000,
        "≤ 10 ms",
        p50 <= 10,
        note=f"max {max(ours) * 1000:.1f} ms of 200 calls; a whole tick with "
        f"nothing due {tick * 1000:,.0f} ms (the gauges' counts run every 30 s)",
    )


def _breach_lateness(env: BenchEnv, breaches: int, tick: float = 2.0) -> Figure:
    """Deadlines 0.5 to 4 s after each case is recorded, with the clock ticking
    at most every ``tick`` seconds: some it knows before they fall, some it
    only finds on its next tick."""
    db = env.fresh_database("breach")
    app = _app(db)  # creates the event store before the clock process starts
    process_env = worker_env(db, VATRA_SOP_CLOCK_INTERVAL=f"{tick:g}")
    logs = env.workdir / "logs" / db.dbname
    leads = [0.5 + 3.5 * k / max(breaches - 1, 1) for k in range(breaches)]
    clock_process = {"sop-clock": ["sop-clock", "--embedded"]}
    with people_on(db) as people, running(clock_process, process_env, logs) as p:
        service = CaseService(app, SystemClock(), people=people)
        warmup = _deadline_case(service, 1.0)
        wait_until(lambda: _breached(service, warmup) is not None, 60, "the clock", p)
        cases = []
        for lead in leads:
            cases.append(_deadline_case(service, lead))
            time.sleep(0.2)
        wait_until(
            lambda: all(_breached(service, c) is not None for c in cases),
            max(leads) + tick + 60,
            "every breach",
            p,
        )
    late = [_breached(service, c) or 0.0 for c in cases]
    app.close()
    worst = max(late) * 1000
    return Figure(
        "SOP breach recorded after its deadline",
        worst,
        "ms max",
        None,
        f"≤ tick + 1 s ({(tick + 1) * 1000:,.0f} ms)",
        worst <= (tick + 1) * 1000,
        note=f"p50 {percentile(late, 50) * 1000:,.0f} ms; {breaches} deadlines; "
        f"vatra sop-clock --embedded, VATRA_SOP_CLOCK_INTERVAL={tick:g}",
    )


def _deadline_case(service: CaseService, lead: float) -> str:
    """A case whose police notification ("police-notified", 1 hour) falls due
    ``lead`` seconds from now."""
    due = datetime.now(UTC) + timedelta(seconds=lead)
    result = service.open_case(
        Identify(
            subject_ref="PV-BENCH-SOP",
            region="vlora",
            mobile_unit="vlora-unit",
            municipality=REGION_SEATS["vlora"],
            is_minor=False,
            sex="female",
            age=30,
            nationality="AL",
        ),
        actor_id="mu-vlora-1",
        actor_role="mobile_unit",
        occurred_at=due - timedelta(hours=1),
    )
    return str(result["case_id"])


def _breached(service: CaseService, case_id: str) -> float | None:
    """Seconds from the police-notified deadline to the recorded breach, if any."""
    for event in service.app.case_events(case_id):
        if isinstance(event, ev.DeadlineBreached) and event.rule_id == POLICE:
            return (event.timestamp - event.due_at).total_seconds()
    return None
