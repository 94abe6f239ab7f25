"""Whether a typed value is an id of the running backbone: part of the
composition root, for ``CaseService.known_ids`` (``domain.typed_text.Known``).

Two typed fields may name something the backbone itself knows, and then the
value is an id of our own, not text about the person, and stays in the event:

- a referral's ``agency``, when it names an agency of the alert directory:
  the referral is sent there;
- a notification's ``recipient`` recorded by hand, when it names a unit of
  the directory or the unit of one of the backbone's users: that unit may
  then see the alert (``services.api.policy.may_see_alert``).

Anything else a person typed there is kept apart like any other text.
"""

from __future__ import annotations

from functools import cache

from psycopg_pool import ConnectionPool

from domain.typed_text import Known
from handlers.directory import Directory, DirectoryError, load_directory
from services.config.notify_settings import NotifySettings


def known_ids(pool: ConnectionPool, notify: NotifySettings | None) -> Known:
    """The test for ``pool``'s users and the directory of ``notify``."""

    @cache
    def directory() -> Directory | None:
        if notify is None:
            return None
        try:
            return load_directory(notify.directory_file)
        except (DirectoryError, OSError):
            return None  # the notifier reports it when it starts

    def known(entry_type: str, field: str, value: str) -> bool:
        found = directory()
        if (entry_type, field) == ("Referred", "agency"):
            return found is not None and bool(found.agency(value))
        if (entry_type, field) == ("AuthorityNotified", "recipient"):
            if found is not None and found.contact(value) is not None:
                return True
            return value in _user_units(pool)
        return False

    return known


def _user_units(pool: ConnectionPool) -> set[str]:
    with pool.connection() as conn:
        exists = conn.execute("SELECT to_regclass('api_users') IS NOT NULL").fetchone()
        if not (exists and exists[0]):
            return set()
        return {
            str(unit)
            for (unit,) in conn.execute(
                "SELECT DISTINCT unit FROM api_users WHERE unit IS NOT NULL"
            ).fetchall()
        }
