"""What the pages show of outstanding work: each item with who must act and
the steps that meet it, and the paging of long lists.

Rows come from ``projections.work`` and ``projections.case_search``; the rule
of each row (by rule-set version and id) says who must act and which steps
meet it (``services.app.sop_actors``). A step is offered only to a viewer who
may record it on that case's region (``services.api.policy.may_record``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from babel.numbers import format_decimal

from domain.sop import RuleBook
from services.api.policy import Principal, may_record
from services.app.sop_actors import Actor, RuleGuide

PAGE_SIZE = 50
# Pages past this are refused: nobody reads that far, and a bound keeps a
# made-up link from asking the database for an offset in the millions.
LAST_PAGE = 2000


@functools.lru_cache(maxsize=8)
def guide_for(rulebook: RuleBook) -> RuleGuide:
    """The actors and steps of ``rulebook``'s rules, built once."""
    return RuleGuide(rulebook)


def case_ref(short_id: str) -> str:
    """The short reference alerts use: ``VT-`` and 8 hex digits."""
    return f"VT-{short_id}"


@dataclass(frozen=True)
class StepLink:
    command: str
    summary: str
    href: str


@dataclass(frozen=True)
class WorkItem:
    """One outstanding (or set-aside) obligation, as a page shows it."""

    case_id: UUID
    case_ref: str
    rule_id: str
    region: str
    is_minor: bool
    due_at: datetime
    due_in: timedelta
    due_soon: bool
    actor: Actor
    # The case owner's user id or the agency's name, when the actor is one.
    who: str
    steps: tuple[StepLink, ...]
    reason: str | None = None

    @property
    def overdue(self) -> bool:
        return self.due_in <= timedelta(0)


def work_items(
    rows: Iterable[Mapping[str, Any]],
    guide: RuleGuide,
    viewer: Principal,
    now: datetime,
) -> list[WorkItem]:
    """The rows as items, each step kept only if ``viewer`` may record it."""
    items = []
    for row in rows:
        version, rule_id = str(row["ruleset_version"]), str(row["rule_id"])
        actor = guide.actor(version, rule_id)
        who = {
            Actor.CASE_OWNER: row.get("owner"),
            Actor.AGENCY: row.get("agency"),
        }.get(actor)
        steps = tuple(
            StepLink(
                step.command,
                step.summary,
                step.href(row["case_id"], row.get("referral_id")),
            )
            for step in guide.steps(version, rule_id)
            if may_record(viewer, step.command, str(row["region"]))
        )
        soon_at = row.get("due_soon_at")
        items.append(
            WorkItem(
                case_id=row["case_id"],
                case_ref=case_ref(str(row["short_id"])),
                rule_id=rule_id,
                region=str(row["region"]),
                is_minor=bool(row["is_minor"]),
                due_at=row["due_at"],
                due_in=row["due_in"],
                due_soon=soon_at is not None and soon_at <= now,
                actor=actor,
                who=str(who or ""),
                steps=steps,
                reason=row.get("reason"),
            )
        )
    return items


@dataclass(frozen=True)
class Paging:
    """Where one page sits in a list of ``total`` items; its links keep the
    other query parameters (``keep``) and set ``param``."""

    total: int
    page: int
    language: str
    keep: Sequence[tuple[str, str]] = ()
    param: str = "page"
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.language)

    def link(self, page: int) -> str:
        """The address of ``page`` of this list."""
        values = [(k, v) for k, v in self.keep if k != self.param and v]
        if page > 1:
            values.append((self.param, str(page)))
        return "?" + urlencode(values) if values else "?"

    @property
    def previous(self) -> str | None:
        return self.link(self.page - 1) if self.page > 1 else None

    @property
    def next(self) -> str | None:
        return self.link(self.page + 1) if self.last < self.total else None


def page_number(text: str | None) -> int:
    """A page number from a link: anything else is the first page."""
    try:
        number = int(text or "1")
    except ValueError:
        return 1
    return min(max(number, 1), LAST_PAGE)
