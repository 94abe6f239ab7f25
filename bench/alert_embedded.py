"""Alert latency in the embedded mode: no Kafka, ``vatra notify --embedded``.

The alert tests once asserted this figure (every alert out within 2 s of the
identification); a test on a shared machine cannot tell a slow hour from a
slow notifier, so the figure is measured here, beside the bare SMTP send.
"""

from __future__ import annotations

from bench.env import BenchEnv
from bench.figures import Figure, _app
from bench.latency import ALERT_SETTINGS, _identify, _identify_paced
from bench.mail import MailServer
from bench.stack import people_on, running, wait_until, worker_env
from bench.timing import percentile
from domain.clock import SystemClock
from services.app.service import CaseService

# The bound the embedded alert test asserted until it moved here.
EMBEDDED_BOUND_MS = 2000.0


def embedded_alert_latency(env: BenchEnv, identifications: int) -> list[Figure]:
    """Identification recorded → its e-mails accepted by the SMTP server, the
    notifier following the event store's log in its own process.

    One identification every 0.3 s, each alerting the police of its region and
    the Responsible Authority; nothing else runs. The clock of each e-mail
    starts when ``identify()`` returned and stops when the server accepted it.
    """
    db = env.fresh_database("alerts_embedded")
    app = _app(db)
    with people_on(db) as people, MailServer() as mail:
        service = CaseService(app, SystemClock(), people=people)
        process_env = worker_env(
            db, None, VATRA_SMTP_PORT=str(mail.port), **ALERT_SETTINGS
        )
        logs = env.workdir / "logs" / db.dbname
        commands = {"notify": ["notify", "--embedded"]}
        with running(commands, process_env, logs) as processes:
            _identify(service, "bench-warmup", 0)
            wait_until(
                lambda: len(mail.sink.with_prefix("bench-warmup")) >= 2,
                60,
                "the first alerts",
                processes,
            )
            returned = _identify_paced(service, identifications, 0.3)
            expected = 2 * identifications
            wait_until(
                lambda: len(mail.sink.with_prefix("bench-alert-")) >= expected,
                60,
                "every alert",
                processes,
            )
        accepted = mail.sink.with_prefix("bench-alert-")
        size = sorted(a.size for a in accepted)[len(accepted) // 2]
        raw = [mail.raw_send(size, f"bench-raw-{k}") for k in range(50)]
    app.close()
    latencies = [(a.at - returned[a.correlation_id]) * 1000 for a in accepted]
    worst = max(latencies)
    return [
        Figure(
            "alert latency, embedded mode (identified → SMTP accepted), max",
            worst,
            "ms",
            max(raw) * 1000,
            f"max ≤ {EMBEDDED_BOUND_MS:,.0f} ms",
            worst <= EMBEDDED_BOUND_MS,
            note=f"p50 {percentile(latencies, 50):,.0f} ms; {len(latencies)} e-mails, "
            f"{identifications} identifications; vatra notify --embedded",
        )
    ]
