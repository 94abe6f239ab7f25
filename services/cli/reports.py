"""What the CLI prints: case timelines, SOP compliance and case histories."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Connection

from domain.sop import Obligation, RuleBook
from projections.compliance import (
    case_obligations,
    compliance,
    compliance_by,
    near_deadline,
    overdue,
)
from projections.summaries import line_of
from projections.timeline import timeline
from services.render import duration, percent, table, when


def rule_name(rulebook: RuleBook | None, rule_id: str, version: str = "") -> str:
    """A rule as people read it: its English title, and its id for the files."""
    if rulebook is None:
        return rule_id
    for ruleset in reversed(rulebook.rulesets):
        if version and ruleset.version != version:
            continue
        try:
            return f"{ruleset.rule(rule_id).title.en} ({rule_id})"
        except KeyError:
            continue
    return rule_name(rulebook, rule_id) if version else rule_id


def timeline_report(
    conn: Connection[Any],
    case_id: UUID,
    reveal: Callable[[list[dict[str, Any]]], object] | None = None,
) -> str:
    """One case's timeline; ``reveal`` puts the typed text into the rows'
    details (``services.app.text_reading.reveal``) before they are shown."""
    rows = timeline(conn, case_id)
    if reveal is not None:
        reveal([row["details"] for row in rows])
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
                line_of(r["event_type"], r["details"])
                if r["details"].get("text_refs")
                else r["summary"],
            )
            for r in rows
        ],
    )
    return f"Timeline of case {case_id}\n\n{body}"


def obligations_report(
    conn: Connection[Any],
    case_id: UUID,
    now: datetime,
    rulebook: RuleBook | None = None,
) -> str:
    rows = case_obligations(conn, case_id, now)
    if not rows:
        return "No SOP obligations."
    return table(
        ["rule", "rules", "due (Tirane)", "status", "met at", "entered"],
        [
            (
                rule_name(rulebook, r["rule_id"], r["ruleset_version"]),
                r["ruleset_version"],
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


COUNT_HEADERS = ["open", "warning", "met on time", "met late", "breached", "on-time"]


def _counts(r: dict[str, Any]) -> tuple[object, ...]:
    return (
        r["open"],
        r["warning"],
        r["met"],
        r["met_late"],
        r["breached"],
        percent(r["on_time_rate"]),
    )


def _in(region: str | None) -> str:
    return f" in {region}" if region else ""


def compliance_report(
    conn: Connection[Any],
    now: datetime,
    by: str = "rule_id",
    region: str | None = None,
    rulebook: RuleBook | None = None,
) -> str:
    rows = compliance(conn, now, by, region)
    if not rows:
        return f"No SOP obligations recorded yet{_in(region)}."
    label = "rule" if by == "rule_id" else "region"
    name = (lambda key: rule_name(rulebook, key)) if by == "rule_id" else str
    body = table([label, *COUNT_HEADERS], [(name(r["key"]), *_counts(r)) for r in rows])
    return (
        f"SOP compliance by {label}{_in(region)}, as of {when(now)} (Tirane)\n\n{body}"
    )


def rule_region_report(
    conn: Connection[Any],
    now: datetime,
    region: str | None = None,
    rulebook: RuleBook | None = None,
) -> str:
    """Compliance per rule and region together."""
    rows = compliance_by(conn, now, ("rule_id", "region"), region=region)
    if not rows:
        return f"No SOP obligations recorded yet{_in(region)}."
    body = table(
        ["rule", "region", *COUNT_HEADERS],
        [(rule_name(rulebook, r["rule_id"]), r["region"], *_counts(r)) for r in rows],
    )
    return f"SOP compliance by rule and region{_in(region)}\n\n{body}"


def near_deadline_report(
    conn: Connection[Any],
    now: datetime,
    region: str | None = None,
    rulebook: RuleBook | None = None,
) -> str:
    """Unmet obligations past their warning point, soonest deadline first."""
    rows = near_deadline(conn, now, region=region)
    if not rows:
        return f"No deadlines near{_in(region)}."
    body = table(
        ["case", "rule", "region", "due (Tirane)", "due in", "tell"],
        [
            (
                str(r["case_id"])[:8],
                rule_name(rulebook, r["rule_id"], r["ruleset_version"]),
                r["region"],
                when(r["due_at"]),
                duration(r["due_in"]),
                ", ".join(r["notify_on_breach"]),
            )
            for r in rows
        ],
    )
    return f"Deadlines near{_in(region)}, soonest first\n\n{body}"


def overdue_report(
    conn: Connection[Any],
    now: datetime,
    region: str | None = None,
    rulebook: RuleBook | None = None,
) -> str:
    rows = overdue(conn, now, region=region)
    if not rows:
        return f"No overdue obligations{_in(region)}."
    body = table(
        ["case", "rule", "region", "due (Tirane)", "overdue by", "tell", "breach"],
        [
            (
                str(r["case_id"])[:8],
                rule_name(rulebook, r["rule_id"], r["ruleset_version"]),
                r["region"],
                when(r["due_at"]),
                duration(r["overdue_by"]),
                ", ".join(r["notify_on_breach"]),
                "recorded" if r["breach_recorded"] else "not yet",
            )
            for r in rows
        ],
    )
    return f"Overdue obligations{_in(region)}, most overdue first\n\n{body}"


def sop_report(
    conn: Connection[Any],
    now: datetime,
    region: str | None = None,
    rulebook: RuleBook | None = None,
) -> str:
    """Everything ``vatra sop`` prints: compliance, near and overdue deadlines;
    with the ``rulebook``, each rule by its title."""
    parts = [
        compliance_report(conn, now, "rule_id", region, rulebook),
        compliance_report(conn, now, "region", region),
        rule_region_report(conn, now, region, rulebook),
        near_deadline_report(conn, now, region, rulebook),
        overdue_report(conn, now, region, rulebook),
    ]
    return "\n\n".join(parts)


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
        f"{when(datetime.fromisoformat(history['as_of']))} (Tirane), "
        f"version {case['version']}\n\n"
        f"{facts}\n\nEvents recorded by then\n\n{events}"
    )


def history_obligations_report(
    obligations: Sequence[Obligation], rulebook: RuleBook | None = None
) -> str:
    """The SOP obligations of a case as they stood at a history's moment."""
    if not obligations:
        return "No SOP obligations."
    return table(
        ["rule", "rules", "due (Tirane)", "status", "met at", "met by"],
        [
            (
                rule_name(rulebook, o.rule_id, o.ruleset_version),
                o.ruleset_version,
                when(o.due_at),
                str(o.status),
                when(o.met_at),
                f"#{o.met_by_version}" if o.met_by_version else "-",
            )
            for o in obligations
        ],
    )
