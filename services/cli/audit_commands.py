"""The auditor's and operator's commands: verify, export, a case's history,
rebuild with proof, erase.

``services.cli.main`` parses the arguments and opens the backbone; these functions do
the work and return the exit code: 0 success, 1 ``verify`` found tampering,
2 a rule or input error (raised as a ServiceError or DomainError).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from eventsourcing.persistence import MapperDeserialisationError

from services.app.erasure import erase_personal_data
from services.app.errors import InvalidInput
from services.app.parsing import parse_case_id, parse_moment
from services.audit.export import case_export, to_html, to_json
from services.audit.rebuild import rebuild_report, rebuild_with_checksums
from services.audit.verify import verify_chain, verify_report
from services.cli.dlq import dlq_command
from services.cli.exit_codes import TAMPERING_FOUND
from services.cli.reports import history_obligations_report, history_report
from services.config.bootstrap import Backbone, open_backbone
from services.progress import ProgressBar
from services.store.access_log import AccessLog
from services.store.event_chain import ChainedApplicationRecorder, ChainHasher
from services.store.personal_data import PersonalDataStore
from services.store.personal_data_keys import KeyRing


def verify_command(
    backbone: Backbone,
    chain_key: str | None,
    *,
    seal_legacy: bool = False,
    out: TextIO | None = None,
) -> int:
    """Walk every case's event chain; exit 1 if anything was tampered with."""
    recorder = backbone.app.recorder
    if not isinstance(recorder, ChainedApplicationRecorder):
        raise InvalidInput("the event store is not written by the chained recorder")
    if seal_legacy:
        sealed = recorder.seal_unchained_cases()
        print(
            f"sealed {sealed} events of cases that had no chain yet",
            file=out or sys.stdout,
        )
    report = verify_chain(
        backbone.pool,
        recorder.events_table_name,
        ChainHasher(chain_key),
        progress=ProgressBar("verifying", unit="cases"),
    )
    print(verify_report(report), file=out or sys.stdout)
    return 0 if report.ok else TAMPERING_FOUND


def export_command(
    backbone: Backbone,
    case_id: str,
    *,
    fmt: str,
    out_path: Path,
    actor_id: str,
    actor_role: str,
    chain_key: str | None,
    personal_data_key: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Export one case as JSON or HTML to ``out_path``; the export is logged."""
    if fmt not in ("json", "html"):
        raise InvalidInput(f"--format must be json or html, not {fmt!r}")
    access_log = AccessLog(backbone.pool, backbone.clock)
    access_log.create_table()
    store = PersonalDataStore(
        backbone.pool,
        access_log,
        backbone.clock,
        KeyRing(personal_data_key) if personal_data_key else None,
    )
    store.create_table()
    export = case_export(
        backbone.service,
        backbone.pool,
        access_log,
        case_id,
        actor_id=actor_id,
        actor_role=actor_role,
        hasher=ChainHasher(chain_key),
        personal_data=store,
    )
    text = to_json(export) if fmt == "json" else to_html(export)
    out_path.write_text(text, encoding="utf-8")
    state = "intact" if export["integrity"]["intact"] else "SHOWS TAMPERING"
    print(
        f"exported case {export['case']['case_id']} ({len(export['events'])} events, "
        f"chain {state}) to {out_path}",
        file=out or sys.stdout,
    )
    return 0


def rebuild_command(backbone: Backbone, *, out: TextIO | None = None) -> int:
    """Rebuild every read model and show before/after checksums per table."""
    if backbone.settings.kafka is None:
        # Compare like with like: the read models as the events stand now.
        backbone.follower.catch_up()
    report = rebuild_with_checksums(
        backbone.follower, backbone.pool, progress=ProgressBar("rebuilding")
    )
    print(rebuild_report(report), file=out or sys.stdout)
    if backbone.follower.dead_lettered:
        print(
            f"\n{backbone.follower.dead_lettered} event(s) could not be applied "
            "and are set aside as dead letters: see `vatra dlq list`",
            file=out or sys.stdout,
        )
    return 0


def erase_command(
    backbone: Backbone,
    case_id: str,
    *,
    expected_version: int,
    actor_id: str,
    actor_role: str,
    reason: str,
    out: TextIO | None = None,
) -> int:
    """Erase the personal data of the person a case is about (crypto-shredding)."""
    access_log = AccessLog(backbone.pool, backbone.clock)
    access_log.create_table()
    # Erasing needs no master key: it destroys, it never decrypts.
    store = PersonalDataStore(backbone.pool, access_log, backbone.clock, None)
    store.create_table()
    result = erase_personal_data(
        backbone.service,
        store,
        case_id,
        expected_version=expected_version,
        actor_id=actor_id,
        actor_role=actor_role,
        reason=reason,
    )
    print(
        f"personal data of case {result['case_id']} erased "
        f"(case now at version {result['version']})",
        file=out or sys.stdout,
    )
    return 0


def cmd_rebuild(_args: argparse.Namespace) -> int:
    """Rebuild every read model from the events; checksums show it equals the old."""
    with open_backbone() as backbone:
        return rebuild_command(backbone)


def cmd_verify(args: argparse.Namespace) -> int:
    """Verify every case's event chain; exit 1 if anything was tampered with."""
    with open_backbone() as backbone:
        chain_key = backbone.settings.privacy.chain_key.get_secret_value() or None
        return verify_command(backbone, chain_key, seal_legacy=args.seal_legacy)


def cmd_export(args: argparse.Namespace) -> int:
    """Export one case as JSON or HTML for courts and inspectors (access-logged)."""
    with open_backbone() as backbone:
        privacy = backbone.settings.privacy
        return export_command(
            backbone,
            args.case_id,
            fmt=args.format,
            out_path=Path(args.out),
            actor_id=args.actor,
            actor_role=args.role,
            chain_key=privacy.chain_key.get_secret_value() or None,
            personal_data_key=privacy.personal_data_key.get_secret_value() or None,
        )


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase the personal data of the person a case is about (crypto-shredding)."""
    with open_backbone() as backbone:
        return erase_command(
            backbone,
            args.case_id,
            expected_version=args.expected_version,
            actor_id=args.actor,
            actor_role=args.role,
            reason=args.reason,
        )


def cmd_dlq(args: argparse.Namespace) -> int:
    """Dead letters: list them, show one, retry one (after a fix is deployed)."""
    with open_backbone() as backbone:
        return dlq_command(backbone, args.action, args.id)


def cmd_history(args: argparse.Namespace) -> int:
    """Print a case as it stood at a moment or right after a version (for auditors)."""
    as_of = parse_moment("--as-of", args.as_of) if args.as_of else None
    with open_backbone() as backbone:
        try:
            history = backbone.service.history(
                args.case_id, as_of, version=args.version
            )
        except MapperDeserialisationError:
            # An event that no longer decodes was changed outside the backbone.
            print(
                f"vatra: case {args.case_id} has an event that cannot be read: "
                "the store may have been altered. Run `vatra verify` to see "
                "which events of which cases changed.",
                file=sys.stderr,
            )
            return TAMPERING_FOUND
        # The API's rule judge: imported here, as only this command needs it.
        from services.api.sop_view import facts_of_rows, judge  # noqa: PLC0415

        moment = datetime.fromisoformat(history["as_of"])
        facts = facts_of_rows(parse_case_id(args.case_id), history["events"])
        obligations = judge(facts, backbone.rulebook, backbone.calendar, moment)
        print(history_report(history))
        print("\nSOP obligations then\n")
        print(history_obligations_report(obligations, backbone.rulebook))
    return 0
