"""Running the API: ``vatra api``, ``vatra demo --serve`` (its demo tokens and
log-ins), ``vatra token create``.

``serve`` runs uvicorn in the foreground until SIGTERM or Ctrl-C. It does
nothing else: the access log it records is published to Kafka by the relay's
process (``vatra relay``, ``vatra run``), whose batches would otherwise hold
the interpreter while a read waits. ``ApiServer`` runs the same application
in a thread on an ephemeral port, for tests and tools.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from types import FrameType

import structlog
import uvicorn
from fastapi import FastAPI

from domain.clock import Clock
from handlers.directory import DirectoryError, load_directory
from services.accounts.passwords import one_time_password
from services.accounts.second_factor import new_secret
from services.api.app import create_app
from services.api.context import ApiContext, api_context
from services.api.token_terms import TokenInfo
from services.app.errors import InvalidInput
from services.config.bootstrap import Backbone
from services.config.settings import ApiSettings, SettingsError
from services.observability.server import stop_checks
from services.workers.shutdown import ShutdownDeadline

log = structlog.get_logger("vatra.api")


def _config(
    app: FastAPI,
    host: str,
    port: int,
    graceful: int | None = None,
    tls: ApiSettings | None = None,
) -> uvicorn.Config:
    # Our middleware logs each request as JSON without personal data; uvicorn's
    # own access log would add plain-text lines with query strings.
    # ``graceful`` bounds how long a stop waits for requests still running;
    # ``tls`` names the certificate and key when the API speaks HTTPS itself.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=graceful,
        ssl_certfile=(tls.tls_cert_file or None) if tls else None,
        ssl_keyfile=(tls.tls_key_file or None) if tls else None,
    )


class ApiServer:
    """The application served by uvicorn in a background thread."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = uvicorn.Server(_config(app, host, port))
        self._thread = threading.Thread(
            target=self.server.run, name="vatra-api", daemon=True
        )

    def start(self, timeout: float = 15) -> str:
        """Start serving; return the base URL (with the port the OS chose)."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


def serve(
    backbone: Backbone,
    *,
    host: str,
    port: int,
    clock: Clock | None = None,
    context: ApiContext | None = None,
) -> None:
    """Serve the API and pages until SIGTERM/SIGINT.

    Uvicorn runs in a thread and the signals are handled here: uvicorn's own
    handling re-raises the signal after shutting down, which would end the
    process before the backbone is closed. The signal starts the shutdown
    deadline (``VATRA_SHUTDOWN_TIMEOUT``): requests still waiting on the
    database get half of it, and the process ends when it expires.
    """
    context = context or api_context(backbone, clock)
    app = create_app(context, backbone.settings.api)
    deadline = ShutdownDeadline(backbone.settings.shutdown_timeout)
    api_settings = backbone.settings.api
    server = uvicorn.Server(
        _config(
            app,
            host,
            port,
            graceful=max(int(deadline.seconds / 2), 1),
            tls=api_settings,
        )
    )
    thread = threading.Thread(target=server.run, name="vatra-api")

    def stop(_signum: int, _frame: FrameType | None) -> None:
        deadline.start()
        server.should_exit = True

    previous = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        thread.start()
        log.info(
            "api_serving",
            host=host,
            port=port,
            https=bool(api_settings.tls_cert_file),
            full_mode=backbone.settings.kafka is not None,
        )
        while thread.is_alive():
            thread.join(timeout=0.5)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_checks(context.health_checks.values())
    if not server.started:
        raise SettingsError(
            f"cannot serve on {host}:{port} (in use, or not an address of this host)"
        )


def create_token(
    backbone: Backbone,
    *,
    user_id: str,
    role: str,
    regions: Sequence[str] = (),
    language: str = "sq",
    unit: str | None = None,
    agency: str | None = None,
    name: str | None = None,
    expires_in: int | None = None,
    expires_on: date | None = None,
) -> str:
    """``vatra token create``: a new token for the user (only its hash is kept),
    named ``name``, with this scope, expiring after ``expires_in`` days or at
    the end of ``expires_on`` (``services.api.token_terms``).

    A Child Protection Unit's ``unit`` must be a ``child_protection_units``
    entry of the directory (``VATRA_DIRECTORY_FILE``): its alerts name it.
    A caseworker's ``agency`` is the agency whose referrals they answer, by
    the name referrals give it.
    """
    if unit:
        check_unit(backbone, unit)
    return api_context(backbone).users.issue_token(
        user_id,
        role,
        regions,
        language,
        unit,
        agency=agency,
        name=name,
        expires_in=expires_in,
        expires_on=expires_on,
    )


def check_unit(backbone: Backbone, unit: str) -> None:
    """Refuse a unit that is not a Child Protection Unit of the directory."""
    notify = backbone.settings.notify
    if notify is None:
        raise SettingsError("the notifier's settings were not loaded")
    try:
        directory = load_directory(notify.directory_file)
    except DirectoryError as error:
        raise SettingsError(str(error)) from None
    contact = directory.contact(unit)
    if contact is None or contact.role != "child_protection_unit":
        raise InvalidInput(
            f"unit {unit!r} is not a child_protection_units entry of "
            f"{notify.directory_file}"
        )


def revoke_tokens(backbone: Backbone, *, user_id: str, name: str | None = None) -> int:
    """``vatra token revoke``: end the user's token ``name``, or every token
    of the user without one; return how many."""
    return api_context(backbone).users.revoke(user_id, name)


def list_tokens(backbone: Backbone, *, user_id: str | None = None) -> list[TokenInfo]:
    """``vatra token list``: every token (of one user), never the token itself."""
    return api_context(backbone).users.tokens(user_id)


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    role: str
    regions: tuple[str, ...]
    language: str


# One user per audience, matching the demo scenario's regions and actors.
DEMO_USERS = (
    DemoUser("mu-vlora-1", "mobile_unit", ("vlora",), "sq"),
    DemoUser("police-vlora-1", "police", ("vlora",), "sq"),
    DemoUser("coordinator-1", "coordinator", (), "en"),
    DemoUser("ra-office-1", "responsible_authority", (), "sq"),
    DemoUser("auditor-1", "auditor", (), "en"),
)
# Manages the demo's accounts (``/admin/accounts``).
DEMO_ADMIN = DemoUser("admin-1", "administrator", (), "en")


def demo_tokens(context: ApiContext) -> list[tuple[DemoUser, str]]:
    """A fresh token for each demo user (printed by ``vatra demo --serve``)."""
    return [
        (
            user,
            context.users.issue_token(
                user.user_id, user.role, user.regions, user.language
            ),
        )
        for user in DEMO_USERS
    ]


@dataclass(frozen=True)
class DemoLogin:
    """A demo user's page log-in: their password and second-factor key."""

    user: DemoUser
    password: str
    key: str


def demo_logins(context: ApiContext) -> list[DemoLogin]:
    """An account for each demo user, with a new password and second-factor
    key each run (printed by ``vatra demo --serve``), plus an administrator."""
    made = []
    for user in (*DEMO_USERS, DEMO_ADMIN):
        account = context.accounts.get(user.user_id)
        if account is None or not account.has_password:
            context.accounts.create(
                "vatra demo", user.user_id, user.role, user.regions, user.language
            )
        password = one_time_password()
        context.accounts.change_own_password(user.user_id, password)
        key = new_secret()
        context.logins.keep_second_factor(user.user_id, key)
        made.append(DemoLogin(user, password, key))
    return made


def demo_banner(
    base_url: str,
    tokens: Sequence[tuple[DemoUser, str]],
    logins: Sequence[DemoLogin] = (),
) -> str:
    """What ``vatra demo --serve`` prints: where to go and how to log in."""
    lines = [
        f"Vatra pages and API on {base_url} (API document: {base_url}/openapi.json)",
        "API tokens of the demo users (they work on this database only):",
        "",
    ]
    for user, token in tokens:
        regions = ",".join(user.regions) or "all regions"
        lines.append(f"  {user.role:<22} {user.user_id:<16} {regions:<12} {token}")
    if logins:
        lines += [
            "",
            f"Log in to the pages at {base_url}/login with a username and password,",
            "then the six-digit code of the key: add it to an authenticator app, or",
            "  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('KEY').now())\"",
            "",
        ]
        for login in logins:
            user = login.user
            lines.append(
                f"  {user.role:<22} {user.user_id:<16} password {login.password}"
                f"  key {login.key}"
            )
    return "\n".join(lines)
