"""One case exported for courts and inspectors: JSON, and a readable HTML document.

The export holds the case as it stands, every event with who recorded it, when
it happened and when it was recorded, its position in the store and its chain
hash, the result of verifying the case's chain, the referrals made without
consent and why, whether the person's personal data is held or was erased (never
the data itself: the export names the person by pseudonym only; text people
typed shows for an exporter whose role may see the person's data), and every
recorded access to the case. The export is itself recorded in the access log
before it is built, so it lists itself.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import jinja2
from psycopg_pool import ConnectionPool

from domain.clock import local
from projections.summaries import line_of
from services.app.parsing import parse_case_id
from services.app.service import CaseService
from services.app.text_reading import Reader, reveal_events
from services.audit.verify import case_chain, check_case
from services.store.access_log import AccessLog
from services.store.event_chain import ChainHasher
from services.store.personal_data import PersonalDataStore

FORMAT = "vatra-case-export/1"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def case_export(
    service: CaseService,
    pool: ConnectionPool,
    access_log: AccessLog,
    case_id: str,
    *,
    actor_id: str,
    actor_role: str,
    hasher: ChainHasher,
    personal_data: PersonalDataStore | None = None,
    correlation_id: str = "",
) -> dict[str, Any]:
    """Everything an auditor exports of one case, as plain values."""
    uid = parse_case_id(case_id)
    events = service.events(str(uid))  # raises CaseNotFound before logging a read
    access_id = access_log.record(
        actor_id=actor_id,
        actor_role=actor_role,
        view="export",
        case_id=str(uid),
        correlation_id=correlation_id,
    )
    events_table = service.app.recorder.events_table_name  # type: ignore[attr-defined]
    with pool.connection() as conn:
        stored, links = case_chain(conn, events_table, uid)
    findings = check_case(uid, stored, links, hasher)
    positions = {row.version: row.notification_id for row in stored}
    hashes = {link.originator_version: link.hash.hex() for link in links}
    case = service.case(str(uid))
    entries = []
    for event in events:
        entry = event.summary()
        entry["position"] = positions.get(event.version)
        entry["chain_hash"] = hashes.get(event.version)
        entries.append(entry)
    # Typed text is looked up for the exporter, if their role may see the
    # person's data (the store records the read); else shown withheld.
    reveal_events(
        service.texts,
        str(case["subject_ref"]),
        str(uid),
        entries,
        Reader(actor_id, actor_role, correlation_id),
    )
    for entry in entries:
        entry["summary"] = line_of(entry["type"], entry["payload"])
    return {
        "format": FORMAT,
        "exported_at": service.clock.now().isoformat(),
        "exported_by": {"id": actor_id, "role": actor_role},
        "access_id": access_id,
        "case": case,
        "events": entries,
        "integrity": {
            "intact": not findings,
            "key_id": hasher.key_id,
            "head_hash": hashes.get(case["version"]),
            "findings": [
                {"kind": f.kind, "version": f.version, "detail": f.detail}
                for f in findings
            ],
        },
        "consent_overrides": [
            {
                "version": e["version"],
                "occurred_at": e["occurred_at"],
                "actor_id": e["actor_id"],
                "actor_role": e["actor_role"],
                "referral_id": e["payload"]["referral_id"],
                "service": e["payload"]["service"],
                "reason": e["payload"]["consent_override_reason"],
            }
            for e in entries
            if e["type"] == "Referred" and e["payload"]["consent_override_reason"]
        ],
        "personal_data": (
            personal_data.status(case["subject_ref"])
            if personal_data is not None
            else {"subject_ref": case["subject_ref"], "status": "unknown"}
        ),
        "access_log": [
            _plain(row) for row in reversed(access_log.entries(case_id=str(uid)))
        ],
    }


def to_json(export: dict[str, Any]) -> str:
    """The export as JSON text (UTF-8, times in ISO 8601 UTC)."""
    return json.dumps(export, indent=2, ensure_ascii=False) + "\n"


def to_html(export: dict[str, Any]) -> str:
    """The export as a self-contained HTML document (times in Europe/Tirane)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["tirane"] = _tirane
    return environment.get_template("case_export.html.j2").render(export=export)


def _tirane(value: str | None) -> str:
    if not value:
        return "-"
    return local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (
            value.isoformat()
            if isinstance(value, datetime)
            else str(value)
            if isinstance(value, UUID)
            else value
        )
        for key, value in row.items()
        if key != "id"
    }
