"""What every request handler works with, built once from the backbone."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog
from psycopg import Connection
from psycopg_pool import ConnectionPool

from domain.clock import Clock
from domain.sop import RuleBook, WorkingCalendar
from handlers.acknowledgements import AckTokens
from projections.schema import run_ddl
from services.accounts.accounts import Accounts
from services.accounts.login import LogIns
from services.accounts.passwords import Passwords
from services.accounts.schema import DDL as ACCOUNTS_DDL
from services.accounts.second_factor import SecretBox
from services.accounts.sessions import Sessions
from services.accounts.single_sign_on import OpenIdProvider
from services.api.freshness import ReadModels
from services.api.idempotency import IdempotencyStore
from services.api.policy import Principal
from services.api.users import Users
from services.app.service import CaseService
from services.config.bootstrap import Backbone
from services.config.notify_settings import DEPLOY
from services.config.settings import KafkaSettings
from services.observability.health import checks_for
from services.observability.server import Check
from services.store.access_log import AccessLog
from services.store.case_attachments import CaseAttachments
from services.store.erasure_requests import ErasureRequests
from services.store.person_record import PersonRecords
from services.store.personal_data import PersonalDataStore

log = structlog.get_logger("vatra.api")


class Unauthenticated(Exception):
    """No token, or one that is unknown or revoked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Forbidden(Exception):
    """Outside the caller's rights; ``recorded`` in the access log unless said."""

    def __init__(self, message: str, *, recorded: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.recorded = recorded


@dataclass
class ApiContext:
    """Every part a request handler needs, passed in, never global."""

    service: CaseService
    pool: ConnectionPool
    clock: Clock
    access_log: AccessLog
    users: Users
    idempotency: IdempotencyStore
    rulebook: RuleBook
    calendar: WorkingCalendar
    read_models: ReadModels
    # People's accounts, their page sessions and log-ins (``services.accounts``).
    accounts: Accounts
    sessions: Sessions
    logins: LogIns
    kafka: KafkaSettings | None = None
    health_checks: dict[str, Check] = field(default_factory=dict)
    # Verifies the acknowledgement links in alerts; None when alerts are off.
    ack_tokens: AckTokens | None = None
    # The directory of authorities: the field page shows the police's numbers.
    directory_file: Path | None = None
    # The person records (``routes.person``); None: not set up.
    people: PersonRecords | None = None
    # The notes and documents of cases (``routes.attachments``).
    attachments: CaseAttachments | None = None
    # Erasure from the pages: the requests awaiting a second person, and the
    # store whose keys an erasure destroys (``routes.erasure``).
    erasure_requests: ErasureRequests | None = None
    personal_data: PersonalDataStore | None = None
    # Published statistics show counts below it as "<N" (VATRA_STATS_THRESHOLD).
    stats_threshold: int = 5
    # Log-in through an OpenID provider (``routes.single_sign_on``); None: off.
    single_sign_on: OpenIdProvider | None = None

    def check(
        self,
        principal: Principal,
        view: str,
        allowed: bool,
        *,
        correlation_id: str,
        case_id: UUID | str | None = None,
    ) -> None:
        """Refuse (403) unless ``allowed``; a refusal is recorded in the access log."""
        if allowed:
            return
        self.record(principal, view, correlation_id, case_id=case_id, allowed=False)
        raise Forbidden(
            f"a {principal.role} may not use {view}"
            + (" for this case" if case_id else "")
        )

    def read(
        self,
        principal: Principal,
        view: str,
        allowed: bool,
        *,
        correlation_id: str,
        case_id: UUID | str | None = None,
        conn: Connection[Any] | None = None,
    ) -> None:
        """Record a read of ``view`` in the access log, or refuse it (403).

        A refusal is recorded at once; a read on ``conn``, if given, so that
        it commits with the read.
        """
        self.check(
            principal, view, allowed, correlation_id=correlation_id, case_id=case_id
        )
        self.record(principal, view, correlation_id, case_id=case_id, conn=conn)

    def record(
        self,
        principal: Principal,
        view: str,
        correlation_id: str,
        *,
        case_id: UUID | str | None = None,
        allowed: bool = True,
        conn: Connection[Any] | None = None,
    ) -> None:
        self.access_log.record(
            actor_id=principal.user_id,
            actor_role=principal.role,
            view=view,
            case_id=str(case_id) if case_id else None,
            allowed=allowed,
            correlation_id=correlation_id,
            conn=conn,
        )


def api_context(backbone: Backbone, clock: Clock | None = None) -> ApiContext:
    """The context for ``backbone``; ``clock`` replaces the backbone's for the API.

    Creates the API's tables (users, tokens, idempotency keys, access log).
    """
    clock = clock or backbone.clock
    settings = backbone.settings.accounts
    passwords = Passwords(settings.password_hashing)
    key = backbone.settings.privacy.personal_data_key.get_secret_value()
    box = SecretBox(base64.b64decode(key) if key else None)
    service = (
        backbone.service
        if clock is backbone.clock
        else CaseService(
            backbone.app,
            clock,
            people=backbone.service.people,
            texts=backbone.service.texts,
        )
    )
    service.known_ids = backbone.service.known_ids
    people = PersonRecords(backbone.pool, clock, backbone.personal_data.key_ring)
    attachments = CaseAttachments(backbone.pool, clock, backbone.personal_data.key_ring)
    context = ApiContext(
        service=service,
        pool=backbone.pool,
        clock=clock,
        access_log=AccessLog(backbone.pool, clock),
        users=Users(backbone.pool, clock),
        idempotency=IdempotencyStore(backbone.pool, clock),
        rulebook=backbone.rulebook,
        calendar=backbone.calendar,
        read_models=ReadModels(
            backbone.follower if backbone.settings.kafka is None else None,
            wait=backbone.settings.read_wait,
        ),
        accounts=Accounts(backbone.pool, clock, settings, passwords),
        sessions=Sessions(backbone.pool, clock, settings),
        logins=LogIns(backbone.pool, clock, settings, passwords, box),
        kafka=backbone.settings.kafka,
        # The API reads the read models after catching them up itself, so it
        # is ready when PostgreSQL (and Kafka, in the full mode) answers.
        health_checks=checks_for(backbone),
        ack_tokens=_ack_tokens(backbone, clock),
        directory_file=_directory_file(backbone),
        people=people,
        attachments=attachments,
        erasure_requests=ErasureRequests(backbone.pool, clock),
        personal_data=backbone.personal_data,
        stats_threshold=backbone.settings.stats_threshold,
        single_sign_on=(
            OpenIdProvider(settings.single_sign_on, backbone.pool, clock)
            if settings.single_sign_on is not None
            else None
        ),
    )
    context.access_log.create_table()
    people.create_tables()
    attachments.create_tables()
    ErasureRequests(backbone.pool, clock).create_table()
    context.users.create_tables()
    with backbone.pool.connection() as conn:
        run_ddl(conn, ACCOUNTS_DDL)
    context.idempotency.create_table()
    return context


def _directory_file(backbone: Backbone) -> Path:
    notify = backbone.settings.notify
    return notify.directory_file if notify is not None else DEPLOY / "directory.toml"


def _ack_tokens(backbone: Backbone, clock: Clock) -> AckTokens | None:
    notify = backbone.settings.notify
    if notify is None or not notify.enabled:
        return None
    return AckTokens(
        notify.ack_secret.get_secret_value().encode(),
        clock,
        timedelta(days=notify.ack_valid_days),
    )
