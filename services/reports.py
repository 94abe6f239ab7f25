"""What the CLI prints: case timelines, SOP compliance and case histories."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection

from projections.obligations import case_obligations, compliance, overdue
from projections.timeline import timeline
from services.render import duration, percent, table, when


def timeline_report(conn: Connection[Any], case_id: UUID) -> str:
    rows = timeline(conn, case_id)
    if not rows:
        return f"No timeline for case {case_id} (unknown case, or not projected yet)."
    body = table(
        ["#", "when (Tirane)", "entered", "who", "what"],
        [
            (
                r["version"],
                when(r["occurred_at"]),
                duration(r["recorded_at"] - r["occurred_at"]) + " later"
                if (r["recorded_at"] - r["occurred_at"]).total_seconds() >= 3600
                else "promptly",
                f"{r['actor_id']} ({r['actor_role']})",
                r["summary"],
            )
            for r in rows
        ],
    )
    return f"Timeline of case {case_id}\n\n{body}"


def obligations_report(conn: Connection[Any], case_id: UUID, now: datetime) -> str:
    rows = case_obligations(conn, case_id, now)
    if not rows:
        return "No SOP obligations."
    return table(
        ["rule", "due (Tirane)", "status", "met at", "entered"],
        [
            (
                r["rule_id"],
                when(r["due_at"]),
                r["status"],
                when(r["met_at"]),
                duration(r["recording_delay"]) + " later"
                if r["recording_delay"] and r["recording_delay"].total_seconds() >= 3600
                else "-",
            )
            for r in rows
        ],
    )


def compliance_report(conn: Connection[Any], now: datetime, by: str = "rule_id") -> str:
    rows = compliance(conn, now, by)
    if not rows:
        return "No SOP obligations recorded yet."
    label = "rule" if by == "rule_id" else "region"
    body = table(
        [label, "open", "warning", "met on time", "met late", "breached", "on-time"],
        [
            (
                r["key"],
                r["open"],
                r["warning"],
                r["met"],
                r["met_late"],
                r["breached"],
                percent(r["on_time_rate"]),
            )
            for r in rows
        ],
    )
    return f"SOP compliance by {label}, as of {when(now)} (Tirane)\n\n{body}"


def overdue_report(conn: Connection[Any], now: datetime) -> str:
    rows = overdue(conn, now)
    if not rows:
        return "No overdue obligations."
    body = table(
        ["case", "rule", "region", "due (Tirane)", "overdue by", "tell"],
        [
            (
                str(r["case_id"])[:8],
                r["rule_id"],
                r["region"],
                when(r["due_at"]),
                duration(r["overdue_by"]),
                ", ".join(r["notify_on_breach"]),
            )
            for r in rows
        ],
    )
    return f"Overdue obligations, most overdue first\n\n{body}"


def history_report(history: dict[str, Any]) -> str:
    case = history["case"]
    facts = table(
        ["field", "value"],
        [(k, v) for k, v in case.items() if k not in ("referrals", "services")]
        + [("referrals", len(case["referrals"])), ("services", case["services"])],
    )
    events = table(
        ["#", "type", "occurred", "recorded", "who"],
        [
            (
                e["version"],
                e["type"],
                when(datetime.fromisoformat(e["occurred_at"])),
                when(datetime.fromisoformat(e["recorded_at"])),
                f"{e['actor_id']} ({e['actor_role']})",
            )
            for e in history["events"]
        ],
    )
    return (
        f"Case {case['case_id']} as it stood at "
        f"{when(datetime.fromisoformat(history['as_of']))} (Tirane)\n\n"
        f"{facts}\n\nEvents recorded by then\n\n{events}"
    )
