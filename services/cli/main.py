"""The ``vatra`` command line: the parser, and each command loaded when it runs.

Each sub-command names the function that carries it out (``module:function``
in ``services/cli/``); only that module is imported, after the arguments are
parsed, so ``vatra --help`` loads no database, Kafka or web library, and a
command loads only what it needs (``bench/cli_startup.py`` measures both).
The commands' modules: ``case_commands`` (timeline, sop),
``stats_commands`` (stats),
``worker_commands`` (relay, project, sop-clock, run, notify, ack),
``serve_commands`` (demo, api, token), ``user_commands`` (user),
``audit_commands`` (history, rebuild, verify, export, erase, dlq), ``texts_commands``
(move-texts) and ``kafka_commands`` (topics, kafka).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import date

from domain.codes import REGIONS, ROLES
from services.cli.exit_codes import exit_code_of
from services.cli.user_parsers import add_user_parsers

Command = Callable[[argparse.Namespace], int]

HELP_TOKEN_CREATE = (
    "Create an API token for a user; it is printed once, only its hash is kept."
)
HELP_TOKEN_REVOKE = "Revoke one token of a user (--name), or all of them (--all)."
HELP_TOKEN_LIST = (
    "List the API tokens (name, user, scope, created, expires, last used, "
    "revoked); never a token."
)
HELP_DEMO = "Record the demo scenario, project it, print a timeline and SOP compliance."
HELP_API = (
    "Serve the HTTP API and pages on VATRA_API_HOST:VATRA_API_PORT until SIGTERM."
)
HELP_TIMELINE = "Print one case's timeline (exit 2 if there is no such case)."
HELP_SOP = "Print SOP compliance per rule and region, deadlines near, and the overdue."
HELP_STATS = (
    "Print the statistics of a period (small counts suppressed) as Markdown, "
    "CSV or Excel."
)
HELP_HISTORY = (
    "Print a case as it stood at a moment or right after a version (for auditors)."
)
HELP_SOP_CLOCK = (
    "Record SOP deadline warnings and breaches until SIGTERM (--once: one tick)."
)
HELP_PROJECT = (
    "Run the projections from Kafka (or, with --embedded, the notification log)."
)
HELP_RELAY = (
    "Publish every recorded event, and every read in the access log, to Kafka, "
    "in order, until SIGTERM."
)
HELP_RUN = (
    "Run relay, projections, SOP clock and alerts in one process until SIGTERM "
    "(--embedded: no Kafka, the read models follow the event store)."
)
HELP_NOTIFY = (
    "Deliver alerts to police, Responsible Authority, CPUs and coordinators "
    "until SIGTERM: intake on Kafka (--embedded: the event store) and dispatcher."
)
HELP_ACK = "Record that an authority acknowledged an alert (TOKEN from its link)."
HELP_MOVE_TEXTS = (
    "Move the text typed into events recorded before it was kept apart into "
    "the encrypted personal-data store."
)
HELP_REBUILD = (
    "Rebuild every read model from the events; checksums show it equals the old."
)
HELP_VERIFY = "Verify every case's event chain; exit 1 if anything was tampered with."
HELP_EXPORT = (
    "Export one case as JSON or HTML for courts and inspectors (access-logged)."
)
HELP_ERASE = "Erase the personal data of the person a case is about (crypto-shredding)."
HELP_DLQ = "Dead letters: list them, show one, retry one (after a fix is deployed)."
HELP_TOPICS = "Create the backbone's Kafka topics if they do not exist."
HELP_KAFKA = (
    "A local single-node Kafka for development: fetch, start, stop, status, "
    "with the arguments and defaults of ``deploy/kafka/kafka.sh``."
)


def _add_token_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """API tokens: create, list, revoke."""
    p = sub.add_parser("token", help="API tokens: create, list, revoke")
    tokens = p.add_subparsers(dest="token_command", required=True)
    p = tokens.add_parser("create", help=HELP_TOKEN_CREATE)
    p.add_argument("--user", required=True, help="the user's id, e.g. mu-vlora-1")
    # An explicit metavar: argparse would otherwise list (and so load) the
    # choices while building the parser.
    p.add_argument(
        "--role",
        required=True,
        metavar="ROLE",
        choices=LazyChoices("services.api.policy", "API_ROLES"),
        help="the user's role (an invalid one lists them)",
    )
    p.add_argument(
        "--region",
        action="append",
        default=[],
        choices=sorted(REGIONS),
        help="a region the user works in (repeat for several)",
    )
    p.add_argument(
        "--language",
        metavar="LANGUAGE",
        choices=LazyChoices("services.api.users", "LANGUAGES"),
        default="sq",
        help="sq (the default) or en",
    )
    p.add_argument(
        "--unit",
        help="child_protection_unit: the id of its entry in the directory "
        "(it sees only the alerts sent to that entry); shelter_staff: the "
        "agency they work for (they answer the referrals made to it)",
    )
    p.add_argument(
        "--agency",
        metavar="NAME",
        help="a caseworker of an agency that receives referrals (a shelter): its "
        "name as referrals give it (its task list shows the referrals waiting "
        "for its answer)",
    )
    p.add_argument(
        "--name",
        help="the token's name, unique among the user's live tokens, e.g. "
        "intake-sync (default: token-N)",
    )
    expiry = p.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires-in",
        type=int,
        metavar="DAYS",
        help="days until the token expires (default 90, at most 365)",
    )
    expiry.add_argument(
        "--expires-at",
        type=_date,
        metavar="YYYY-MM-DD",
        help="the last day the token works (Europe/Tirane), at most 365 days ahead",
    )
    p.set_defaults(command_at="serve:cmd_token_create")
    p = tokens.add_parser("list", help=HELP_TOKEN_LIST)
    p.add_argument("--user", help="only this user's tokens")
    p.set_defaults(command_at="serve:cmd_token_list")
    p = tokens.add_parser("revoke", help=HELP_TOKEN_REVOKE)
    p.add_argument("--user", required=True)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--name", help="the token to revoke")
    which.add_argument(
        "--all", action="store_true", help="revoke every token of the user"
    )
    p.set_defaults(command_at="serve:cmd_token_revoke")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD)"
        ) from None


def _add_case_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """``timeline`` and ``sop``: a case and the SOP compliance, read."""
    p = sub.add_parser("timeline", help=HELP_TIMELINE)
    p.add_argument("case_id")
    p.add_argument(
        "--actor",
        help="your staff id: the text people typed is shown if --role may see "
        "the person's data (each read in the access log), else [withheld]",
    )
    p.add_argument("--role", choices=sorted(ROLES), default="auditor")
    p.set_defaults(command_at="case:cmd_timeline")
    p = sub.add_parser("sop", help=HELP_SOP)
    p.add_argument("--region", help="only this region: " + ", ".join(REGIONS))
    p.set_defaults(command_at="case:cmd_sop")


def _add_audit_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """The auditor's commands: verify, export, erase; and move-texts."""
    p = sub.add_parser("verify", help=HELP_VERIFY)
    p.add_argument(
        "--seal-legacy",
        action="store_true",
        help="first chain the cases recorded before the chain existed (once)",
    )
    p.set_defaults(command_at="audit:cmd_verify")
    p = sub.add_parser("export", help=HELP_EXPORT)
    p.add_argument("case_id")
    p.add_argument("--format", choices=("json", "html"), default="html")
    p.add_argument("--out", required=True, help="the file to write")
    p.add_argument("--actor", required=True, help="your staff id (access log)")
    p.add_argument("--role", choices=sorted(ROLES), default="auditor")
    p.set_defaults(command_at="audit:cmd_export")
    p = sub.add_parser("erase", help=HELP_ERASE)
    p.add_argument("case_id")
    p.add_argument("--reason", required=True)
    p.add_argument("--expected-version", type=int, required=True)
    p.add_argument("--actor", required=True, help="your staff id")
    p.add_argument(
        "--role", choices=("coordinator", "responsible_authority"), required=True
    )
    p.set_defaults(command_at="audit:cmd_erase")
    p = sub.add_parser("move-texts", help=HELP_MOVE_TEXTS)
    p.add_argument("--actor", required=True, help="your staff id (access log)")
    p.add_argument("--role", choices=sorted(ROLES), default="coordinator")
    p.set_defaults(command_at="texts:cmd_move_texts")


def _add_stats_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    p = sub.add_parser("stats", help=HELP_STATS)
    p.add_argument(
        "--from",
        dest="from_",
        type=_date,
        metavar="DATE",
        help="the first day counted, YYYY-MM-DD (default: 1 January this year)",
    )
    p.add_argument(
        "--to",
        type=_date,
        metavar="DATE",
        help="the last day counted, included (default: today)",
    )
    p.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="TABLES",
        help="only these tables, by the start of their names (comma-separated, "
        "repeatable): identified, identified_sex, referrals, services, "
        "notifications, sop, caseload...; default: every table of the preset",
    )
    p.add_argument("--region", help="only this region: " + ", ".join(REGIONS))
    p.add_argument(
        "--case-type",
        metavar="CODE",
        help="only this case type: trafficking, domestic_violence, "
        "gender_based_violence",
    )
    p.add_argument(
        "--preset",
        choices=["all", "report"],
        default="all",
        help="all: every table; report: the report inputs for GRETA and TIP",
    )
    p.add_argument("--format", choices=["md", "csv", "xlsx"], default="md")
    p.add_argument("--language", choices=["en", "sq"], default="en")
    p.add_argument("--output", metavar="FILE", help="write here, not to stdout")
    p.set_defaults(command_at="stats:cmd_stats")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vatra",
        description="Vatra Backbone: case referral and notification backbone.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help=HELP_DEMO)
    p.add_argument(
        "--serve",
        action="store_true",
        help="then serve the pages and the API with a demo token per audience",
    )
    p.set_defaults(command_at="serve:cmd_demo")
    sub.add_parser("api", help=HELP_API).set_defaults(command_at="serve:cmd_api")
    _add_token_parsers(sub)
    add_user_parsers(sub)
    _add_case_parsers(sub)
    _add_stats_parser(sub)
    p = sub.add_parser("sop-clock", help=HELP_SOP_CLOCK)
    p.add_argument("--once", action="store_true", help="one tick, then exit")
    p.add_argument(
        "--embedded",
        action="store_true",
        help="catch the read models up from the event store first "
        "(the default when KAFKA_BOOTSTRAP_SERVERS is not set)",
    )
    p.set_defaults(command_at="worker:cmd_sop_clock")
    p = sub.add_parser("history", help=HELP_HISTORY)
    p.add_argument("case_id")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--as-of", help="ISO 8601 time with offset, e.g. 2026-11-01T12:00Z"
    )
    when.add_argument(
        "--version", type=int, help="the case right after this event (1, 2, ...)"
    )
    p.set_defaults(command_at="audit:cmd_history")
    sub.add_parser("rebuild", help=HELP_REBUILD).set_defaults(
        command_at="audit:cmd_rebuild"
    )
    _add_audit_parsers(sub)
    p = sub.add_parser("project", help=HELP_PROJECT)
    p.add_argument(
        "--embedded", action="store_true", help="follow the event store, not Kafka"
    )
    p.add_argument(
        "--follow", action="store_true", help="with --embedded: keep following"
    )
    p.set_defaults(command_at="worker:cmd_project")
    sub.add_parser("relay", help=HELP_RELAY).set_defaults(command_at="worker:cmd_relay")
    p = sub.add_parser("run", help=HELP_RUN)
    p.add_argument("--embedded", action="store_true", help="no Kafka")
    p.set_defaults(command_at="worker:cmd_run")
    p = sub.add_parser("notify", help=HELP_NOTIFY)
    p.add_argument(
        "--embedded", action="store_true", help="follow the event store, not Kafka"
    )
    p.set_defaults(command_at="worker:cmd_notify")
    p = sub.add_parser("ack", help=HELP_ACK)
    p.add_argument("token", help="the token at the end of the alert's /ack/ link")
    p.set_defaults(command_at="worker:cmd_ack")
    sub.add_parser("topics", help=HELP_TOPICS).set_defaults(
        command_at="kafka:cmd_topics"
    )
    p = sub.add_parser("dlq", help=HELP_DLQ)
    p.add_argument("action", choices=("list", "show", "retry"))
    p.add_argument("id", nargs="?", help="a dead letter's id (show, retry)")
    p.set_defaults(command_at="audit:cmd_dlq")
    p = sub.add_parser("kafka", help="a local Kafka: fetch, start, stop, status")
    p.add_argument("kafka_args", nargs=argparse.REMAINDER)
    p.set_defaults(command_at="kafka:cmd_kafka")
    return parser


class LazyChoices(Collection[str]):
    """Choices imported only when argparse checks or shows them (the web
    package they live in is slow to load)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def _values(self) -> list[str]:
        return sorted(getattr(importlib.import_module(self.module), self.name))

    def __contains__(self, value: object) -> bool:
        return value in self._values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


def load_command(command_at: str) -> Command:
    """The function ``module:function`` names, its module imported now."""
    module, _, function = command_at.partition(":")
    command: Command = getattr(
        importlib.import_module(f"services.cli.{module}_commands"), function
    )
    return command


def command_names() -> set[str]:
    """The names of the ``vatra`` subcommands."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return load_command(args.command_at)(args)
    except BrokenPipeError:
        # The reader went away (``vatra sop | head``): not an error of ours.
        sys.stderr.close()
        return 0
    except Exception as error:
        code, message = exit_code_of(error)
        if code is None:
            raise
        print(f"vatra: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
