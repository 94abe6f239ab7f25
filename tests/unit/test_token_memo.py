"""The tokens a process remembers as live: for a minute, and a bounded number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.clock import ControlledClock
from services.api.policy import Principal
from services.api.token_memo import TokenMemo

READER = Principal("mu-vlora-1", "mobile_unit", frozenset({"vlora"}), "en")


def test_a_token_is_remembered_for_less_than_a_minute() -> None:
    clock = ControlledClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    memo = TokenMemo(clock)
    memo.keep("a" * 64, READER)
    clock.advance(timedelta(seconds=59))
    assert memo.recent("a" * 64) == READER
    clock.advance(timedelta(seconds=1))
    assert memo.recent("a" * 64) is None


def test_no_more_tokens_are_remembered_than_the_memo_holds() -> None:
    memo = TokenMemo(ControlledClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)), size=2)
    for digest in ("a", "b", "c"):
        memo.keep(digest, READER)
    assert [memo.recent(d) for d in ("a", "b", "c")] == [None, READER, READER]
