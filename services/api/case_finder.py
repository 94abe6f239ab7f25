"""Finding a case, for the home page and ``GET /api/cases``: a reference or a
short id, filters, one page at a time, within the regions the reader may see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from domain.catalogue import REGIONS
from projections.case_search import CaseQuery, find_cases
from projections.work import Page
from services.api.context import ApiContext
from services.api.policy import ALL_REGION_READERS, Principal
from services.api.work_view import Paging, case_ref, guide_for, page_number
from services.app.errors import InvalidInput

# The longest text searched for: a subject reference is at most 64 characters.
TEXT_LENGTH = 100
State = Literal["open", "closed"]


@dataclass(frozen=True)
class Finding:
    """What a reader looks for: ``text`` (a reference or a short id) and the
    filters; ``None`` and ``False`` mean "any"."""

    text: str = ""
    region: str | None = None
    state: State | None = None
    minor: bool | None = None
    overdue: bool = False
    mine: bool = False

    @classmethod
    def from_page(cls, params: Mapping[str, str], principal: Principal) -> Finding:
        """From the home page's form; a value the form does not offer counts
        as "any" (a link someone edited, or a region no longer theirs)."""
        region = params.get("region") or None
        state = params.get("state")
        minor = {"yes": True, "no": False}.get(params.get("minor", ""))
        return cls(
            # Characters no reference holds (NUL, other controls) are dropped.
            text=" ".join(
                "".join(c for c in params.get("q", "") if c.isprintable()).split()
            )[:TEXT_LENGTH],
            region=region if region in region_choices(principal) else None,
            state="open"
            if state == "open"
            else "closed"
            if state == "closed"
            else None,
            minor=minor,
            overdue=params.get("overdue") == "1",
            mine=params.get("mine") == "1",
        )

    def pairs(self) -> list[tuple[str, str]]:
        """The query parameters that find this again (for paging links)."""
        minor = {True: "yes", False: "no", None: ""}[self.minor]
        return [
            ("q", self.text),
            ("region", self.region or ""),
            ("state", self.state or ""),
            ("minor", minor),
            ("overdue", "1" if self.overdue else ""),
            ("mine", "1" if self.mine else ""),
        ]

    @property
    def narrowed(self) -> bool:
        """Whether anything narrows the list."""
        return any(value for _name, value in self.pairs())


def readable_regions(principal: Principal) -> frozenset[str] | None:
    """The regions whose cases ``principal`` may list (``None``: every one)."""
    return None if principal.role in ALL_REGION_READERS else principal.regions


def region_choices(principal: Principal) -> list[str]:
    """The regions ``principal`` may narrow a list to."""
    regions = readable_regions(principal)
    return sorted(REGIONS if regions is None else regions)


def find(
    ctx: ApiContext,
    principal: Principal,
    finding: Finding,
    *,
    limit: int,
    offset: int,
) -> Page:
    """One page of the cases ``principal`` may read that ``finding`` finds."""
    if finding.region is not None and finding.region not in region_choices(principal):
        raise InvalidInput(f"region {finding.region!r} is not one of your regions")
    query = CaseQuery(
        regions=readable_regions(principal),
        text=finding.text,
        region=finding.region,
        closed=None if finding.state is None else finding.state == "closed",
        minor=finding.minor,
        overdue=True if finding.overdue else None,
        owner=principal.user_id if finding.mine else None,
    )
    now = ctx.clock.now()
    rules = guide_for(ctx.rulebook).in_force(now)
    with ctx.pool.connection() as conn:
        return find_cases(conn, query, now, rules, limit=limit, offset=offset)


def found_cases(
    ctx: ApiContext, viewer: Principal, params: Mapping[str, str]
) -> dict[str, Any]:
    """What the home page shows of the cases: the search as typed, the
    regions to narrow it to, one page of cases and where it sits."""
    finding = Finding.from_page(params, viewer)
    number = page_number(params.get("page"))
    paging = Paging(0, number, viewer.language, finding.pairs())
    page = find(ctx, viewer, finding, limit=paging.size, offset=paging.offset)
    cases = [{**row, "ref": case_ref(row["short_id"])} for row in page.rows]
    return {
        "finding": finding,
        "regions": region_choices(viewer),
        "cases": cases,
        "paging": dataclasses.replace(paging, total=page.total),
    }
