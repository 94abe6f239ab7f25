"""The period a statistics page or export counts: a month, a quarter, a year
or custom dates, as Europe/Tirane days, turned into UTC ``[start, end)``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.catalogue import CASE_TYPES, REGIONS
from domain.clock import TIRANE
from projections.stats_queries import Filters

KINDS = ("month", "quarter", "year", "custom")
PRESETS = ("all", "report")


class PeriodError(ValueError):
    """A period, region or case type that cannot be counted."""


@dataclass(frozen=True)
class Choice:
    """What a reader asked for, as they asked it (to fill the form again)."""

    kind: str
    first: date
    last: date  # inclusive
    region: str | None = None
    case_type: str | None = None
    preset: str = "all"

    def filters(self) -> Filters:
        return Filters(
            _midnight(self.first),
            _midnight(self.last + timedelta(days=1)),
            self.region,
            self.case_type,
        )

    @property
    def month(self) -> str:
        return f"{self.first.year:04d}-{self.first.month:02d}"

    @property
    def quarter(self) -> str:
        return f"{self.first.year:04d}-Q{(self.first.month - 1) // 3 + 1}"

    @property
    def year(self) -> str:
        return f"{self.first.year:04d}"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TIRANE)


def choose(params: Mapping[str, str], today: date) -> Choice:
    """The period and filters ``params`` name (a query string's, or the CLI's);
    this year by default. ``PeriodError`` names what is wrong."""
    kind = params.get("period") or "year"
    if kind not in KINDS:
        raise PeriodError(f"period is one of {', '.join(KINDS)}")
    first, last = _dates(kind, params, today)
    if last < first:
        raise PeriodError("the period ends before it starts")
    if (last - first).days > 366 * 10:
        raise PeriodError("a period is at most ten years")
    region = params.get("region") or None
    if region is not None and region not in REGIONS:
        raise PeriodError(f"unknown region {region!r}")
    case_type = params.get("case_type") or None
    if case_type is not None and case_type not in CASE_TYPES:
        raise PeriodError(f"unknown case type {case_type!r}")
    preset = params.get("preset") or "all"
    if preset not in PRESETS:
        raise PeriodError(f"preset is one of {', '.join(PRESETS)}")
    return Choice(kind, first, last, region, case_type, preset)


def _dates(kind: str, params: Mapping[str, str], today: date) -> tuple[date, date]:
    if kind == "month":
        found = re.fullmatch(r"(\d{4})-(\d{2})", params.get("month", ""))
        year, month = (
            (int(found[1]), int(found[2])) if found else (today.year, today.month)
        )
        if not 1 <= month <= 12:
            raise PeriodError("a month is YYYY-MM")
        return date(year, month, 1), _month_end(year, month)
    if kind == "quarter":
        found = re.fullmatch(r"(\d{4})-Q([1-4])", params.get("quarter", ""))
        year, q = (
            (int(found[1]), int(found[2]))
            if found
            else (today.year, (today.month - 1) // 3 + 1)
        )
        return date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
    if kind == "year":
        text = params.get("year", "")
        year = int(text) if re.fullmatch(r"\d{4}", text) else today.year
        return date(year, 1, 1), date(year, 12, 31)
    try:
        return (
            date.fromisoformat(params.get("from", "")),
            date.fromisoformat(params.get("to", "")),
        )
    except ValueError:
        raise PeriodError("a custom period needs from and to, YYYY-MM-DD") from None


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)
